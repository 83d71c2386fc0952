package fiscal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/fiscald/fiscald/journal"
)

// Outcome is the final answer of an operation: what the client receives,
// byte for byte, on the first call and on every replay.
type Outcome struct {
	Status int
	Body   []byte
	// Problem marks a problem document (application/problem+json).
	Problem bool
}

// Replayable says how an endpoint treats repeated operation ids (§3.4).
type Replayable bool

const (
	// Stored endpoints (/sign, /pay, /issue) keep the outcome and replay it.
	Stored Replayable = true
	// Fresh endpoints (/echo, /journal) keep only the (id, digest) pair so
	// that reuse with another body is a conflict, and compute afresh.
	Fresh Replayable = false
)

// OpKey identifies an operation: the same id under another CashBox is
// another operation.
type OpKey struct {
	CashBox string
	ID      string
}

// Operation is an operation being executed. The function passed to
// Service.Do receives it and, for queue work, passes it on so that the queue
// stores the outcome in the same batch as the queue item.
type Operation struct {
	key    OpKey
	digest [32]byte
	done   chan struct{}
	out    Outcome
	err    error
	// stored is set when the queue wrote the outcome in its own batch.
	stored bool
}

// Key returns the operation's key.
func (o *Operation) Key() OpKey { return o.key }

// Digest returns the request digest the operation was begun with.
func (o *Operation) Digest() [32]byte { return o.digest }

// StoreOutcome adds the outcome record of the operation (key, digest) to
// b, so that it becomes durable together with the journal entries b
// carries. Work that outlives its request (a payment) stores its outcome
// this way; once b is committed it calls Stored, and the request that
// returns the outcome calls MarkStored.
func (s *Service) StoreOutcome(b *journal.Batch, key OpKey, digest [32]byte, out Outcome) error {
	return b.Set(nsOperation, opRecordKey(key), encodeOpRecord(digest, out))
}

// Stored announces a committed StoreOutcome record, so that later
// requests with the key find it.
func (s *Service) Stored(key OpKey) { s.filter.add(opRecordKey(key)) }

// StoredOutcome returns the stored outcome of an operation, if any;
// another digest is ErrConflict.
func (s *Service) StoredOutcome(key OpKey, digest [32]byte) (Outcome, bool, error) {
	rec, err := s.db.Get(nsOperation, opRecordKey(key))
	if errors.Is(err, journal.ErrNotFound) {
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, &Error{Code: CodeStorage, Detail: "operation records cannot be read", Err: err}
	}
	d, out, err := s.readOpRecord(rec)
	switch {
	case err != nil:
		return Outcome{}, false, &Error{Code: CodeInternal, Detail: "operation record unreadable", Err: err}
	case d != digest:
		return Outcome{}, false, ErrConflict
	case out.Status == 0:
		return Outcome{}, false, nil
	}
	return out, true, nil
}

// MarkStored tells Do that the outcome fn returns is on disk already
// (written with StoreOutcome), so that it is not written twice.
func (o *Operation) MarkStored() { o.stored = true }

// operations tracks operations in flight so that a retry waits for the first
// attempt instead of running twice. It is sharded by key: the lookup of the
// stored record happens under the shard lock (so that no operation can
// finish between "not stored" and "now in flight"), and sharding keeps
// unrelated requests from waiting on each other's lookups.
type operations struct {
	shards [64]opShard
}

type opShard struct {
	mu     sync.Mutex
	flight map[OpKey]*Operation
}

func newOperations() *operations {
	ops := &operations{}
	for i := range ops.shards {
		ops.shards[i].flight = map[OpKey]*Operation{}
	}
	return ops
}

// shard picks the shard of a key (FNV-1a over CashBox and id).
func (ops *operations) shard(k OpKey) *opShard {
	h := uint32(2166136261)
	for _, s := range [2]string{k.CashBox, k.ID} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	return &ops.shards[h%uint32(len(ops.shards))]
}

