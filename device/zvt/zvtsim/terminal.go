package zvtsim

import (
	"fmt"
	"slices"
	"sync"

	"github.com/fiscald/fiscald/device/zvt"
)

// configLoggedOff is the config-byte of a PT no ECR registered with, and
// the one Log-Off falls back to (§1.4): print lines, no
// Intermediate-Status.
const configLoggedOff zvt.ConfigByte = 0x86

// Terminal is a simulated payment terminal. Its methods are safe for
// concurrent use; Serve may run on several links at once, one sequence at
// a time.
type Terminal struct {
	set settings
	// serving holds a token while a sequence runs, from the ECR's
	// command to the PT's Completion or Abort: a PT has one master.
	serving chan struct{}

	mu     sync.Mutex
	ledger ledger
	config zvt.ConfigByte
	faults faults
}

// New returns a terminal, loading its ledger from Options.StateFile if
// the file exists. Transactions a crash left pending are auto-reversed.
func New(opt Options) (*Terminal, error) {
	s, err := opt.settings()
	if err != nil {
		return nil, err
	}
	l, err := loadLedger(s.StateFile)
	if err != nil {
		return nil, err
	}
	t := &Terminal{set: s, serving: make(chan struct{}, 1), ledger: l, config: configLoggedOff}
	if l.recover() {
		if err := saveLedger(s.StateFile, &t.ledger); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Transactions returns a copy of the ledger, oldest first.
func (t *Terminal) Transactions() []Transaction {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.ledger.Transactions)
}

// Config returns the config-byte of the last Registration (86 before one
// and after Log-Off).
func (t *Terminal) Config() zvt.ConfigByte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.config
}

func (t *Terminal) setConfig(c zvt.ConfigByte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.config = c
}

// begin records a new transaction, pending (or declined for a non-zero
// result), with fresh numbers, and persists it before the
// Status-Information goes out: numbers are never reused, and a crash of
// the simulator in between ends as a reversal.
func (t *Terminal) begin(kind Kind, requested, amount int64, result zvt.ResultCode) (int, Transaction, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := Transaction{Kind: kind, State: StatePending, Requested: requested, Amount: amount,
		Result: result, Time: t.set.Clock(), Batch: t.ledger.Batch}
	if result != zvt.ResultOK {
		tx.State = StateDeclined
	}
	tx.Trace, tx.Receipt = t.ledger.nextNumbers()
	t.ledger.Transactions = append(t.ledger.Transactions, tx)
	return len(t.ledger.Transactions) - 1, tx, t.saveLocked()
}

// settle moves a pending transaction to booked, or to auto-reversed.
func (t *Terminal) settle(i int, booked bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := &t.ledger.Transactions[i]
	if booked {
		tx.State = StateBooked
		t.ledger.LastBooked = i + 1
	} else {
		tx.State, tx.AutoReversed = StateReversed, true
	}
	return t.saveLocked()
}

// numbers allocates a trace and receipt number for a reversal or
// End-of-Day and persists the counters.
func (t *Terminal) numbers() (uint32, uint16, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	trace, receipt := t.ledger.nextNumbers()
	return trace, receipt, t.saveLocked()
}

// reversible looks up a payment for Reversal.
func (t *Terminal) reversible(receipt uint16) (int, Transaction, zvt.ResultCode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, code := t.ledger.reversible(receipt)
	if code != zvt.ResultOK {
		return i, Transaction{}, code
	}
	return i, t.ledger.Transactions[i], code
}

// markReversed records a Reversal the ECR acknowledged.
func (t *Terminal) markReversed(i int, trace uint32) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := &t.ledger.Transactions[i]
	tx.State, tx.ReversalTrace = StateReversed, trace
	return t.saveLocked()
}

// lastBooked returns the transaction Repeat Receipt re-sends. An
// auto-reversed payment is never it: an ECR resynchronising after a
// crash must not mistake a reversed payment for a charge.
func (t *Terminal) lastBooked() (Transaction, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ledger.LastBooked == 0 {
		return Transaction{}, false
	}
	return t.ledger.Transactions[t.ledger.LastBooked-1], true
}

// totals sums the current batch.
func (t *Terminal) totals() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ledger.totals()
}

// closeBatch ends the current batch (End-of-Day acknowledged).
func (t *Terminal) closeBatch() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ledger.Batch++
	return t.saveLocked()
}

func (t *Terminal) saveLocked() error {
	if err := saveLedger(t.set.StateFile, &t.ledger); err != nil {
		return fmt.Errorf("persist ledger: %w", err)
	}
	return nil
}
