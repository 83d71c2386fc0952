package journal

import "errors"

var (
	// ErrLocked means another process (normally a running fiscald) holds the
	// data directory.
	ErrLocked = errors.New("journal: data directory is in use by another process")
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("journal: not found")
	// ErrChainMoved means a batch was built on a chain head that another
	// batch advanced first: two writers on one chain.
	ErrChainMoved = errors.New("journal: chain head moved under the batch")
	// ErrReadOnly means a write was attempted on a journal opened read-only.
	ErrReadOnly = errors.New("journal: opened read-only")
)

// CorruptError reports a broken chain: the first entry that does not follow
// the format or does not link to its predecessor.
type CorruptError struct {
	Chain  ChainID
	Seq    uint64
	Reason string
}

func (e *CorruptError) Error() string {
	return "journal: chain " + e.Chain.String() + " entry " + itoa(e.Seq) + ": " + e.Reason
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
