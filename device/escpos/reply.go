package escpos

import "errors"

// ErrShortReply reports that the bytes end inside a reply: read more.
var ErrShortReply = errors.New("escpos: reply incomplete")

// ReplyKind classifies a message from the printer.
type ReplyKind uint8

// Kinds of replies.
const (
	// ReplyOther is a byte the driver does not use (XON/XOFF, parts of an
	// automatic status block, noise); skip it.
	ReplyOther ReplyKind = iota
	// ReplyStatus is the answer to a DLE EOT request.
	ReplyStatus
	// ReplyProcessID is the answer to GS ( H fn 48: everything sent
	// before the request has been printed.
	ReplyProcessID
)

// Reply is one message from the printer.
type Reply struct {
	// Kind says which of the fields below is set.
	Kind ReplyKind
	// Status is the byte of a ReplyStatus, or the skipped byte of a
	// ReplyOther.
	Status byte
	// ID is the job ID of a ReplyProcessID.
	ID string
}

// Process-ID response framing: 37 22 d1 d2 d3 d4 00 (devices.md §3.3).
const (
	processIDHeader0 = 0x37
	processIDHeader1 = 0x22
	processIDLen     = 7
)

// NextReply decodes the first reply in p and returns it with the number
// of bytes it took. It returns ErrShortReply when p is empty or holds only
// the beginning of a process-ID response.
//
// A process-ID response is recognised as a whole: its ID bytes (0x20–0x7E)
// may look like status bytes, while 0x37 never does (bit 0 is set), so the
// two cannot be confused. A malformed response costs one ReplyOther byte
// and parsing resumes behind it.
func NextReply(p []byte) (Reply, int, error) {
	if len(p) == 0 {
		return Reply{}, 0, ErrShortReply
	}
	b := p[0]
	switch {
	case IsStatusByte(b):
		return Reply{Kind: ReplyStatus, Status: b}, 1, nil
	case b != processIDHeader0:
		return Reply{Kind: ReplyOther, Status: b}, 1, nil
	}
	for i := 1; i < processIDLen; i++ {
		if i == len(p) {
			return Reply{}, 0, ErrShortReply
		}
		if !processIDByteOK(i, p[i]) {
			return Reply{Kind: ReplyOther, Status: b}, 1, nil
		}
	}
	return Reply{Kind: ReplyProcessID, ID: string(p[2:6])}, processIDLen, nil
}

// processIDByteOK checks byte i of a process-ID response.
func processIDByteOK(i int, b byte) bool {
	switch i {
	case 1:
		return b == processIDHeader1
	case processIDLen - 1:
		return b == 0
	}
	return b >= 0x20 && b <= 0x7E
}
