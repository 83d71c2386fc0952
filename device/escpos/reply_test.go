package escpos_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/fiscald/fiscald/device/escpos"
)

// replies decodes p completely, stopping at a short reply.
func replies(p []byte) (rs []escpos.Reply, rest []byte) {
	for {
		r, n, err := escpos.NextReply(p)
		if err != nil {
			return rs, p
		}
		rs = append(rs, r)
		p = p[n:]
	}
}

func TestNextReply(t *testing.T) {
	status := func(b byte) escpos.Reply { return escpos.Reply{Kind: escpos.ReplyStatus, Status: b} }
	other := func(b byte) escpos.Reply { return escpos.Reply{Kind: escpos.ReplyOther, Status: b} }
	pid := func(id string) escpos.Reply { return escpos.Reply{Kind: escpos.ReplyProcessID, ID: id} }
	tests := []struct {
		name string
		in   []byte
		want []escpos.Reply
		rest int // bytes left as a short reply
	}{
		{"status", []byte{0x12}, []escpos.Reply{status(0x12)}, 0},
		{"process ID", []byte{0x37, 0x22, 'A', '0', '0', '1', 0x00}, []escpos.Reply{pid("A001")}, 0},
		// ID bytes that look like status bytes (0x32, 0x72, 0x7E) stay
		// part of the response.
		{"process ID of status-like bytes", []byte{0x37, 0x22, 0x32, 0x72, 0x7E, 0x3A, 0x00}, []escpos.Reply{pid("2r~:")}, 0},
		{"between status answers", []byte{0x12, 0x37, 0x22, 'a', 'b', 'c', 'd', 0x00, 0x1A},
			[]escpos.Reply{status(0x12), pid("abcd"), status(0x1A)}, 0},
		{"XON XOFF skipped", []byte{0x11, 0x13, 0x16}, []escpos.Reply{other(0x11), other(0x13), status(0x16)}, 0},
		{"short", []byte{0x12, 0x37, 0x22, 'a'}, []escpos.Reply{status(0x12)}, 3},
		{"header only", []byte{0x37}, nil, 1},
		{"missing NUL", []byte{0x37, 0x22, 'a', 'b', 'c', 'd', 0x12}, []escpos.Reply{other(0x37), other(0x22), other('a'), other('b'), other('c'), other('d'), status(0x12)}, 0},
		{"bad second byte", []byte{0x37, 0x12}, []escpos.Reply{other(0x37), status(0x12)}, 0},
		{"control in ID", []byte{0x37, 0x22, 'a', 0x12, 'c', 'd', 0x00}, []escpos.Reply{other(0x37), other(0x22), other('a'), status(0x12), other('c'), other('d'), other(0)}, 0},
		{"empty", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest := replies(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("replies = %+v\nwant      %+v", got, tt.want)
			}
			if len(rest) != tt.rest {
				t.Errorf("%d bytes left, want %d", len(rest), tt.rest)
			}
		})
	}
	if _, _, err := escpos.NextReply(nil); !errors.Is(err, escpos.ErrShortReply) {
		t.Errorf("NextReply(nil) = %v", err)
	}
}

// FuzzNextReply checks that any input parses to the end without panics
// and that every step makes progress.
func FuzzNextReply(f *testing.F) {
	f.Add([]byte{0x12, 0x37, 0x22, 'a', 'b', 'c', 'd', 0x00})
	f.Add([]byte{0x37, 0x22, 0x37, 0x22})
	f.Fuzz(func(t *testing.T, p []byte) {
		for len(p) > 0 {
			r, n, err := escpos.NextReply(p)
			if err != nil {
				if len(p) >= 7 {
					t.Fatalf("short reply with %d bytes: % X", len(p), p)
				}
				return
			}
			if n <= 0 || n > len(p) {
				t.Fatalf("NextReply took %d of %d bytes", n, len(p))
			}
			if r.Kind == escpos.ReplyStatus && !escpos.IsStatusByte(r.Status) {
				t.Fatalf("status reply %#02x", r.Status)
			}
			p = p[n:]
		}
	})
}
