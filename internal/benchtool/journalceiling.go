package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
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
	counts := make([]int, writers)
	errs := make([]error, writers)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range writers {
		chain := journal.ChainID{0: 0xbe, 14: byte(w >> 8), 15: byte(w)}
		wg.Go(func() {
			for counts[w] < maxCommitsPerWriter && ctx.Err() == nil && time.Now().Before(deadline) {
				b := db.NewBatch()
				if _, _, err := b.Append(chain, fiscal.KindQueueItem, time.Now(), body); err != nil {
					b.Discard()
					errs[w] = err
					return
				}
				if err := b.Commit(); err != nil {
					errs[w] = err
					return
				}
				counts[w]++
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := 0
	for w := range writers {
		if errs[w] != nil {
			return 0, fmt.Errorf("journal ceiling: writer %d: %w", w, errs[w])
		}
		total += counts[w]
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("journal ceiling: %w", err)
	}
	return float64(total) / elapsed.Seconds(), nil
}
