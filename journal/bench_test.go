package journal_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiscald/fiscald/journal"
)

// benchEntryBytes is about the size of a /v2/sign queue item (make bench
// prints the measured mean).
const benchEntryBytes = 2300

// benchWriters is the number of concurrent writers of the parallel
// benchmark: one per CashBox queue of the reference load (16 CashBoxes).
const benchWriters = 16

func openBench(b *testing.B) *journal.DB {
	b.Helper()
	db, err := journal.Open(b.TempDir(), journal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	return db
}

// BenchmarkCommitSync is one writer committing one entry per synced batch:
// the latency of a durable append, dominated by the disk's flush.
func BenchmarkCommitSync(b *testing.B) {
	db := openBench(b)
	body := make([]byte, benchEntryBytes)
	chain := journal.ChainID{15: 1}
	b.SetBytes(benchEntryBytes)
	b.ReportAllocs()
	for b.Loop() {
		batch := db.NewBatch()
		if _, _, err := batch.Append(chain, 1, time.Now(), body); err != nil {
			b.Fatal(err)
		}
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitSyncParallel is about benchWriters goroutines, each
// appending to its own chain with synced commits, so that concurrent
// batches share fsyncs (group commit). ns/op is the inverse of the
// aggregate commit rate.
func BenchmarkCommitSyncParallel(b *testing.B) {
	db := openBench(b)
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((benchWriters + procs - 1) / procs)
	b.SetBytes(benchEntryBytes)
	b.ReportAllocs()
	var next atomic.Uint32
	b.RunParallel(func(pb *testing.PB) {
		n := next.Add(1)
		chain := journal.ChainID{14: byte(n >> 8), 15: byte(n)}
		body := make([]byte, benchEntryBytes)
		for pb.Next() {
			batch := db.NewBatch()
			if _, _, err := batch.Append(chain, 1, time.Now(), body); err != nil {
				batch.Discard()
				b.Error(err)
				return
			}
			if err := batch.Commit(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
