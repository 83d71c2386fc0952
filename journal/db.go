package journal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configure Open.
type Options struct {
	// ReadOnly opens the journal for offline readers (fiscalctl). The
	// directory lock is still taken, so a running daemon is detected.
	ReadOnly bool
	// Logger receives Pebble's own messages. Nil discards them.
	Logger *slog.Logger
	// Metrics, if set, observes commits and syncs.
	Metrics *Metrics
}

// cacheBytes is the block cache: the recent part of the journal and the
// index blocks of every table stay in memory.
const cacheBytes = 64 << 20

// DB is an open journal. It is safe for concurrent use.
type DB struct {
	pdb     *pebble.DB
	ro      bool
	metrics *Metrics
	log     pebbleLogger

	mu    sync.Mutex
	heads map[ChainID]*head
}

// head is the last entry of one chain as committed (applied) so far.
type head struct {
	mu   sync.Mutex
	seq  uint64
	hash Hash
}

// Open opens (creating if needed, unless read-only) the journal in dir.
// It fails with ErrLocked when another process has it open.
func Open(dir string, o Options) (*DB, error) {
	if !o.ReadOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("journal: create %s: %w", dir, err)
		}
	} else if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		// Another process holds the fcntl lock (EAGAIN/EACCES); within one
		// process Pebble reports its own table of held locks by message.
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EWOULDBLOCK) ||
			strings.Contains(err.Error(), "lock held by current process") {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("journal: lock %s: %w", dir, err)
	}
	cache := pebble.NewCache(cacheBytes)
	defer cache.Unref()
	opts := &pebble.Options{
		ReadOnly:           o.ReadOnly,
		Lock:               lock,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{log: o.Logger},
		Cache:              cache,
		// Every request looks up its operation id, which almost always
		// misses: bloom filters answer a miss without reading blocks.
		// A larger memtable and base level mean fewer flushes and
		// compactions for a log that only grows.
		MemTableSize:  64 << 20,
		LBaseMaxBytes: 256 << 20,
	}
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if o.ReadOnly {
		opts.ErrorIfNotExists = true
	}
	pdb, err := pebble.Open(dir, opts)
	// The lock is reference-counted: Open took its own reference, so ours is
	// released whether or not Open succeeded.
	_ = lock.Close()
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	return &DB{pdb: pdb, ro: o.ReadOnly, metrics: o.Metrics, log: pebbleLogger{log: o.Logger}, heads: map[ChainID]*head{}}, nil
}

// fatal ends the process after a storage failure that leaves the outcome
// of acknowledged work unknown (see pebbleLogger.Fatalf).
func (db *DB) fatal(format string, args ...any) { db.log.Fatalf(format, args...) }

// Sync makes everything applied so far durable. Readers that hand data
// to the outside (exports) call it first, so that nothing leaves the
// process that a crash could still take back.
func (db *DB) Sync() error {
	if db.ro {
		return nil
	}
	if err := db.pdb.LogData(nil, pebble.Sync); err != nil {
		db.fatal("write-ahead log sync failed: %v", err)
	}
	return nil
}

// Close closes the journal. Batches must have been waited for.
func (db *DB) Close() error {
	if err := db.pdb.Close(); err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

// chainHead returns the head of a chain, loading it from disk on first use
// and checking that the last entry links to its predecessor.
func (db *DB) chainHead(chain ChainID) (*head, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if h, ok := db.heads[chain]; ok {
		return h, nil
	}
	h := &head{}
	lower, upper := chainBounds(chain)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("journal: chain %s: %w", chain, err)
	}
	defer it.Close()
	if it.Last() {
		last, err := decodeEntry(chain, it.Value())
		if err != nil {
			return nil, &CorruptError{Chain: chain, Seq: keySeq(it.Key()), Reason: err.Error()}
		}
		if last.Seq != keySeq(it.Key()) {
			return nil, &CorruptError{Chain: chain, Seq: keySeq(it.Key()), Reason: "sequence in value differs from key"}
		}
		if last.Seq > 1 {
			if !it.Prev() {
				return nil, &CorruptError{Chain: chain, Seq: last.Seq, Reason: "predecessor missing"}
			}
			prev, err := decodeEntry(chain, it.Value())
			if err != nil || prev.Seq != last.Seq-1 || prev.Hash != last.Prev {
				return nil, &CorruptError{Chain: chain, Seq: last.Seq, Reason: "does not link to its predecessor"}
			}
		}
		h.seq, h.hash = last.Seq, last.Hash
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("journal: chain %s: %w", chain, err)
	}
	db.heads[chain] = h
	return h, nil
}

