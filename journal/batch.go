package journal

import (
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Batch collects the entries and records of one operation so that they
// become visible and durable together. A Batch is used by one goroutine.
type Batch struct {
	db      *DB
	pb      *pebble.Batch
	chains  []pending
	buf     []byte
	applied bool
	started time.Time
}

// pending tracks one chain a batch appends to.
type pending struct {
	id      ChainID
	h       *head
	baseSeq uint64
	seq     uint64
	hash    Hash
}

// NewBatch starts an empty batch.
func (db *DB) NewBatch() *Batch {
	return &Batch{db: db, pb: db.pdb.NewBatch()}
}

// Append adds an entry to the end of a chain and returns its sequence number
// and hash. Several entries may be appended to one chain in one batch; they
// link to each other in order.
func (b *Batch) Append(chain ChainID, kind Kind, t time.Time, body []byte) (uint64, Hash, error) {
	if b.db.ro {
		return 0, Hash{}, ErrReadOnly
	}
	p, err := b.pendingFor(chain)
	if err != nil {
		return 0, Hash{}, err
	}
	seq := p.seq + 1
	if b.buf == nil {
		b.buf = (*entryBufs.Get().(*[]byte))[:0]
	}
	b.buf = encodeEntry(b.buf[:0], kind, seq, t, p.hash, body)
	hash := hashEntry(chain, b.buf)
	var kb [32]byte
	if err := b.pb.Set(entryKey(kb[:0], chain, seq), b.buf, nil); err != nil {
		return 0, Hash{}, fmt.Errorf("journal: append: %w", err)
	}
	p.seq, p.hash = seq, hash
	return seq, hash, nil
}

func (b *Batch) pendingFor(chain ChainID) (*pending, error) {
	for i := range b.chains {
		if b.chains[i].id == chain {
			return &b.chains[i], nil
		}
	}
	h, err := b.db.chainHead(chain)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	p := pending{id: chain, h: h, baseSeq: h.seq, seq: h.seq, hash: h.hash}
	h.mu.Unlock()
	b.chains = append(b.chains, p)
	return &b.chains[len(b.chains)-1], nil
}

// Set writes an auxiliary record. Records may be overwritten (an index
// pointing at the latest entry), unlike entries.
func (b *Batch) Set(ns Namespace, key, value []byte) error {
	var kb [64]byte
	if err := b.pb.Set(recordKey(kb[:0], ns, key), value, nil); err != nil {
		return fmt.Errorf("journal: set record: %w", err)
	}
	return nil
}

// Delete removes an auxiliary record (an index entry whose subject is
// settled). Entries cannot be deleted.
func (b *Batch) Delete(ns Namespace, key []byte) error {
	var kb [64]byte
	if err := b.pb.Delete(recordKey(kb[:0], ns, key), nil); err != nil {
		return fmt.Errorf("journal: delete record: %w", err)
	}
	return nil
}

// Apply makes the batch visible and fixes its place in the log, without
// waiting for the sync. The chains it appended to advance; a following batch
// on the same chain may be built at once. Call Wait before acknowledging.
func (b *Batch) Apply() error {
	if b.db.ro {
		return ErrReadOnly
	}
	ids := make([]ChainID, len(b.chains))
	for i := range b.chains {
		ids[i] = b.chains[i].id
	}
	sortChains(ids)
	for _, id := range ids {
		p, _ := b.pendingFor(id)
		p.h.mu.Lock()
		defer p.h.mu.Unlock()
		if p.h.seq != p.baseSeq {
			return fmt.Errorf("journal: chain %s at %d, batch built on %d: %w", id, p.h.seq, p.baseSeq, ErrChainMoved)
		}
	}
	b.started = time.Now()
	if err := b.db.pdb.ApplyNoSyncWait(b.pb, pebble.Sync); err != nil {
		return fmt.Errorf("journal: apply: %w", err)
	}
	b.applied = true
	for i := range b.chains {
		p := &b.chains[i]
		p.h.seq, p.h.hash = p.seq, p.hash
	}
	b.db.metrics.applied(len(b.chains))
	return nil
}

// Wait blocks until the batch is on disk and releases it. It must be called
// exactly once after a successful Apply.
//
// A failed sync is fatal: the batch is already visible and later batches may
// build on it, so neither "stored" nor "not stored" can be answered; the
// process exits and the next start reads what reached the disk.
func (b *Batch) Wait() error {
	err := b.pb.SyncWait()
	b.db.metrics.synced(b.started)
	b.pb.Close()
	b.release()
	if err != nil {
		b.db.fatal("write-ahead log sync failed after apply: %v", err)
	}
	return nil
}

// Commit applies the batch and waits until it is on disk.
func (b *Batch) Commit() error {
	if err := b.Apply(); err != nil {
		b.Discard()
		return err
	}
	return b.Wait()
}

// CommitNoSync writes a batch of records without waiting for the disk. It is
// for data whose loss in a crash is harmless; a batch with entries must use
// Commit.
func (b *Batch) CommitNoSync() error {
	if len(b.chains) > 0 {
		b.Discard()
		return fmt.Errorf("journal: entries need a synced commit")
	}
	defer b.pb.Close()
	if err := b.pb.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("journal: commit: %w", err)
	}
	return nil
}

// Discard drops a batch that was not applied.
func (b *Batch) Discard() {
	if !b.applied {
		b.pb.Close()
		b.release()
	}
}

// entryBufs recycles the buffers entries are encoded in; Pebble copies the
// value into its batch, so the buffer is free again after the batch.
var entryBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (b *Batch) release() {
	if b.buf != nil {
		buf := b.buf[:0]
		entryBufs.Put(&buf)
		b.buf = nil
	}
}
