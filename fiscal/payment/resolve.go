package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/journal"
)

// Resolver timing: how long one enquiry may take, and the backoff
// between enquiries while the terminal does not answer.
const (
	enquiryTimeout = 30 * time.Second
	minBackoff     = 500 * time.Millisecond
	maxBackoff     = 10 * time.Second
)

// restore rebuilds a payment a previous run left without an outcome; its
// terminal owes the outcome from the start.
func (s *Service) restore(cashboxID string, f *flight) (*payment, error) {
	var term *Terminal
	for _, t := range s.terms[cashboxID] {
		if t.Name == f.Terminal {
			term = t
		}
	}
	p := newPayment(opKeyOf(f, cashboxID), digestOf(f.Digest), f, term, stateUnknown)
	if term != nil {
		term.owed++
	}
	if f.Original != "" {
		it, err := s.item(cashboxID, f.Original)
		if err != nil || it == nil {
			return nil, fmt.Errorf("payment: operation %s undoes pay item %s, whose record is unreadable: %v", f.OperationID, f.Original, err)
		}
		p.original = it
		s.undoing[f.Original] = p.final
	}
	return p, nil
}

// resolve settles a payment whose outcome is unknown by asking its
// terminal for its last transaction, until the terminal answers.
func (s *Service) resolve(p *payment) {
	s.wg.Go(func() {
		backoff := minBackoff
		for {
			v, ok := s.enquire(p)
			if ok {
				s.finish(p, v)
				return
			}
			select {
			case <-s.ctx.Done():
				return
			case <-p.kick:
			case <-time.After(backoff):
				backoff = min(2*backoff, maxBackoff)
			}
		}
	})
}

// enquire asks the terminal once. Its last booked transaction decides:
// the payment's journaled result is final only if the terminal booked
// that very transaction; without a journaled result the terminal never
// got fiscald's acknowledgement, so it booked nothing (devices.md §1.10).
func (s *Service) enquire(p *payment) (verdict, bool) {
	s.mu.Lock()
	f := p.f
	s.mu.Unlock()
	if p.term == nil {
		s.log.Error("payment with unknown outcome on a terminal that is no longer configured", "operation_id", p.key.ID, "terminal", f.Terminal)
		return verdict{}, false
	}
	ctx, cancel := context.WithTimeout(s.ctx, enquiryTimeout)
	defer cancel()
	release, err := p.term.acquire(ctx) // no transaction runs while the terminal is asked
	if err != nil {
		return verdict{}, false
	}
	last, err := p.term.Device.LastTransaction(ctx)
	release()
	none := errors.Is(err, device.ErrNoTransaction)
	if err != nil && !none {
		s.log.Info("terminal not answering the status enquiry yet", "operation_id", p.key.ID, "terminal", f.Terminal, "err", err)
		return verdict{}, false
	}
	r := f.Result
	switch {
	case r == nil:
		return notBooked(f, "the terminal never received fiscald's acknowledgement of a result"), true
	case r.Outcome != device.PayApproved:
		return s.judge(context.Background(), p, *r, nil), true
	case !none && sameTransaction(last, *r):
		if len(r.Receipt) == 0 {
			r.Receipt = last.Receipt
		}
		return verdict{label: "approved", result: *r}, true
	}
	return notBooked(f, "the terminal's last booked transaction is another one, so it reversed this one"), true
}

// notBooked is the verdict on a transaction the terminal did not book.
func notBooked(f *flight, why string) verdict {
	what := "nothing was charged"
	switch f.Action {
	case "cancel":
		what = "the payment was not cancelled and stands"
	case "refund":
		what = "nothing was refunded"
	}
	return verdict{code: fiscal.CodePaymentDeclined, label: "not_booked", detail: fmt.Sprintf(
		"the connection to terminal %s was lost during the %s and the terminal did not book it (%s): %s", f.Terminal, f.Action, why, what)}
}

// sameTransaction compares a terminal's last transaction with a
// journaled result by the numbers the terminal gives each transaction.
func sameTransaction(a, b device.PayResult) bool {
	if a.ReceiptNo == "" && a.Trace == "" {
		return false
	}
	return a.ReceiptNo == b.ReceiptNo && a.Trace == b.Trace && a.TerminalID == b.TerminalID
}

// item reads the record of a pay item; nil when there is none.
func (s *Service) item(cashboxID, id string) (*item, error) {
	v, err := s.db.Get(nsItem, fiscal.RecordKey(cashboxID, id))
	if errors.Is(err, journal.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, &fiscal.Error{Code: fiscal.CodeStorage, Detail: "payment records cannot be read", Err: err}
	}
	var it item
	if err := json.Unmarshal(v, &it); err != nil {
		return nil, &fiscal.Error{Code: fiscal.CodeInternal, Detail: "payment record unreadable", Err: err}
	}
	return &it, nil
}
