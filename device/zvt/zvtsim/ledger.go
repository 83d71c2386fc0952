package zvtsim

import (
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

// Kind tells a payment from a refund.
type Kind string

// Kinds of transaction.
const (
	KindPayment Kind = "payment"
	KindRefund  Kind = "refund"
)

// State is where a transaction stands in the terminal's turnover store.
type State string

// States of a transaction.
const (
	// StatePending: the Status-Information is out, the ECR's
	// acknowledgement awaited. Loading a state file turns it into
	// StateReversed: a PT that lost the ECR reverses.
	StatePending State = "pending"
	// StateBooked: acknowledged by the ECR; the card is charged (or
	// credited, for a refund).
	StateBooked State = "booked"
	// StateReversed: reversed by 06 30, or auto-reversed because the
	// acknowledgement never came; never charged.
	StateReversed State = "reversed"
	// StateDeclined: refused by the simulated host; nothing charged.
	StateDeclined State = "declined"
)

// Transaction is one entry of the ledger.
type Transaction struct {
	Kind    Kind   `json:"kind"`
	State   State  `json:"state"`
	Trace   uint32 `json:"trace"`
	Receipt uint16 `json:"receipt"`
	// Requested is the amount the ECR asked for, in cents.
	Requested int64 `json:"requested"`
	// Amount is the amount in the Status-Information (tip or partial
	// approval included), in cents.
	Amount int64          `json:"amount"`
	Result zvt.ResultCode `json:"result"`
	Time   time.Time      `json:"time"`
	// Batch counts End-of-Day closings before this transaction; only the
	// current batch can be reversed.
	Batch int `json:"batch"`
	// AutoReversed marks a reversal by the PT itself for want of an
	// acknowledgement.
	AutoReversed bool `json:"auto_reversed,omitempty"`
	// ReversalTrace is the trace number of the 06 30 that reversed it.
	ReversalTrace uint32 `json:"reversal_trace,omitempty"`
}

// Charged reports whether the card is charged by this transaction: a
// booked payment.
func (t Transaction) Charged() bool { return t.Kind == KindPayment && t.State == StateBooked }

// ledger is everything the state file holds.
type ledger struct {
	Version int `json:"version"`
	// Trace and Receipt are the last numbers used (0: none yet).
	Trace   uint32 `json:"trace"`
	Receipt uint16 `json:"receipt"`
	Batch   int    `json:"batch"`
	// LastBooked is the index+1 of the last booked transaction, which
	// Repeat Receipt re-sends; 0 for none.
	LastBooked   int           `json:"last_booked"`
	Transactions []Transaction `json:"transactions"`
}

// ledgerVersion is the state file's format version.
const ledgerVersion = 1

// nextNumbers allocates the next trace (1…999999) and receipt number
// (1…9999), wrapping as the BCD fields do.
func (l *ledger) nextNumbers() (trace uint32, receipt uint16) {
	l.Trace = l.Trace%999999 + 1
	l.Receipt = l.Receipt%9999 + 1
	return l.Trace, l.Receipt
}

// recover auto-reverses transactions left pending by a crash of the
// simulator: their acknowledgement can no longer arrive.
func (l *ledger) recover() (changed bool) {
	for i := range l.Transactions {
		if l.Transactions[i].State == StatePending {
			l.Transactions[i].State = StateReversed
			l.Transactions[i].AutoReversed = true
			changed = true
		}
	}
	return changed
}

// totals sums the current batch: booked payments minus booked refunds.
func (l *ledger) totals() int64 {
	var sum int64
	for _, t := range l.Transactions {
		if t.Batch != l.Batch || t.State != StateBooked {
			continue
		}
		if t.Kind == KindRefund {
			sum -= t.Amount
		} else {
			sum += t.Amount
		}
	}
	return sum
}

// reversible finds the payment with the receipt number in the current
// batch, or the result code that refuses the reversal.
func (l *ledger) reversible(receipt uint16) (int, zvt.ResultCode) {
	for i := len(l.Transactions) - 1; i >= 0; i-- {
		t := l.Transactions[i]
		if t.Batch != l.Batch || t.Receipt != receipt || t.Kind != KindPayment {
			continue
		}
		switch t.State {
		case StateBooked:
			return i, zvt.ResultOK
		case StateReversed:
			return i, zvt.ResultAlreadyReversed
		}
	}
	return -1, zvt.ResultReversalImpossible
}
