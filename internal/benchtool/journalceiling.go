package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/journal"
)

// maxCommitsPerWriter bounds a journal-ceiling writer in count; a synced
// commit takes at least one disk flush, so the time bound ends it first.
const maxCommitsPerWriter = 10_000_000

// journalCeiling is the second ceiling: synced journal commits per second
// of one entry of entryBytes each, from writers goroutines that each append
// to their own chain (one per CashBox queue, as fiscald's queue workers do).
// The journal lives in dir, which must be on the daemon's filesystem.
func journalCeiling(ctx context.Context, dir string, writers, entryBytes int, d time.Duration) (rate float64, err error) {
	db, err := journal.Open(dir, journal.Options{})
	if err != nil {
		return 0, fmt.Errorf("journal ceiling: %w", err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("journal ceiling: %w", cerr)
		}
	}()
	body := make([]byte, entryBytes)
	rand.Read(body) // incompressible, like signatures and ids
	rate, err = opsPerSecond(ctx, writers, maxCommitsPerWriter, d, func(w int) error {
		chain := journal.ChainID{0: 0xbe, 14: byte(w >> 8), 15: byte(w)}
		b := db.NewBatch()
		if _, _, err := b.Append(chain, fiscal.KindQueueItem, time.Now(), body); err != nil {
			b.Discard()
			return err
		}
		return b.Commit()
	})
	if err != nil {
		return 0, fmt.Errorf("journal ceiling: %w", err)
	}
	return rate, nil
}
