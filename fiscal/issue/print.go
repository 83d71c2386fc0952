package issue

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/internal/receipt"
	"github.com/fiscald/fiscald/journal"
)

// nsJob: cashbox (16) ‖ job id -> job JSON, while a job is pending.
const nsJob journal.Namespace = 'J'

// Entry types on the issue chain (the action journal's "Type").
const (
	typePrintStarted = "print-started"
	typePrintResult  = "print-result"
)

// job is a print job's record: what following it up needs.
type job struct {
	JobID       string    `json:"jobId"`
	Printer     string    `json:"printer"`
	QueueID     string    `json:"ftQueueID"`
	QueueItemID string    `json:"ftQueueItemID"`
	Started     time.Time `json:"started"`
	State       string    `json:"state"`
	Detail      string    `json:"detail,omitempty"`
	Bytes       int       `json:"bytes"`
}

// PrintLimit bounds a print request: the printer's status, the job and
// its confirmation. A job not confirmed by then is pending.
const PrintLimit = 60 * time.Second

// print renders and prints a receipt. The job is journaled before it is
// sent, together with the operation's answer as "pending", so that a
// retry after a crash replays the job instead of printing it again; its
// result replaces that answer in the batch that journals it. A job the
// printer did not confirm stays pending and is followed up; it is never
// sent again.
func (s *Service) print(ctx context.Context, c Call, p *Printer, r *fiscal.StoredReceipt, resp issueResponse) (fiscal.Outcome, error) {
	doc, err := receipt.Build(r.Request, r.Response)
	if err != nil {
		return fiscal.Outcome{}, fmt.Errorf("issue: render %s: %w", r.QueueItemID, err)
	}
	data := s.encode(receipt.Lines(doc, p.Columns))
	j := &job{JobID: s.newJobID(c.CashBox.ID), Printer: p.Name, QueueID: r.QueueID, QueueItemID: r.QueueItemID, Started: s.now().UTC(), State: "sending", Bytes: len(data)}
	s.setInFlight(j.JobID, true)
	defer s.setInFlight(j.JobID, false)
	resp.Print = &printInfo{State: device.PrintPending.String(), JobID: j.JobID, Detail: "sent, not confirmed"}
	if err := s.record(c.CashBox.ID, j, typePrintStarted, fmt.Sprintf("print job %s of receipt %s sent to %s", j.JobID, j.QueueItemID, p.Name), c.Op, resp); err != nil {
		return fiscal.Outcome{}, &fiscal.Error{Code: fiscal.CodeStorage, Detail: "the print job could not be journaled; nothing was printed", Err: err}
	}
	if s.kept != nil {
		s.kept(r.QueueItemID, data)
	}
	// The job runs to its end even if the client leaves: its retry
	// waits for it (the operation is in flight) and gets its result.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), PrintLimit)
	defer cancel()
	res, err := p.Device.Print(pctx, device.PrintJob{ID: j.JobID, Data: data})
	switch {
	case res.State == 0:
		res = device.PrintResult{State: device.PrintPending, Detail: detailOf(err)}
	case res.Detail == "" && err != nil:
		res.Detail = err.Error()
	}
	resp.Print = &printInfo{State: res.State.String(), JobID: j.JobID, Detail: res.Detail}
	out, err := s.settle(c.CashBox.ID, j, res, c.Op, resp)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	return out, nil
}

// detailOf says why a job without a result is pending.
func detailOf(err error) string {
	if err == nil {
		return "not confirmed"
	}
	return err.Error()
}

// settle journals a job's (new) state, with the request's answer when a
// request waits for it (op non-nil); a printed job delivers its receipt
// in the same batch, a pending one stays on record for followPending.
func (s *Service) settle(cashboxID string, j *job, res device.PrintResult, op *fiscal.Operation, resp issueResponse) (fiscal.Outcome, error) {
	j.State, j.Detail = res.State.String(), res.Detail
	msg := fmt.Sprintf("print job %s of receipt %s: %s", j.JobID, j.QueueItemID, j.State)
	if res.Detail != "" {
		msg += " (" + res.Detail + ")"
	}
	out, err := s.recordResult(cashboxID, j, msg, op, resp, res.State == device.PrintPrinted)
	if err != nil {
		return out, &fiscal.Error{Code: fiscal.CodeStorage, Detail: "the print result could not be journaled", Err: err}
	}
	s.metrics.jobs.WithLabelValues(j.Printer, j.State).Inc()
	return out, nil
}

// record journals the start of a job: its entry, its record, and the
// request's answer as it stands.
func (s *Service) record(cashboxID string, j *job, typ, msg string, op *fiscal.Operation, resp issueResponse) error {
	_, err := s.write(cashboxID, j, typ, msg, true, op, resp, false)
	return err
}

// recordResult journals a job's result; a result that is not pending
// closes the job's record.
func (s *Service) recordResult(cashboxID string, j *job, msg string, op *fiscal.Operation, resp issueResponse, printed bool) (fiscal.Outcome, error) {
	return s.write(cashboxID, j, typePrintResult, msg, j.State == device.PrintPending.String(), op, resp, printed)
}

