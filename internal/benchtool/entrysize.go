package main

import (
	"fmt"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/journal"
)

// fallbackEntryBytes is the journal ceiling's entry size when the daemon's
// journal cannot be measured: a POS receipt's queue item (request, response
// with the RKSV signature item, market state) is about 2.6 KB.
const fallbackEntryBytes = 2600

// maxEntriesPerQueue bounds the offline scan of each queue's chain.
const maxEntriesPerQueue = 2000

// entrySize is the mean body size of the queue-item entries the load phase
// wrote, read offline from the stopped daemon's journal. The result is what
// the journal ceiling must write per commit to be comparable.
type entrySize struct {
	bytes   int
	entries int
	err     error // why the fallback is used, or nil
}

// measureEntrySize reads up to maxEntriesPerQueue entries of each queue.
func measureEntrySize(journalDir string, queueIDs []string) entrySize {
	db, err := journal.Open(journalDir, journal.Options{ReadOnly: true})
	if err != nil {
		return entrySize{bytes: fallbackEntryBytes, err: err}
	}
	defer db.Close()
	var total, n int
	for _, q := range queueIDs {
		chain, err := journal.ParseChainID(q)
		if err != nil {
			return entrySize{bytes: fallbackEntryBytes, err: fmt.Errorf("queue %s: %w", q, err)}
		}
		err = db.Scan(chain, 1, maxEntriesPerQueue, func(e journal.Entry) error {
			if e.Kind == fiscal.KindQueueItem {
				total += len(e.Body)
				n++
			}
			return nil
		})
		if err != nil {
			return entrySize{bytes: fallbackEntryBytes, err: fmt.Errorf("queue %s: %w", q, err)}
		}
	}
	if n == 0 {
		return entrySize{bytes: fallbackEntryBytes, err: fmt.Errorf("no queue items in %s", journalDir)}
	}
	return entrySize{bytes: total / n, entries: n}
}
