package zvt

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Pay charges req.Amount (06 01). The outcome comes from the PT's result
// code; a partial approval or a tip shows as Amount ≠ req.Amount.
// req.Persist runs before the Status-Information is acknowledged; if it
// fails the PT is refused the acknowledgement and reverses, and Pay
// returns that error. Errors wrap device.ErrUnavailable when the PT never
// accepted the command (nothing charged) and ErrOutcomeUnknown when it
// had and the result was lost.
func (e *ECR) Pay(ctx context.Context, req device.PayRequest) (device.PayResult, error) {
	return e.transaction(ctx, "pay", func() (APDU, error) {
		return Authorisation{Amount: req.Amount, Currency: EUR}.APDU()
	}, req.PayHooks)
}

// Reverse cancels a payment of the current batch (06 30) by its receipt
// number as PayResult.ReceiptNo gave it. hooks.Persist runs before the
// reversal's Status-Information is acknowledged, as for Pay.
func (e *ECR) Reverse(ctx context.Context, receiptNo string, hooks device.PayHooks) (device.PayResult, error) {
	n, err := strconv.ParseUint(receiptNo, 10, 16)
	if err != nil || n > 9999 {
		return device.PayResult{}, fmt.Errorf("zvt %s: reverse: receipt number %q: %w", e.opt.Name, receiptNo, ErrInvalid)
	}
	return e.transaction(ctx, "reverse", func() (APDU, error) {
		return Reversal{Password: e.pw, Receipt: uint16(n)}.APDU()
	}, hooks)
}

// Refund credits amount to a card (06 31); hooks as for Pay.
func (e *ECR) Refund(ctx context.Context, amount int64, hooks device.PayHooks) (device.PayResult, error) {
	return e.transaction(ctx, "refund", func() (APDU, error) {
		return Refund{Password: e.pw, Amount: amount, Currency: EUR}.APDU()
	}, hooks)
}

// LastTransaction asks the PT for its last booked transaction (06 20
// Repeat Receipt). It is a query: the re-sent Status-Information is
// acknowledged at once, without a Persist hook, because acknowledging a
// copy books nothing. ErrNoReceipt means the PT has none.
func (e *ECR) LastTransaction(ctx context.Context) (device.PayResult, error) {
	r, err := e.do(ctx, func() (APDU, error) { return RepeatReceipt{Password: e.pw}.APDU() }, seqOptions{})
	if err != nil {
		return device.PayResult{}, err
	}
	if r.info == nil && (r.aborted || r.negative) {
		return device.PayResult{}, fmt.Errorf("zvt %s: repeat receipt: %v: %w", e.opt.Name, r.code, ErrNoReceipt)
	}
	return e.settle("repeat receipt", r)
}

// Probe sends Status-Enquiry (05 01), the health probe the specification
// wants at least once a minute, and returns the PT's state.
func (e *ECR) Probe(ctx context.Context) (TerminalState, error) {
	r, err := e.do(ctx, func() (APDU, error) { return StatusEnquiry{Password: e.pw}.APDU() }, seqOptions{})
	switch {
	case err != nil:
		return TerminalState{}, err
	case !r.completed:
		return TerminalState{}, fmt.Errorf("zvt %s: status enquiry refused: %v", e.opt.Name, r.code)
	}
	st, err := ParseStatusEnquiryCompletion(r.completion)
	if err != nil {
		return TerminalState{}, fmt.Errorf("zvt %s: status enquiry: %w", e.opt.Name, err)
	}
	return st, nil
}

// transaction runs a money-moving command with Persist before the
// acknowledgement.
func (e *ECR) transaction(ctx context.Context, op string, build func() (APDU, error), hooks device.PayHooks) (device.PayResult, error) {
	r, err := e.do(ctx, build, seqOptions{hooks: hooks, persist: true})
	if err != nil {
		if r.info != nil {
			return e.payResult(*r.info, r.receipt), err
		}
		return device.PayResult{}, err
	}
	return e.settle(op, r)
}

// settle turns a finished sequence into the caller's result.
func (e *ECR) settle(op string, r seqResult) (device.PayResult, error) {
	var res device.PayResult
	if r.info != nil {
		res = e.payResult(*r.info, r.receipt)
	}
	if (r.negative || r.aborted) && !(r.final() && r.info.Result == ResultOK) {
		// The PT's own verdict on the sequence; for a host decline it
		// repeats the Status-Information's code. An approval that is
		// final already (acknowledged, its receipt complete) stands
		// whatever follows, an Abort answering the ECR's own included
		// (§1.10).
		res.Outcome, res.ResultCode, res.Text = payOutcome(r.code), byte(r.code), r.code.Text()
	}
	switch {
	case r.persistErr != nil:
		return res, fmt.Errorf("zvt %s: %s: result not persisted, the terminal reverses it: %w", e.opt.Name, op, r.persistErr)
	case r.info == nil && !r.negative && !r.aborted:
		// A Completion without a Status-Information says nothing about
		// the money.
		return res, fmt.Errorf("zvt %s: %s: completion without status information: %w", e.opt.Name, op, ErrOutcomeUnknown)
	}
	return res, nil
}

// payResult converts a Status-Information.
func (e *ECR) payResult(si StatusInfo, receipt []string) device.PayResult {
	res := device.PayResult{
		Outcome:    payOutcome(si.Result),
		ResultCode: byte(si.Result),
		Text:       si.Result.Text(),
		Amount:     si.Amount,
		TerminalID: si.TerminalID,
		CardName:   si.CardName,
		MaskedPAN:  si.PAN,
		Receipt:    receipt,
	}
	if si.Has(BMPTrace) {
		res.Trace = fmt.Sprintf("%06d", si.Trace)
	}
	if si.Has(BMPReceipt) {
		res.ReceiptNo = fmt.Sprintf("%04d", si.Receipt)
	}
	if si.CardType != 0 {
		res.CardType = CardTypeName(si.CardType)
	}
	if t, ok := si.Timestamp(time.Now()); ok {
		res.Time = t
	}
	return res
}

// payOutcome maps the package's classification onto device's.
func payOutcome(c ResultCode) device.PayOutcome {
	switch c.Outcome() {
	case OutcomeApproved:
		return device.PayApproved
	case OutcomeDeclined:
		return device.PayDeclined
	case OutcomeCancelled:
		return device.PayCancelled
	case OutcomeTimeout:
		return device.PayTimeout
	}
	return device.PayFailed
}