// write is one synced batch on the issue chain: the job's entry, its
// record kept (open) or dropped, the operation's answer (op non-nil) and
// the receipt's delivery (delivered).
func (s *Service) write(cashboxID string, j *job, typ, msg string, open bool, op *fiscal.Operation, resp issueResponse, delivered bool) (fiscal.Outcome, error) {
	body, _ := json.Marshal(struct {
		V       int    `json:"v"`
		ID      string `json:"ftActionJournalID"`
		QueueID string `json:"ftQueueID"`
		ItemID  string `json:"ftQueueItemID"`
		Moment  string `json:"Moment"`
		Type    string `json:"Type"`
		Message string `json:"Message"`
		Data    *job   `json:"Data"`
	}{1, fiscal.NewUUID(), j.QueueID, j.QueueItemID, s.now().UTC().Format("2006-01-02T15:04:05.000Z"), typ, msg, j})
	rec, _ := json.Marshal(j)
	key := fiscal.RecordKey(cashboxID, j.JobID)
	var out fiscal.Outcome
	s.chainMu.Lock()
	b := s.db.NewBatch()
	if _, _, err := b.Append(fiscal.IssueChain(cashboxID), fiscal.KindIssue, s.now().UTC(), body); err != nil {
		s.chainMu.Unlock()
		b.Discard()
		return out, err
	}
	if open {
		b.Set(nsJob, key, rec)
	} else {
		b.Delete(nsJob, key)
	}
	if op != nil {
		answer, _ := json.Marshal(&resp)
		out = fiscal.Outcome{Status: 200, Body: answer}
		s.fis.StoreOutcome(b, op.Key(), op.Digest(), out)
	}
	if delivered {
		s.setDelivery(b, j.QueueItemID, MethodPrint)
	}
	err := b.Apply()
	s.chainMu.Unlock()
	if err != nil {
		b.Discard()
		return out, err
	}
	if err := b.Wait(); err != nil {
		return out, err
	}
	if op != nil {
		s.fis.Stored(op.Key())
		op.MarkStored()
	}
	return out, nil
}

func (s *Service) setInFlight(id string, on bool) {
	s.chainMu.Lock()
	defer s.chainMu.Unlock()
	if on {
		s.inFlight[id] = true
	} else {
		delete(s.inFlight, id)
	}
}

// followPending asks the printers about pending jobs until each is
// printed or cleared; a job is never resent.
func (s *Service) followPending() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	backoff := map[string]*retry{}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.checkPending(backoff)
	}
}

// retry paces the questions about one pending job: each unanswered one
// doubles the wait (up to maxCheckWait), because a question holds the
// printer for as long as a job's confirmation may take, and new jobs
// wait behind it.
type retry struct {
	next time.Time
	wait time.Duration
}

const maxCheckWait = 2 * time.Minute

func (s *Service) checkPending(backoff map[string]*retry) {
	type pending struct {
		cashbox string
		j       job
	}
	var open []pending
	s.db.ScanRecords(nsJob, nil, func(k, v []byte) error {
		var j job
		if len(k) > 16 && json.Unmarshal(v, &j) == nil {
			var id journal.ChainID
			copy(id[:], k[:16])
			open = append(open, pending{id.String(), j})
		}
		return nil
	})
	for _, o := range open {
		p := s.printers[o.cashbox]
		s.chainMu.Lock()
		busy := s.inFlight[o.j.JobID]
		s.chainMu.Unlock()
		if p == nil || p.Name != o.j.Printer || busy {
			continue // a request is printing it, or its printer is gone
		}
		r := backoff[o.j.JobID]
		if r == nil {
			r = &retry{wait: s.interval}
			backoff[o.j.JobID] = r
		}
		if time.Now().Before(r.next) {
			continue
		}
		if a, ok := p.Device.(device.JobAdopter); ok {
			a.Adopt(o.j.JobID) // a job of an earlier run: the driver follows it too
		}
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		res, err := p.Device.Check(ctx, o.j.JobID)
		cancel()
		if err != nil || res.State == device.PrintPending {
			r.wait = min(2*r.wait, maxCheckWait)
			r.next = time.Now().Add(r.wait)
			continue
		}
		delete(backoff, o.j.JobID)
		if _, err := s.settle(o.cashbox, &o.j, res, nil, issueResponse{}); err != nil {
			s.log.Error("print job result not journaled", "job", o.j.JobID, "err", err)
		}
	}
}

// newJobID returns a job id no pending job of the CashBox has.
func (s *Service) newJobID(cashboxID string) string {
	for {
		id := jobID()
		if _, err := s.db.Get(nsJob, fiscal.RecordKey(cashboxID, id)); err != nil {
			return id
		}
	}
}

// jobID returns 4 random characters of [0-9A-Za-z], the id the printer
// echoes when it has printed a job.
func jobID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [4]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
