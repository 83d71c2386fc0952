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

// print renders and prints a receipt and journals the job before it is
// sent and with its result. A job the printer did not confirm stays
// pending and is followed up; it is never sent again.
func (s *Service) print(ctx context.Context, cb *fiscal.CashBox, p *Printer, r *fiscal.StoredReceipt) (*printInfo, error) {
	doc, err := receipt.Build(r.Request, r.Response)
	if err != nil {
		return nil, fmt.Errorf("issue: render %s: %w", r.QueueItemID, err)
	}
	data := s.encode(receipt.Lines(doc, p.Columns))
	j := &job{JobID: jobID(), Printer: p.Name, QueueID: r.QueueID, QueueItemID: r.QueueItemID, Started: s.now().UTC(), State: "sending", Bytes: len(data)}
	if err := s.record(cb.ID, j, typePrintStarted, fmt.Sprintf("print job %s of receipt %s sent to %s", j.JobID, j.QueueItemID, p.Name), true); err != nil {
		return nil, &fiscal.Error{Code: fiscal.CodeStorage, Detail: "the print job could not be journaled; nothing was printed", Err: err}
	}
	if s.kept != nil {
		s.kept(r.QueueItemID, data)
	}
	res, err := p.Device.Print(ctx, device.PrintJob{ID: j.JobID, Data: data})
	if err != nil && res.State == 0 {
		res = device.PrintResult{State: device.PrintPending, Detail: err.Error()}
	}
	if err := s.settle(cb.ID, j, res); err != nil {
		return nil, err
	}
	return &printInfo{State: res.State.String(), JobID: j.JobID, Detail: res.Detail}, nil
}

// settle journals a job's (new) state; a printed job delivers its
// receipt, a pending one stays on record for followPending.
func (s *Service) settle(cashboxID string, j *job, res device.PrintResult) error {
	j.State, j.Detail = res.State.String(), res.Detail
	s.metrics.jobs.WithLabelValues(j.Printer, j.State).Inc()
	msg := fmt.Sprintf("print job %s of receipt %s: %s", j.JobID, j.QueueItemID, j.State)
	if res.Detail != "" {
		msg += " (" + res.Detail + ")"
	}
	if err := s.record(cashboxID, j, typePrintResult, msg, res.State == device.PrintPending); err != nil {
		return &fiscal.Error{Code: fiscal.CodeStorage, Detail: "the print result could not be journaled", Err: err}
	}
	if res.State == device.PrintPrinted {
		return s.deliver(j.QueueItemID, MethodPrint)
	}
	return nil
}

// record journals a job step on the issue chain, keeping the job's record
// while it is open and dropping it once it is settled.
func (s *Service) record(cashboxID string, j *job, typ, msg string, open bool) error {
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
	key := recordKey(cashboxID, j.JobID)
	s.chainMu.Lock()
	b := s.db.NewBatch()
	if _, _, err := b.Append(fiscal.IssueChain(cashboxID), fiscal.KindIssue, s.now().UTC(), body); err != nil {
		s.chainMu.Unlock()
		b.Discard()
		return err
	}
	if open {
		b.Set(nsJob, key, rec)
	} else {
		b.Delete(nsJob, key)
	}
	err := b.Apply()
	s.chainMu.Unlock()
	if err != nil {
		b.Discard()
		return err
	}
	return b.Wait()
}

// followPending asks the printers about pending jobs until each is
// printed or cleared; a job is never resent.
func (s *Service) followPending() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.checkPending()
	}
}

func (s *Service) checkPending() {
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
		if p == nil || p.Name != o.j.Printer {
			continue
		}
		if a, ok := p.Device.(device.JobAdopter); ok {
			a.Adopt(o.j.JobID) // a job of an earlier run: the driver follows it too
		}
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		res, err := p.Device.Check(ctx, o.j.JobID)
		cancel()
		if err != nil || res.State == device.PrintPending {
			continue
		}
		if err := s.settle(o.cashbox, &o.j, res); err != nil {
			s.log.Error("print job result not journaled", "job", o.j.JobID, "err", err)
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

// recordKey is cashbox UUID (16 bytes) ‖ suffix.
func recordKey(cashboxID, suffix string) []byte {
	id, _ := journal.ParseChainID(cashboxID)
	return append(id[:], suffix...)
}
