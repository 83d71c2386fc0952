package fiscal

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/journal"
)

// Queue is the append-only fiscal chain of one CashBox and one market. One
// goroutine (run) owns it: requests are processed strictly in arrival order,
// and receipt n+1 may be made while receipt n is still being synced.
type Queue struct {
	ID      string
	Country Country
	CashBox *CashBox

	chain journal.ChainID
	reg   Register
	svc   *Service
	jobs  chan *job
	// unsynced holds one token per applied batch whose sync the requester
	// has not seen yet; its capacity bounds the pipeline (MaxPipeline).
	unsynced chan struct{}

	// gate orders submissions against close: no job is sent on a closed
	// channel, even when the HTTP drain timed out.
	gate   sync.RWMutex
	closed bool
	// st is owned by the worker goroutine.
	st queueState
	// applied is set once the current job's batch is in the journal.
	applied bool
	// itemBuf is the worker's reusable buffer for encoding queue items
	// (the journal copies the bytes into its batch).
	itemBuf []byte
	// pub is a copy of st for concurrent readers (echo, exports).
	mu  sync.Mutex
	pub queueState
}

// queueState is the generic, market-independent state of a queue. It is
// stored with every queue item.
type queueState struct {
	Row         uint64    `json:"row"`
	Numerator   uint64    `json:"numerator"`
	Started     bool      `json:"started"`
	Stopped     bool      `json:"stopped"`
	LateSigning bool      `json:"lateSigning"`
	LastMoment  time.Time `json:"lastReceiptMoment"`
}

// job is one /sign request handed to the queue worker.
type job struct {
	op          *Operation
	req         *wire.ReceiptRequest
	cv          CaseValue
	raw         []byte
	posSystemID string
	notes       []string
	// initiated marks a receipt the register asked for (Initiator).
	initiated bool
	reply     chan jobReply
}

// jobReply is the worker's answer: the outcome and the applied batch the
// caller waits on before acknowledging.
type jobReply struct {
	out   Outcome
	batch *journal.Batch
	err   error
}

func (q *Queue) publish() {
	q.mu.Lock()
	q.pub = q.st
	q.mu.Unlock()
}

func (q *Queue) snapshot() queueState {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pub
}

// Identification is the register's legal id (ftCashBoxIdentification).
func (q *Queue) Identification() string { return q.reg.Identification() }

// State returns the queue's current ftState.
func (q *Queue) State(now time.Time) uint64 {
	st := q.snapshot()
	local, global, _ := q.reg.Status(now)
	return StateValue(q.Country, local, q.globalState(st, global))
}

func (q *Queue) globalState(st queueState, market uint32) uint32 {
	if !st.Started || st.Stopped {
		return StateOutOfOperation
	}
	if st.LateSigning {
		market |= StateLateSigning
	}
	return market
}

// EchoInfo returns the register's members for the queue's /v2/echo entry
// (a JSON object), or nil.
func (q *Queue) EchoInfo(now time.Time) []byte {
	if r, ok := q.reg.(EchoReporter); ok {
		return r.EchoInfo(now)
	}
	return nil
}

func (q *Queue) close() {
	q.gate.Lock()
	defer q.gate.Unlock()
	if !q.closed {
		q.closed = true
		close(q.jobs)
	}
}

// submit hands a job to the worker and waits for its outcome to be durable.
// It never gives up half-way: once handed over, the job's result is waited
// for even if the client went away, so that the operation settles.
func (q *Queue) submit(j *job) (Outcome, error) {
	j.reply = make(chan jobReply, 1)
	if err := q.enqueue(j); err != nil {
		return Outcome{}, err
	}
	r := <-j.reply
	if r.err != nil {
		return Outcome{}, r.err
	}
	if r.batch != nil {
		err := r.batch.Wait()
		<-q.unsynced
		if err != nil {
			return Outcome{}, &Error{Code: CodeStorage, Detail: "queue item not synced", Err: err}
		}
	}
	return r.out, nil
}

// enqueue hands a job over without blocking.
func (q *Queue) enqueue(j *job) error {
	q.gate.RLock()
	defer q.gate.RUnlock()
	if q.closed {
		return &Error{Code: CodeStorage, Detail: "fiscald is shutting down; retry with the same operation id", Err: ErrClosed}
	}
	select {
	case q.jobs <- j:
		q.svc.metrics.queued(q.Country, 1)
		return nil
	default:
		return &Error{Code: CodeStorage, Detail: "the queue is overloaded; retry with the same operation id"}
	}
}

// MaxPipeline bounds how many applied but not yet synced batches one queue
// may have: the worker makes receipt n+1 while receipt n syncs, but never
// runs further ahead. A crash can therefore lose at most this many applied
// receipts per queue, which is the margin a market adds to its receipt
// numbers when payloads may have left the process (rksv.md §7.2).
const MaxPipeline = 32

