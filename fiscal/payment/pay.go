package payment

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// Call is one /v2/pay request that passed the idempotency check.
type Call struct {
	Op          *fiscal.Operation
	CashBox     *fiscal.CashBox
	Request     *wire.PayRequest
	Correlation string
}

// state is where a payment stands.
type state uint8

const (
	stateRunning state = iota // the terminal is at work
	stateUnknown              // money may have moved; the terminal must settle it
	stateFinal                // the outcome is journaled and stored
)

// payment is one /v2/pay operation without a final outcome yet. Fields
// below f are guarded by Service.mu.
type payment struct {
	key     fiscal.OpKey
	digest  [32]byte
	cashbox string
	f       *flight
	term    *Terminal // nil when the terminal is no longer configured
	// original is the item a refund or cancel undoes.
	original *item

	state   state
	out     fiscal.Outcome
	err     error         // set with stateFinal when the payment never started
	changed chan struct{} // closed and replaced at every state change
	final   chan struct{} // closed at stateFinal
	kick    chan struct{} // asks the resolver to try now
}

func newPayment(key fiscal.OpKey, digest [32]byte, f *flight, term *Terminal, st state) *payment {
	return &payment{key: key, digest: digest, cashbox: key.CashBox, f: f, term: term, state: st,
		changed: make(chan struct{}), final: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// Pay runs the payment of c.Op, or joins it when it runs already, and
// returns its outcome once it has one; joined reports an outcome an
// earlier request began (a retry's answer). Stored outcomes (a result of the
// terminal, a timeout, a refused request) come back as an Outcome; a
// refused request is a *fiscal.Error the caller stores; an unknown
// outcome is a *fiscal.Error with CodePaymentUnknown (not stored); when
// ctx ends first, ctx's error: the payment goes on, and a retry with the
// same operation id waits for it.
func (s *Service) Pay(ctx context.Context, c Call) (out fiscal.Outcome, joined bool, err error) {
	r := c.Request
	if r.Action == wire.ActionPreAuthorization {
		return fiscal.Outcome{}, false, &fiscal.Error{Code: fiscal.CodeNotImplemented, Detail: "Action pre_authorization is not supported"}
	}
	amount, err := r.PayItem.Amount.Cents()
	if err != nil {
		return fiscal.Outcome{}, false, fieldError("cbPayItem.Amount", wire.CodeRange, "is too large")
	}
	key := c.Op.Key()
	digest := c.Op.Digest()
	for {
		s.mu.Lock()
		if p := s.running[key]; p != nil {
			s.mu.Unlock()
			if p.digest != digest {
				return fiscal.Outcome{}, false, fiscal.ErrConflict
			}
			out, err := s.await(ctx, c.Op, p)
			return out, true, err
		}
		if out, ok, err := s.fis.StoredOutcome(key, digest); err != nil || ok {
			s.mu.Unlock()
			if ok {
				c.Op.MarkStored()
			}
			return out, ok, err
		}
		orig := ""
		if r.Action != wire.ActionPayment {
			orig = r.PayItem.ID
		}
		if ch := s.undoing[orig]; orig != "" && ch != nil {
			s.mu.Unlock()
			select { // another refund or cancel of the item runs: wait for it
			case <-ch:
				continue
			case <-ctx.Done():
				return fiscal.Outcome{}, false, ctx.Err()
			}
		}
		if s.ctx.Err() != nil {
			s.mu.Unlock()
			return fiscal.Outcome{}, false, &fiscal.Error{Code: fiscal.CodeStorage, Detail: "fiscald is shutting down; nothing was charged: retry with the same operation id", Err: fiscal.ErrClosed}
		}
		p, err := s.prepare(c, amount)
		if err != nil {
			s.mu.Unlock()
			return fiscal.Outcome{}, false, err
		}
		s.running[key] = p
		if orig != "" {
			s.undoing[orig] = p.final
		}
		s.mu.Unlock()
		out, err := s.begin(ctx, c.Op, p)
		return out, false, err
	}
}

// prepare validates the request against the CashBox's terminals and
// payments and builds the payment. Called with s.mu held.
func (s *Service) prepare(c Call, amount int64) (*payment, error) {
	r, cb := c.Request, c.CashBox
	if len(cb.Queues) == 0 || len(s.terms[cb.ID]) == 0 {
		return nil, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: "no payment terminal is configured for this CashBox"}
	}
	q := cb.Queues[0]
	digest := c.Op.Digest()
	f := &flight{PaymentID: fiscal.NewUUID(), OperationID: c.Op.Key().ID, Digest: hex.EncodeToString(digest[:]),
		Action: r.Action, Protocol: r.Protocol, Amount: amount, Description: r.PayItem.Description,
		QueueID: q.ID, Country: q.Country.String(), Correlation: c.Correlation, Started: s.now().UTC()}
	var orig *item
	var term *Terminal
	var err error
	if r.Action == wire.ActionPayment {
		if amount <= 0 {
			return nil, fieldError("cbPayItem.Amount", wire.CodeRange, "a payment must be greater than 0")
		}
		term, err = s.route(cb, r.Protocol, r.TerminalID)
	} else {
		orig, err = s.checkUndo(cb, r, amount)
		if err == nil {
			term, err = s.routeUndo(cb, r, orig)
		}
		f.Original = r.PayItem.ID
	}
	if err != nil {
		return nil, err
	}
	f.Terminal = term.Name
	p := newPayment(c.Op.Key(), c.Op.Digest(), f, term, stateRunning)
	p.original = orig
	return p, nil
}

// checkUndo finds the item a refund or cancel refers to and checks the
// amount against what is left of it.
func (s *Service) checkUndo(cb *fiscal.CashBox, r *wire.PayRequest, amount int64) (*item, error) {
	if r.PayItem.ID == "" {
		return nil, fieldError("cbPayItem.ftPayItemId", wire.CodeRequired, "a %s needs the pay item the payment returned, with its ftPayItemId", r.Action)
	}
	if amount >= 0 {
		return nil, fieldError("cbPayItem.Amount", wire.CodeRange, "a %s has a negative Amount", r.Action)
	}
	it, err := s.item(cb.ID, r.PayItem.ID)
	switch {
	case err != nil:
		return nil, err
	case it == nil || it.Action != wire.ActionPayment:
		return nil, fieldError("cbPayItem.ftPayItemId", "not-found", "no card payment with this ftPayItemId exists in this CashBox")
	case it.Tip:
		return nil, fieldError("cbPayItem.ftPayItemId", "tip", "this is the tip item of a payment; pass the payment's own item")
	case it.Cancelled:
		return nil, fieldError("cbPayItem.ftPayItemId", "cancelled", "this payment was cancelled already")
	case r.Action == wire.ActionCancel && it.Refunded > 0:
		return nil, fieldError("cbPayItem.ftPayItemId", "refunded", "this payment was partly refunded; refund the rest instead of cancelling it")
	case r.Action == wire.ActionCancel && -amount != it.Charged:
		return nil, fieldError("cbPayItem.Amount", wire.CodeRange, "a cancel reverses the whole payment: Amount must be %s", wire.NewDecimal(-it.Charged, 2))
	case r.Action == wire.ActionRefund && -amount > it.Charged-it.Refunded:
		return nil, fieldError("cbPayItem.Amount", wire.CodeRange, "at most %s of this payment is left to refund", wire.NewDecimal(it.Charged-it.Refunded, 2))
	}
	return it, nil
}

// begin journals the start of a payment, starts it and waits for it.
func (s *Service) begin(ctx context.Context, op *fiscal.Operation, p *payment) (fiscal.Outcome, error) {
	msg := fmt.Sprintf("%s of %s on terminal %s started", p.f.Action, wire.NewDecimal(p.f.Amount, 2), p.f.Terminal)
	w := s.newWrite(p)
	w.append(typeStarted, msg, p.f)
	w.setFlight(p)
	// An operation record without an outcome (status 0) claims the id
	// while the payment runs, also after its first request left and
	// across restarts: the same id with another body or on another
	// endpoint is a conflict.
	w.out = &fiscal.Outcome{}
	if _, err := w.commit(); err != nil {
		err = &fiscal.Error{Code: fiscal.CodeStorage, Detail: "the payment could not be journaled; nothing was charged", Err: err}
		s.mu.Lock()
		delete(s.running, p.key)
		s.release(p)
		p.err = err
		p.setState(stateFinal)
		s.mu.Unlock()
		return fiscal.Outcome{}, err
	}
	s.fis.Stored(p.key)
	s.wg.Go(func() { s.run(p) })
	return s.await(ctx, op, p)
}

// await waits for a payment's outcome. While the outcome is unknown it
// asks the resolver to try at once and waits at most ResolveWait.
func (s *Service) await(ctx context.Context, op *fiscal.Operation, p *payment) (fiscal.Outcome, error) {
	var deadline <-chan time.Time
	for {
		s.mu.Lock()
		st, out, perr, changed := p.state, p.out, p.err, p.changed
		s.mu.Unlock()
		switch {
		case st == stateFinal && perr != nil:
			return fiscal.Outcome{}, perr
		case st == stateFinal:
			op.MarkStored()
			return out, nil
		case st == stateUnknown && deadline == nil:
			select {
			case p.kick <- struct{}{}:
			default:
			}
			t := time.NewTimer(s.resolveWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-changed:
		case <-deadline:
			return fiscal.Outcome{}, errUnknown(p)
		case <-ctx.Done():
			return fiscal.Outcome{}, ctx.Err()
		case <-s.ctx.Done():
			return fiscal.Outcome{}, &fiscal.Error{Code: fiscal.CodePaymentUnknown, Detail: "fiscald is shutting down; retry with the same operation id to learn the payment's outcome", Err: fiscal.ErrClosed}
		}
	}
}

func errUnknown(p *payment) error {
	return &fiscal.Error{Code: fiscal.CodePaymentUnknown, Detail: fmt.Sprintf(
		"the outcome of this payment is not known yet: the connection to terminal %s was lost while it ran; "+
			"fiscald settles it as soon as the terminal answers a status enquiry. Retry with the same operation id; never start a new payment for it", p.f.Terminal)}
}

// setState moves a payment on and wakes its waiters. Called with s.mu
// held.
func (p *payment) setState(st state) {
	p.state = st
	close(p.changed)
	p.changed = make(chan struct{})
	if st == stateFinal {
		close(p.final)
	}
}

// release frees the refunded or cancelled item for the next undo. Called
// with s.mu held.
func (s *Service) release(p *payment) {
	if p.f.Original != "" && s.undoing[p.f.Original] == p.final {
		delete(s.undoing, p.f.Original)
	}
}

// fieldError builds a validation error naming one field.
func fieldError(field, code, format string, args ...any) *fiscal.Error {
	msg := fmt.Sprintf(format, args...)
	return &fiscal.Error{Code: fiscal.CodeValidation, Detail: field + ": " + msg,
		Errors: []wire.FieldError{{Field: field, Code: code, Message: msg}}}
}

// isUnknown reports a terminal error after which money may have moved.
func isUnknown(err error) bool {
	return errors.Is(err, device.ErrOutcomeUnknown) || errors.Is(err, errPersist)
}

// errPersist marks a failure to journal a terminal result: the terminal
// is refused the acknowledgement and reverses, which only the terminal
// can confirm.
var errPersist = errors.New("payment: terminal result not journaled")