// opRecordKey is cashbox UUID (16 bytes) ‖ operation id.
func opRecordKey(k OpKey) []byte {
	id, _ := journal.ParseChainID(k.CashBox)
	return append(id[:], k.ID...)
}

// An operation record is stored in one of two forms:
//
//	v1: 1 ‖ digest (32) ‖ status (2) ‖ flags (1) ‖ response body
//	v2: 2 ‖ digest (32) ‖ status (2) ‖ flags (1) ‖ chain (16) ‖ seq (8) ‖ offset (4) ‖ length (4)
//
// v2 points at the response inside the queue item that holds it, so a
// receipt's answer is written once. Status 0 records only the (id, digest)
// pair of a fresh endpoint. Flags bit 0 marks a problem document.
const opHeaderLen = 36

// encodeOpRecord builds a v1 record that carries the body itself.
func encodeOpRecord(digest [32]byte, out Outcome) []byte {
	b := appendOpHeader(make([]byte, 0, opHeaderLen+len(out.Body)), 1, digest, out)
	return append(b, out.Body...)
}

// encodeOpRef builds a v2 record pointing at body[off:off+n] of an entry.
func encodeOpRef(digest [32]byte, out Outcome, chain journal.ChainID, seq uint64, off, n int) []byte {
	b := appendOpHeader(make([]byte, 0, opHeaderLen+32), 2, digest, out)
	b = append(b, chain[:]...)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = binary.BigEndian.AppendUint32(b, uint32(off))
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func appendOpHeader(b []byte, version byte, digest [32]byte, out Outcome) []byte {
	b = append(b, version)
	b = append(b, digest[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(out.Status))
	var flags byte
	if out.Problem {
		flags = 1
	}
	return append(b, flags)
}

// readOpRecord decodes a record, reading the response from its queue item
// for the v2 form.
func (s *Service) readOpRecord(b []byte) (digest [32]byte, out Outcome, err error) {
	if len(b) < opHeaderLen || (b[0] != 1 && b[0] != 2) {
		return digest, out, errors.New("fiscal: malformed operation record")
	}
	copy(digest[:], b[1:33])
	out.Status = int(binary.BigEndian.Uint16(b[33:35]))
	out.Problem = b[35]&1 != 0
	if b[0] == 1 {
		out.Body = b[opHeaderLen:]
		return digest, out, nil
	}
	if len(b) != opHeaderLen+32 {
		return digest, out, errors.New("fiscal: malformed operation record")
	}
	var chain journal.ChainID
	copy(chain[:], b[36:52])
	seq := binary.BigEndian.Uint64(b[52:60])
	off, n := binary.BigEndian.Uint32(b[60:64]), binary.BigEndian.Uint32(b[64:68])
	e, err := s.db.Entry(chain, seq)
	if err != nil {
		return digest, out, fmt.Errorf("fiscal: operation record points at entry %d: %w", seq, err)
	}
	if uint64(off)+uint64(n) > uint64(len(e.Body)) {
		return digest, out, errors.New("fiscal: operation record points outside its entry")
	}
	out.Body = e.Body[off : off+n]
	return digest, out, nil
}

// Do runs fn once per operation (§3). A new operation id runs fn; the same id
// and digest while fn runs waits for it; afterwards it returns the stored
// outcome (replay = true). Another digest under the same id is ErrConflict.
//
// fn returns either an Outcome to keep (it is stored here unless the queue
// already stored it) or an error: then nothing is stored and a retry runs
// again. For Fresh endpoints fn runs on every call and only the pair is kept.
func (s *Service) Do(ctx context.Context, key OpKey, digest [32]byte, mode Replayable, fn func(*Operation) (Outcome, error)) (Outcome, bool, error) {
	for {
		op, owner, replay, err := s.begin(key, digest, mode)
		if err != nil {
			return Outcome{}, false, err
		}
		if replay != nil {
			s.metrics.replay(mode)
			return *replay, true, nil
		}
		if owner {
			return s.execute(op, mode, fn)
		}
		select {
		case <-op.done:
		case <-ctx.Done():
			return Outcome{}, false, ctx.Err()
		}
		if op.err != nil || mode == Fresh {
			// The first attempt ended without an outcome (this call is a
			// retry and runs anew), or a fresh endpoint: every call
			// computes its own answer.
			continue
		}
		s.metrics.replay(mode)
		return op.out, true, nil
	}
}

// begin looks the operation up. It returns a stored outcome to replay, an
// operation in flight to wait for (owner false), or a new operation the
// caller now owns and must settle.
func (s *Service) begin(key OpKey, digest [32]byte, mode Replayable) (op *Operation, owner bool, replay *Outcome, err error) {
	sh := s.ops.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if op, ok := sh.flight[key]; ok {
		if op.digest != digest {
			s.metrics.conflict(mode)
			return nil, false, nil, ErrConflict
		}
		return op, false, nil, nil
	}
	rk := opRecordKey(key)
	rec, err := []byte(nil), journal.ErrNotFound
	if s.filter.mayContain(rk) {
		rec, err = s.db.Get(nsOperation, rk)
	}
	switch {
	case err == nil:
		d, out, derr := s.readOpRecord(rec)
		if derr != nil {
			return nil, false, nil, &Error{Code: CodeInternal, Detail: "operation record unreadable", Err: derr}
		}
		if d != digest {
			s.metrics.conflict(mode)
			return nil, false, nil, ErrConflict
		}
		if mode == Stored && out.Status != 0 {
			return nil, false, &out, nil
		}
	case !errors.Is(err, journal.ErrNotFound):
		return nil, false, nil, &Error{Code: CodeStorage, Detail: "operation records cannot be read", Err: err}
	}
	op = &Operation{key: key, digest: digest, done: make(chan struct{})}
	sh.flight[key] = op
	return op, true, nil, nil
}

// execute runs fn for an operation this goroutine owns and settles it, also
// when fn panics (the panic continues to the HTTP layer's recovery).
func (s *Service) execute(op *Operation, mode Replayable, fn func(*Operation) (Outcome, error)) (out Outcome, replay bool, err error) {
	settled := false
	defer func() {
		if !settled {
			s.settle(op, Outcome{}, &Error{Code: CodeInternal, Detail: "operation aborted"})
		}
	}()
	out, err = fn(op)
	if err == nil && !op.stored {
		err = s.storeOutcome(op, mode, out)
	}
	settled = true
	s.settle(op, out, err)
	if err != nil {
		return Outcome{}, false, err
	}
	return out, false, nil
}

// settle publishes an operation's result to its waiters and forgets it. A
// stored operation enters the filter before it leaves the in-flight table,
// so that no later request can miss it.
func (s *Service) settle(op *Operation, out Outcome, err error) {
	op.out, op.err = out, err
	if err == nil || op.stored {
		s.filter.add(opRecordKey(op.key))
	}
	sh := s.ops.shard(op.key)
	sh.mu.Lock()
	delete(sh.flight, op.key)
	sh.mu.Unlock()
	close(op.done)
}

// storeOutcome keeps an outcome (or, for fresh endpoints, only the pair).
func (s *Service) storeOutcome(op *Operation, mode Replayable, out Outcome) error {
	b := s.db.NewBatch()
	if mode == Fresh {
		b.Set(nsOperation, opRecordKey(op.key), encodeOpRecord(op.digest, Outcome{}))
		if err := b.CommitNoSync(); err != nil {
			return &Error{Code: CodeStorage, Detail: "operation record not written", Err: err}
		}
		return nil
	}
	b.Set(nsOperation, opRecordKey(op.key), encodeOpRecord(op.digest, out))
	if err := b.Commit(); err != nil {
		return &Error{Code: CodeStorage, Detail: "operation record not written", Err: err}
	}
	return nil
}
