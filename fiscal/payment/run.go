package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// verdict is how a payment ended.
type verdict struct {
	// code is "" for approved, else the problem the POS gets.
	code   fiscal.Code
	detail string
	// result is the terminal's result of an approval.
	result device.PayResult
	// label is the outcome for metrics and the journal.
	label string
}

// run drives one payment on its terminal, bounded by the payment limit,
// not by any request.
func (s *Service) run(p *payment) {
	ctx, cancel := context.WithTimeout(s.ctx, s.limit)
	defer cancel()
	var res device.PayResult
	release, err := p.term.acquire(ctx)
	if err == nil {
		// Released after the outcome is settled or marked unknown: no
		// other transaction may run in between (the terminal's last
		// transaction settles an unknown one).
		defer release()
		if s.owes(p.term) {
			err = errSettling
		} else {
			res, err = s.transact(ctx, p)
		}
	}
	switch {
	case err != nil && isUnknown(err):
		s.unknown(p, err)
	case err != nil && s.ctx.Err() != nil && !expired(ctx):
		// fiscald stops: the terminal was asked to abort, and what it
		// did is settled by asking it at the next start, as after a
		// crash.
		s.log.Warn("payment interrupted by shutdown; it is settled at the next start", "cashbox_id", p.cashbox, "operation_id", p.key.ID, "err", err)
	default:
		s.finish(p, s.judge(ctx, p, res, err))
	}
}

// errSettling refuses a payment on a terminal that owes the outcome of
// an earlier one: its last transaction must stay the one that settles
// it.
var errSettling = errors.New("the terminal still has to settle an earlier payment whose outcome is unknown")

// acquire takes the terminal's transaction slot (none for a concurrent
// provider).
func (t *Terminal) acquire(ctx context.Context) (release func(), err error) {
	if t.busy == nil {
		return func() {}, nil
	}
	select {
	case t.busy <- struct{}{}:
		return func() { <-t.busy }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for terminal %s: %w", t.Name, ctx.Err())
	}
}

// owes reports whether the terminal has payments of unknown outcome.
func (s *Service) owes(t *Terminal) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return t.owed > 0
}

// transact runs the terminal call.
func (s *Service) transact(ctx context.Context, p *payment) (device.PayResult, error) {
	t := p.term
	hooks := device.PayHooks{Persist: func(r device.PayResult) error { return s.persist(p, r) }}
	start := time.Now()
	defer func() { s.metrics.observe(t, time.Since(start)) }()
	switch p.f.Action {
	case wire.ActionCancel:
		return t.Device.Reverse(ctx, p.original.ReceiptNo, hooks)
	case wire.ActionRefund:
		return t.Device.Refund(ctx, -p.f.Amount, hooks)
	}
	return t.Device.Pay(ctx, device.PayRequest{Amount: p.f.Amount, PayHooks: hooks})
}

// persist journals the terminal's result before the terminal is told it
// arrived. Drivers call it inside the terminal call, so p.f is replaced
// before transact returns and the code after it reads the new one.
func (s *Service) persist(p *payment, r device.PayResult) error {
	s.mu.Lock()
	f := *p.f
	s.mu.Unlock()
	f.Result = &r
	w := s.newWrite(&payment{key: p.key, digest: p.digest, cashbox: p.cashbox, f: &f})
	w.append(typeResult, fmt.Sprintf("terminal %s reported %s (%s), amount %s", f.Terminal, r.Outcome, r.Text, wire.NewDecimal(r.Amount, 2)), resultData(&f, r))
	w.setFlight(w.p)
	if _, err := w.commit(); err != nil {
		return fmt.Errorf("%w: %w", errPersist, err)
	}
	s.mu.Lock()
	p.f = &f
	s.mu.Unlock()
	return nil
}

