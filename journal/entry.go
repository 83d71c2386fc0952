package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"
)

// Version is the entry format version this package writes.
const Version = 1

// headerLen is the fixed part of an entry value before the body.
const headerLen = 1 + 1 + 8 + 8 + sha256.Size

// ChainID names a chain; fiscald uses the queue's UUID bytes.
type ChainID [16]byte

// ParseChainID parses a UUID string (any case) into a ChainID.
func ParseChainID(s string) (ChainID, error) {
	var id ChainID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, errors.New("journal: chain id is not a UUID")
	}
	hexs := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(hexs)); err != nil {
		return id, errors.New("journal: chain id is not a UUID")
	}
	return id, nil
}

// String formats the id as a lower-case UUID.
func (c ChainID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], c[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], c[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], c[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], c[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], c[10:16])
	return string(b[:])
}

// Kind classifies an entry. The journal stores it but gives it no meaning;
// the fiscal layer defines the kinds (docs/journal-format.md lists them).
type Kind uint8

// Hash is the SHA-256 of an entry, the link the next entry commits to.
type Hash [sha256.Size]byte

// Entry is one decoded journal entry.
type Entry struct {
	Chain ChainID
	Seq   uint64
	Kind  Kind
	Time  time.Time
	Prev  Hash
	Hash  Hash
	// Body is the caller's payload. Entries handed to a scan callback are
	// only valid during the callback.
	Body []byte
}

// encodeEntry appends the value of an entry to dst.
func encodeEntry(dst []byte, kind Kind, seq uint64, t time.Time, prev Hash, body []byte) []byte {
	dst = append(dst, Version, byte(kind))
	dst = binary.BigEndian.AppendUint64(dst, seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.UnixNano()))
	dst = append(dst, prev[:]...)
	return append(dst, body...)
}

// hashEntry is the chain rule: SHA-256(chain ‖ value).
func hashEntry(chain ChainID, value []byte) Hash {
	h := sha256.New()
	h.Write(chain[:])
	h.Write(value)
	var out Hash
	h.Sum(out[:0])
	return out
}

// decodeEntry parses an entry value stored under chain; it checks the format
// but not the link to the predecessor.
func decodeEntry(chain ChainID, value []byte) (Entry, error) {
	if len(value) < headerLen {
		return Entry{}, errors.New("entry shorter than its header")
	}
	if value[0] != Version {
		return Entry{}, errors.New("unknown entry version " + itoa(uint64(value[0])))
	}
	e := Entry{
		Chain: chain,
		Kind:  Kind(value[1]),
		Seq:   binary.BigEndian.Uint64(value[2:10]),
		Time:  time.Unix(0, int64(binary.BigEndian.Uint64(value[10:18]))).UTC(),
		Body:  value[headerLen:],
		Hash:  hashEntry(chain, value),
	}
	copy(e.Prev[:], value[18:headerLen])
	return e, nil
}