// run is the queue's worker loop. Besides requests it makes the receipts
// its register initiates (Initiator): before the next request, and when the
// register wakes it.
func (q *Queue) run() {
	init, _ := q.reg.(Initiator)
	for {
		wake := q.initiate(init)
		select {
		case j, ok := <-q.jobs:
			if !ok {
				return
			}
			q.svc.metrics.queued(q.Country, -1)
			q.initiate(init)
			q.unsynced <- struct{}{} // wait for a pipeline slot
			r := q.handle(j)
			if r.batch == nil {
				<-q.unsynced
			}
			j.reply <- r
		case <-wake:
		}
	}
}

// initiate makes the receipt the register asks for, if any, and waits
// until it is durable (nobody else waits for it). It returns the channel
// that signals the register's next wish.
func (q *Queue) initiate(init Initiator) <-chan struct{} {
	if init == nil || !q.st.Started || q.st.Stopped {
		return nil
	}
	for range 3 { // a register asks once per device recovery; bound it anyway
		c, wake := init.Due()
		if c == 0 {
			return wake
		}
		q.makeInitiated(c)
	}
	return nil
}

// makeInitiated makes one receipt the register asked for.
func (q *Queue) makeInitiated(c uint64) {
	j, err := q.systemJob(c)
	if err != nil {
		q.svc.log.Error("system receipt not built", "queue", q.ID, "case", c, "err", err)
		return
	}
	q.unsynced <- struct{}{}
	r := q.handle(j)
	if r.batch != nil {
		if err := r.batch.Wait(); err != nil {
			r.err = err
		}
	}
	<-q.unsynced
	if r.err != nil {
		q.svc.log.Error("system receipt failed", "queue", q.ID, "case", c, "err", r.err)
		return
	}
	q.svc.log.Info("system receipt made", "queue", q.ID, "case", c, "row", q.st.Row)
}

// systemJob is the request of a receipt the register initiated: no items,
// made now, referenced "fiscald-<row>", with no operation id.
func (q *Queue) systemJob(c uint64) (*job, error) {
	now := q.svc.now().UTC()
	raw := []byte(`{"cbReceiptReference":"fiscald-` + strconv.FormatUint(q.st.Row+1, 10) + `","cbReceiptMoment":"` +
		wire.FormatMoment(now) + `","cbChargeItems":[],"cbPayItems":[],"ftCashBoxID":"` + q.CashBox.ID +
		`","ftReceiptCase":` + strconv.FormatUint(c, 10) + `}`)
	v, err := wire.Parse(raw)
	if err != nil {
		return nil, err
	}
	req, err := wire.DecodeReceiptRequest(v)
	if err != nil {
		return nil, err
	}
	op := &Operation{key: OpKey{CashBox: q.CashBox.ID}, digest: wire.Digest("POST", "/v2/sign", v)}
	return &job{op: op, req: req, cv: DecodeCase(c), raw: raw, posSystemID: systemPosSystemID, initiated: true,
		notes: []string{"receipt made by fiscald itself, not requested by a POS"}}, nil
}

// systemPosSystemID marks queue items fiscald made on its own.
const systemPosSystemID = "fiscald"

// handle processes one job and applies its batch.
func (q *Queue) handle(j *job) (reply jobReply) {
	defer func() {
		if r := recover(); r != nil {
			if q.applied {
				// The item is in the journal but the queue's state is not
				// updated: continuing would fork rows and numbers.
				panic(r)
			}
			q.svc.log.Error("queue worker panic", "queue", q.ID, "panic", r)
			reply = jobReply{err: &Error{Code: CodeInternal, Detail: "receipt processing failed", Err: fmt.Errorf("panic: %v", r)}}
		}
	}()
	q.applied = false
	if j.cv.Flags&FlagReceiptRequested != 0 {
		return q.requested(j)
	}
	now := q.svc.now().UTC()
	st := q.st
	st.Row++
	item := itemDraft{id: newUUID(), row: st.Row, moment: now}
	var res *Result
	switch {
	case st.Stopped:
		item.fail(StateOutOfOperation, "Out of operation", "the queue was stopped by an out-of-operation receipt; it accepts only /journal")
	case !st.Started && j.cv.Case != CaseInitialOperation:
		item.fail(StateOutOfOperation, "Out of operation", "the queue has not been started: send the initial-operation receipt (case 0x4001) first")
	case st.Started && j.cv.Case == CaseInitialOperation:
		item.fail(StateError, "Receipt error", "the queue is already started; a second initial-operation receipt is not allowed")
	default:
		if reason := q.checkReferences(j); reason != "" {
			item.fail(StateError, "Receipt error", reason)
			break
		}
		if j.cv.Flags&(FlagLateSigning|FlagHandwritten) == 0 && j.req.ReceiptMoment.Time.Before(st.LastMoment) {
			j.notes = append(j.notes, "cbReceiptMoment is earlier than the previous receipt's without the late-signing or handwritten flag")
		}
		in := &Input{Request: j.req, Case: j.cv, Moment: now, Numerator: st.Numerator + 1, Row: st.Row, Started: st.Started,
			Initiated: j.initiated}
		var err error
		res, err = q.reg.Fiscalize(context.Background(), in)
		if err != nil {
			return jobReply{err: &Error{Code: CodeInternal, Detail: "the market could not process the receipt", Err: err}}
		}
		if res.Error != "" {
			item.fail(StateError, "Receipt error", res.Error)
			break
		}
		q.advance(&st, j, res)
	}
	return q.commit(j, st, item, res)
}