// judge turns the terminal's answer into a verdict (§8.4).
func (s *Service) judge(ctx context.Context, p *payment, res device.PayResult, err error) verdict {
	limitPassed := expired(ctx)
	timeout := verdict{code: fiscal.CodePaymentTimeout, label: "timeout", detail: fmt.Sprintf(
		"the terminal did not finish within the payment limit of %s; the transaction was cancelled and nothing was charged", s.limit)}
	if err != nil {
		switch {
		case errors.Is(err, errSettling):
			return verdict{code: fiscal.CodePaymentDeclined, label: "unreachable", detail: fmt.Sprintf(
				"terminal %s is settling an earlier payment whose outcome is unknown; nothing was charged: try again in a moment or on another terminal", p.f.Terminal)}
		case limitPassed:
			return timeout
		case errors.Is(err, device.ErrUnavailable):
			return verdict{code: fiscal.CodePaymentDeclined, label: "unreachable", detail: fmt.Sprintf(
				"terminal unreachable: %v; nothing was charged", err)}
		}
		return verdict{code: fiscal.CodePaymentDeclined, label: "failed", detail: fmt.Sprintf("the terminal refused the transaction: %v; nothing was charged", err)}
	}
	switch res.Outcome {
	case device.PayApproved:
		return verdict{label: "approved", result: res}
	case device.PayCancelled:
		if limitPassed {
			return timeout
		}
		return verdict{code: fiscal.CodePaymentCancelled, label: "cancelled", detail: "cancelled on the terminal: " + res.Text}
	case device.PayTimeout:
		return verdict{code: fiscal.CodePaymentTimeout, label: "timeout", detail: "the terminal did not finish in time: " + res.Text + "; nothing was charged"}
	}
	return verdict{code: fiscal.CodePaymentDeclined, label: "declined", detail: "declined: " + res.Text}
}

// unknown records that the terminal was lost while money may have moved
// and hands the payment to the resolver.
func (s *Service) unknown(p *payment, cause error) {
	s.log.Warn("payment outcome unknown; asking the terminal until it answers", "cashbox_id", p.cashbox, "operation_id", p.key.ID, "terminal", p.f.Terminal, "err", cause)
	s.metrics.count(p, "unknown")
	w := s.newWrite(p)
	w.append(typeUnknown, fmt.Sprintf("connection to terminal %s lost during the %s: %v", p.f.Terminal, p.f.Action, cause), map[string]string{"paymentId": p.f.PaymentID, "error": cause.Error()})
	if _, err := w.commit(); err != nil {
		s.log.Error("payment step not journaled", "operation_id", p.key.ID, "err", err)
	}
	s.mu.Lock()
	s.markUnknown(p)
	s.mu.Unlock()
	s.resolve(p)
}

// markUnknown moves a payment to stateUnknown; its terminal then owes the
// outcome and takes no other transaction until it is settled. Called
// with s.mu held.
func (s *Service) markUnknown(p *payment) {
	if p.state == stateUnknown {
		return
	}
	if p.term != nil {
		p.term.owed++
	}
	p.setState(stateUnknown)
}

// finish journals the outcome with its operation record and answers the
// waiters.
func (s *Service) finish(p *payment, v verdict) {
	s.mu.Lock()
	f := p.f
	s.mu.Unlock()
	out, items := s.outcome(p, f, v)
	w := s.newWrite(p)
	w.append(typeCompleted, completedMessage(f, v), map[string]any{"paymentId": f.PaymentID, "outcome": v.label, "status": out.Status, "detail": v.detail, "ftPayItemIds": itemIDs(items)})
	for _, it := range items {
		w.setItem(it.id, &it.item)
	}
	if v.code == "" && p.original != nil {
		orig := *p.original
		if f.Action == wire.ActionCancel {
			orig.Cancelled = true
		} else {
			orig.Refunded += -f.Amount
		}
		w.setItem(f.Original, &orig)
	}
	w.dels = append(w.dels, fiscal.RecordKey(p.cashbox, f.OperationID))
	w.out = &out
	if _, err := w.commit(); err != nil {
		s.log.Error("payment outcome not journaled; it stays unknown until it is", "operation_id", p.key.ID, "err", err)
		s.mu.Lock()
		s.markUnknown(p)
		s.mu.Unlock()
		s.resolve(p)
		return
	}
	s.fis.Stored(p.key)
	s.metrics.count(p, v.label)
	s.mu.Lock()
	delete(s.running, p.key)
	s.release(p)
	if p.state == stateUnknown && p.term != nil {
		p.term.owed--
	}
	p.out = out
	p.setState(stateFinal)
	s.mu.Unlock()
}

func completedMessage(f *flight, v verdict) string {
	if v.code == "" {
		return fmt.Sprintf("%s of %s on terminal %s approved", f.Action, wire.NewDecimal(v.result.Amount, 2), f.Terminal)
	}
	return fmt.Sprintf("%s on terminal %s ended %s: %s", f.Action, f.Terminal, v.label, v.detail)
}

// expired reports whether ctx's deadline has passed, also in the instant
// before its own timer fired while a context derived from it for the same
// deadline (the driver's) has ended already.
func expired(ctx context.Context) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}
