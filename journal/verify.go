package journal

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// ChainReport is the result of walking one chain.
type ChainReport struct {
	Chain   ChainID
	Entries uint64
	Head    Hash
	// Err is the first broken link, nil when the chain is intact.
	Err *CorruptError
}

// Verify walks every chain from its first entry and checks the format, the
// sequence numbers and every hash link. It reports each chain; the error is
// only for failures to read.
func (db *DB) Verify() ([]ChainReport, error) {
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixEntry}, UpperBound: []byte{prefixEntry + 1}})
	if err != nil {
		return nil, fmt.Errorf("journal: verify: %w", err)
	}
	defer it.Close()
	var reports []ChainReport
	var cur *ChainReport
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		if len(key) != 1+16+8 {
			return reports, fmt.Errorf("journal: verify: malformed entry key %x", key)
		}
		var chain ChainID
		copy(chain[:], key[1:17])
		if cur == nil || cur.Chain != chain {
			reports = append(reports, ChainReport{Chain: chain})
			cur = &reports[len(reports)-1]
		}
		if cur.Err != nil {
			continue
		}
		seq := keySeq(key)
		cur.Err = checkLink(cur, chain, seq, it.Value())
	}
	if err := it.Error(); err != nil {
		return reports, fmt.Errorf("journal: verify: %w", err)
	}
	return reports, nil
}

// checkLink verifies one entry against the chain walked so far and advances
// the report.
func checkLink(r *ChainReport, chain ChainID, seq uint64, value []byte) *CorruptError {
	fail := func(reason string) *CorruptError { return &CorruptError{Chain: chain, Seq: seq, Reason: reason} }
	e, err := decodeEntry(chain, value)
	if err != nil {
		return fail(err.Error())
	}
	switch {
	case e.Seq != seq:
		return fail(fmt.Sprintf("sequence %d in value differs from key", e.Seq))
	case seq != r.Entries+1:
		return fail(fmt.Sprintf("expected entry %d (gap or reordering)", r.Entries+1))
	case !bytes.Equal(e.Prev[:], r.Head[:]):
		return fail("previous hash does not match the hash of the entry before")
	}
	r.Entries, r.Head = seq, e.Hash
	return nil
}
