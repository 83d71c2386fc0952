package device

import (
	"context"
	"time"
)

// PaymentTerminal is a card payment terminal (ZVT and later protocols).
// One terminal runs one transaction at a time; implementations serialize
// callers. Every call honours ctx: when it ends, the driver aborts what
// it can and reports an unknown outcome where money may have moved.
type PaymentTerminal interface {
	// Pay charges req.Amount and returns the terminal's outcome.
	Pay(ctx context.Context, req PayRequest) (PayResult, error)
	// Reverse cancels a payment of the current batch by its receipt
	// number (same-day cancel).
	Reverse(ctx context.Context, receiptNo string, hooks PayHooks) (PayResult, error)
	// Refund pays amount back to a card (later than the same batch).
	Refund(ctx context.Context, amount int64, hooks PayHooks) (PayResult, error)
	// LastTransaction asks the terminal for its last booked transaction
	// (ZVT Repeat Receipt): how a payment in flight at a crash is settled.
	LastTransaction(ctx context.Context) (PayResult, error)
	// Health reports the terminal's state without blocking on it.
	Health() Health
}

// PayRequest is one payment.
type PayRequest struct {
	// Amount in minor units (cents), > 0.
	Amount int64
	PayHooks
}

// PayHooks let the caller follow a transaction.
type PayHooks struct {
	// Progress, if set, receives the terminal's status texts ("insert
	// card", "PIN entry") for the cashier.
	Progress func(text string)
	// Persist, if set, is called with the result before the terminal is
	// told it arrived (ZVT: before the ECR acknowledges the
	// Status-Information, which makes the payment final). The caller
	// journals it durably there; an error makes the driver withhold the
	// acknowledgement, so the terminal reverses the payment.
	Persist func(PayResult) error
}

// PayOutcome classifies a terminal result.
type PayOutcome uint8

// Outcomes of a transaction.
const (
	PayApproved PayOutcome = iota + 1
	PayDeclined
	PayCancelled // by the customer or the operator
	PayTimeout   // the terminal gave up waiting
	PayFailed    // technical failure on the terminal; nothing charged
)

func (o PayOutcome) String() string {
	switch o {
	case PayApproved:
		return "approved"
	case PayDeclined:
		return "declined"
	case PayCancelled:
		return "cancelled"
	case PayTimeout:
		return "timeout"
	case PayFailed:
		return "failed"
	}
	return "unknown"
}

// PayResult is what the terminal reported.
type PayResult struct {
	Outcome PayOutcome
	// ResultCode and Text are the terminal's own code and its meaning.
	ResultCode byte
	Text       string
	// Amount is what was charged (a tip included; less than requested
	// when partially approved), in minor units.
	Amount     int64
	TerminalID string
	Trace      string
	ReceiptNo  string
	CardType   string
	CardName   string
	MaskedPAN  string
	Time       time.Time
	// Receipt is the terminal's slip, line by line.
	Receipt []string
}