// advance applies a successful receipt to the generic queue state.
func (q *Queue) advance(st *queueState, j *job, res *Result) {
	if res.Receipt {
		st.Numerator++
	}
	switch j.cv.Case {
	case CaseInitialOperation:
		st.Started = true
	case CaseOutOfOperation:
		st.Stopped = true
	case CaseZeroReceipt:
		st.LateSigning = false
	}
	if j.cv.Flags&(FlagLateSigning|FlagHandwritten) != 0 {
		st.LateSigning = true
	}
	st.LastMoment = j.req.ReceiptMoment.Time
}

// itemDraft collects the generic parts of a queue item's response.
type itemDraft struct {
	id      string
	row     uint64
	moment  time.Time
	state   uint32 // StateError / StateOutOfOperation when failed
	caption string
	reason  string
}

func (d *itemDraft) fail(state uint32, caption, reason string) {
	d.state, d.caption, d.reason = state, caption, reason
}

// checkReferences is R4's queue part: a referenced receipt must exist in
// this queue and must not be voided already.
func (q *Queue) checkReferences(j *job) string {
	for _, ref := range j.req.PreviousReceiptReferences {
		v, err := q.svc.db.Get(nsRef, refKey(q.chain, ref))
		if err != nil {
			return fmt.Sprintf("cbPreviousReceiptReference %q: no signed receipt with this reference exists in this CashBox", ref)
		}
		if len(v) == 9 && v[8]&refFlagVoided != 0 && (j.cv.Flags&(FlagVoid|FlagRefund) != 0) {
			return fmt.Sprintf("cbPreviousReceiptReference %q: that receipt was already voided", ref)
		}
	}
	return ""
}

// commit builds the response and the batch, applies it, and adopts the new
// state.
func (q *Queue) commit(j *job, st queueState, item itemDraft, res *Result) jobReply {
	resp := q.response(j, st, item, res)
	body := resp.AppendJSON(make([]byte, 0, 1024))
	var respOff int
	b := q.svc.db.NewBatch()
	q.itemBuf, respOff = q.encodeItem(q.itemBuf, j, st, item, res, body)
	seq, _, err := b.Append(q.chain, KindQueueItem, item.moment, q.itemBuf)
	if err != nil {
		b.Discard()
		return jobReply{err: &Error{Code: CodeStorage, Detail: "queue item not written", Err: err}}
	}
	notes := j.notes
	if res != nil {
		notes = append(notes, res.Notes...)
	}
	for _, n := range notes {
		if _, _, err := b.Append(q.chain, KindAction, item.moment, encodeAction(q.ID, item.id, item.moment, "note", n)); err != nil {
			b.Discard()
			return jobReply{err: &Error{Code: CodeStorage, Detail: "action journal not written", Err: err}}
		}
	}
	var seqb [9]byte
	binary.BigEndian.PutUint64(seqb[:8], seq)
	b.Set(nsItemIndex, itemIndexKey(item.id), append(q.chain[:], seqb[:8]...))
	if res != nil && item.state == 0 && res.Receipt {
		b.Set(nsRef, refKey(q.chain, j.req.ReceiptReference), seqb[:])
		b.Set(nsRequested, requestedKey(q.chain, j.req), seqb[:8])
		if j.cv.Flags&FlagVoid != 0 {
			var voided [9]byte
			for _, ref := range j.req.PreviousReceiptReferences {
				if v, err := q.svc.db.Get(nsRef, refKey(q.chain, ref)); err == nil && len(v) == 9 {
					copy(voided[:], v)
					voided[8] |= refFlagVoided
					b.Set(nsRef, refKey(q.chain, ref), voided[:])
				}
			}
		}
	}
	out := Outcome{Status: 200, Body: body}
	if j.op.key.ID != "" {
		b.Set(nsOperation, opRecordKey(j.op.key), encodeOpRef(j.op.digest, out, q.chain, seq, respOff, len(body)))
	}
	if err := b.Apply(); err != nil {
		b.Discard()
		return jobReply{err: &Error{Code: CodeStorage, Detail: "queue item not written", Err: err}}
	}
	q.applied = true
	j.op.stored = true
	if res != nil {
		q.reg.Commit(res)
	}
	q.st = st
	q.publish()
	q.svc.metrics.receipt(q.Country, j.cv.Case, item.state, res)
	return jobReply{out: out, batch: b}
}