// Head returns the sequence number and hash of a chain's last entry (0 and
// the zero hash for an empty chain).
func (db *DB) Head(chain ChainID) (uint64, Hash, error) {
	h, err := db.chainHead(chain)
	if err != nil {
		return 0, Hash{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq, h.hash, nil
}

// Get returns a copy of a record's value, or ErrNotFound.
func (db *DB) Get(ns Namespace, key []byte) ([]byte, error) {
	var kb [64]byte
	v, closer, err := db.pdb.Get(recordKey(kb[:0], ns, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("journal: get record: %w", err)
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, nil
}

// Entry returns one entry by sequence number, or ErrNotFound.
func (db *DB) Entry(chain ChainID, seq uint64) (Entry, error) {
	var kb [32]byte
	v, closer, err := db.pdb.Get(entryKey(kb[:0], chain, seq))
	if errors.Is(err, pebble.ErrNotFound) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, fmt.Errorf("journal: get entry: %w", err)
	}
	defer closer.Close()
	e, err := decodeEntry(chain, append([]byte(nil), v...))
	if err != nil {
		return Entry{}, &CorruptError{Chain: chain, Seq: seq, Reason: err.Error()}
	}
	return e, nil
}

// Scan calls fn for the entries of a chain with from <= seq <= to, in order
// (to == 0 means up to the head). It reads from a consistent snapshot and
// holds only one entry in memory at a time. fn must not retain e.Body.
func (db *DB) Scan(chain ChainID, from, to uint64, fn func(e Entry) error) error {
	lower, upper := chainBounds(chain)
	var kb [32]byte
	if from > 1 {
		lower = entryKey(kb[:0], chain, from)
	}
	if to != 0 {
		upper = entryKey(nil, chain, to+1)
	}
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("journal: scan %s: %w", chain, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		e, err := decodeEntry(chain, it.Value())
		if err != nil {
			return &CorruptError{Chain: chain, Seq: keySeq(it.Key()), Reason: err.Error()}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("journal: scan %s: %w", chain, err)
	}
	return nil
}

// ScanRecords calls fn for every record of a namespace whose key starts with
// prefix, in key order. fn must not retain key or value.
func (db *DB) ScanRecords(ns Namespace, prefix []byte, fn func(key, value []byte) error) error {
	lower := recordKey(nil, ns, prefix)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: incrementKey(lower)})
	if err != nil {
		return fmt.Errorf("journal: scan records: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Key()[len(lower)-len(prefix):], it.Value()); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("journal: scan records: %w", err)
	}
	return nil
}

// Chains lists every chain that has at least one entry, in id order.
func (db *DB) Chains() ([]ChainID, error) {
	var out []ChainID
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixEntry}, UpperBound: []byte{prefixEntry + 1}})
	if err != nil {
		return nil, fmt.Errorf("journal: list chains: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; {
		var c ChainID
		copy(c[:], it.Key()[1:17])
		out = append(out, c)
		_, upper := chainBounds(c)
		ok = it.SeekGE(upper)
	}
	return out, it.Error()
}

func keySeq(key []byte) uint64 {
	if len(key) != 1+16+8 {
		return 0
	}
	var n uint64
	for _, b := range key[17:] {
		n = n<<8 | uint64(b)
	}
	return n
}

// sortChains orders chain ids so that batches lock heads in one global order.
func sortChains(ids []ChainID) {
	sort.Slice(ids, func(i, j int) bool {
		for k := range ids[i] {
			if ids[i][k] != ids[j][k] {
				return ids[i][k] < ids[j][k]
			}
		}
		return false
	})
}

// pebbleLogger sends Pebble's messages to slog (or nowhere).
type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(format string, args ...any) {
	if l.log != nil {
		l.log.Debug(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	if l.log != nil {
		l.log.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

// Fatalf is called by Pebble when it cannot continue (e.g. a failed WAL
// sync). Continuing could acknowledge data that is not on disk, so the
// process exits and systemd restarts it; recovery reads the synced log.
func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if l.log != nil {
		l.log.Error(msg, "component", "pebble", "fatal", true)
	}
	fmt.Fprintln(os.Stderr, "journal: fatal storage error:", msg)
	os.Exit(70)
}

var _ io.Closer = (*DB)(nil)

// sinceSeconds is used by metrics.
func sinceSeconds(t time.Time) float64 { return time.Since(t).Seconds() }

// Last returns the newest entry of a chain with the given kind, or
// ErrNotFound. It reads backwards from the head, so it is cheap when such
// an entry is near the end.
func (db *DB) Last(chain ChainID, kind Kind) (Entry, error) {
	lower, upper := chainBounds(chain)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return Entry{}, fmt.Errorf("journal: chain %s: %w", chain, err)
	}
	defer it.Close()
	for ok := it.Last(); ok; ok = it.Prev() {
		v := it.Value()
		if len(v) > 1 && Kind(v[1]) == kind {
			e, err := decodeEntry(chain, append([]byte(nil), v...))
			if err != nil {
				return Entry{}, &CorruptError{Chain: chain, Seq: keySeq(it.Key()), Reason: err.Error()}
			}
			return e, nil
		}
	}
	if err := it.Error(); err != nil {
		return Entry{}, fmt.Errorf("journal: chain %s: %w", chain, err)
	}
	return Entry{}, ErrNotFound
}
