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
	res, err := s.transact(ctx, p)
	switch {
	case s.ctx.Err() != nil && !expired(ctx):
		// fiscald stops and the journal closes behind it: the terminal
		// was asked to abort, and what it did is settled by asking it at
		// the next start, as after a crash.
		s.log.Warn("payment interrupted by shutdown; it is settled at the next start", "cashbox_id", p.cashbox, "operation_id", p.key.ID, "outcome", res.Outcome, "err", err)
	case err != nil && isUnknown(err):
		s.unknown(p, err)
	default:
		s.finish(p, s.judge(ctx, p, res, err))
	}
}

// transact runs the terminal call in the terminal's slot.
func (s *Service) transact(ctx context.Context, p *payment) (device.PayResult, error) {
	t := p.term
	if t.busy != nil {
		select {
		case t.busy <- struct{}{}:
			defer func() { <-t.busy }()
		case <-ctx.Done():
			return device.PayResult{}, fmt.Errorf("waiting for terminal %s: %w", t.Name, ctx.Err())
		}
	}
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
// arrived.
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
	p.setState(stateUnknown)
	s.mu.Unlock()
	s.resolve(p)
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
	w.dels = append(w.dels, recordKey(p.cashbox, f.OperationID))
	w.out = &out
	if _, err := w.commit(); err != nil {
		s.log.Error("payment outcome not journaled; it stays unknown until it is", "operation_id", p.key.ID, "err", err)
		s.mu.Lock()
		p.setState(stateUnknown)
		s.mu.Unlock()
		s.resolve(p)
		return
	}
	s.fis.Stored(p.key)
	s.metrics.count(p, v.label)
	s.mu.Lock()
	delete(s.running, p.key)
	s.release(p)
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