// response builds the ReceiptResponse of a queue item.
func (q *Queue) response(j *job, st queueState, item itemDraft, res *Result) *wire.ReceiptResponse {
	r := &wire.ReceiptResponse{
		QueueID:               q.ID,
		QueueItemID:           item.id,
		QueueRow:              int64(item.row),
		CashBoxID:             q.CashBox.ID,
		CashBoxIdentification: q.reg.Identification(),
		ReceiptReference:      j.req.ReceiptReference,
		TerminalID:            j.req.TerminalID,
		ReceiptMoment:         item.moment,
		Signatures:            []wire.SignatureItem{},
	}
	if item.state != 0 {
		r.State = StateValue(q.Country, 0, item.state)
		r.Signatures = append(r.Signatures, q.errorItem(item.caption, item.reason))
		return r
	}
	r.ReceiptIdentification = res.Identification
	r.Signatures = append(r.Signatures, res.Signatures...)
	r.State = StateValue(q.Country, res.Local, q.globalState(st, res.Global))
	if len(res.StateData) > 0 {
		if v, err := wire.Parse(res.StateData); err == nil {
			r.StateData = v
		}
	}
	return r
}

// errorItem is the generic signature item that explains an error, fail or
// out-of-operation state (§7.7): country | v2 | category failure, text.
func (q *Queue) errorItem(caption, reason string) wire.SignatureItem {
	return wire.SignatureItem{Format: 1, Type: uint64(q.Country)<<48 | 0x2000_0000_3000, Caption: caption, Data: reason}
}

// requested answers a receipt-requested call (§7.3) from the index; it makes
// no queue item.
func (q *Queue) requested(j *job) jobReply {
	var out Outcome
	v, err := q.svc.db.Get(nsRequested, requestedKey(q.chain, j.req))
	if err == nil && len(v) == 8 {
		e, err := q.svc.db.Entry(q.chain, binary.BigEndian.Uint64(v))
		var it storedItem
		if err == nil && json.Unmarshal(e.Body, &it) == nil {
			out = Outcome{Status: 200, Body: []byte(it.Response)}
		}
	}
	if out.Status == 0 {
		// Nothing is persisted as a receipt: no queue item, no row.
		r := &wire.ReceiptResponse{
			QueueID: q.ID, QueueItemID: "00000000-0000-0000-0000-000000000000", CashBoxID: q.CashBox.ID,
			CashBoxIdentification: q.reg.Identification(), ReceiptReference: j.req.ReceiptReference,
			TerminalID: j.req.TerminalID, ReceiptMoment: q.svc.now().UTC(),
			State:      StateValue(q.Country, 0, StateFail),
			Signatures: []wire.SignatureItem{q.errorItem("Receipt not found", "no signed receipt with this cbReceiptReference, cbTerminalID and receipt case exists")},
		}
		out = Outcome{Status: 200, Body: r.AppendJSON(nil)}
	}
	b := q.svc.db.NewBatch()
	b.Set(nsOperation, opRecordKey(j.op.key), encodeOpRecord(j.op.digest, out))
	if err := b.Apply(); err != nil {
		b.Discard()
		return jobReply{err: &Error{Code: CodeStorage, Detail: "operation record not written", Err: err}}
	}
	j.op.stored = true
	return jobReply{out: out, batch: b}
}

// marketState is the register state to store with an item: the result's,
// or the register's current one for items the market did not make.
func (q *Queue) marketState(res *Result) []byte {
	if res != nil && len(res.State) > 0 {
		return res.State
	}
	return q.reg.State()
}

func refKey(chain journal.ChainID, ref string) []byte {
	return append(chain[:], ref...)
}

// requestedKey identifies receipts for the receipt-requested lookup: the
// reference, the terminal and the case without the requested flag.
func requestedKey(chain journal.ChainID, r *wire.ReceiptRequest) []byte {
	h := sha256.New()
	h.Write([]byte(r.ReceiptReference))
	h.Write([]byte{0})
	if r.TerminalID != nil {
		h.Write([]byte(*r.TerminalID))
	}
	h.Write([]byte{0})
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], r.ReceiptCase&^(uint64(FlagReceiptRequested)<<16)&^(0xF<<44))
	h.Write(c[:])
	return h.Sum(chain[:])
}
