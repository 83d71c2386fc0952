package paysandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Identity of the simulated card and terminal.
const (
	TerminalID = "SANDBOX"
	CardName   = "Sandbox card"
	MaskedPAN  = "************0000"
)

// progressEvery is the simulated time between two Progress texts while a
// payment waits.
const progressEvery = 10 * time.Second

// Errors of the provider.
var (
	// ErrInvalidAmount: a payment or refund of zero.
	ErrInvalidAmount = errors.New("paysandbox: amount must not be zero")
	// ErrNoTransaction: LastTransaction before any approved transaction.
	ErrNoTransaction = fmt.Errorf("paysandbox: no transaction yet: %w", device.ErrNoTransaction)
)

// Options configure a Provider.
type Options struct {
	// Name identifies the provider in logs and errors.
	Name string
	// TimeScale multiplies every delay of the table; tests use e.g.
	// 1e-6. Zero or negative means 1.
	TimeScale float64
	// Clock gives the time of results and health; default time.Now.
	// Delays always run on real time.
	Clock func() time.Time
	// Log receives one record per transaction; default discards.
	Log *slog.Logger
}

// Provider is the sandbox payment terminal. It implements
// device.PaymentTerminal and is safe for concurrent use. Unlike a real
// terminal it runs any number of transactions at once: nothing physical
// is shared, so callers need not serialize (fiscald's one-payment-per-
// terminal routing, §8.2, still applies above it).
//
// Every result, declined ones included, goes to PayHooks.Persist before
// the call returns; a Persist error is returned (wrapped) with a zero
// PayResult and the transaction is forgotten: nothing charged, nothing
// reversible, LastTransaction unchanged. When ctx ends while a payment
// waits, Pay returns an error wrapping ctx's error (context.Canceled or
// DeadlineExceeded) and nothing is charged: the sandbox, unlike a real
// terminal, never leaves an outcome unknown.
type Provider struct {
	opt Options
	mon device.Monitor

	mu      sync.Mutex
	trace   int                // last trace number
	receipt int                // last receipt number
	ledger  map[string]*booked // approved transactions by receipt number
	last    *booked            // newest approved transaction
}

type booked struct {
	res      device.PayResult
	payment  bool // a payment, which a reversal may cancel
	reversed bool // reversed, or a reversal of it is being persisted
}

var _ device.PaymentTerminal = (*Provider)(nil)

// New returns a provider that is up.
func New(opt Options) *Provider {
	if opt.TimeScale <= 0 {
		opt.TimeScale = 1
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Name == "" {
		opt.Name = "test"
	}
	p := &Provider{opt: opt, ledger: map[string]*booked{}}
	p.mon.Succeeded(opt.Clock())
	return p
}

// Health is always up.
func (p *Provider) Health() device.Health { return p.mon.Health() }

// Pay charges req.Amount as the table says (Lookup). A negative amount is
// a refund of its absolute value.
func (p *Provider) Pay(ctx context.Context, req device.PayRequest) (device.PayResult, error) {
	switch {
	case req.Amount == 0:
		return device.PayResult{}, fmt.Errorf("paysandbox %s: pay: %w", p.opt.Name, ErrInvalidAmount)
	case req.Amount < 0:
		return p.Refund(ctx, -req.Amount, req.PayHooks)
	}
	if err := ctx.Err(); err != nil {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: pay: %w", p.opt.Name, err)
	}
	o := Lookup(req.Amount)
	p.opt.Log.Info("paysandbox: payment", "name", p.opt.Name, "amount", req.Amount, "outcome", o.Description)
	progress(req.Progress, "Sandbox: present card")
	if err := p.wait(ctx, o.Delay, req.Progress); err != nil {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: pay %d: nothing charged: %w", p.opt.Name, req.Amount, err)
	}
	text := o.Result.String()
	switch {
	case o.Result == device.PayApproved && o.Tip() > 0:
		text = "approved with tip " + euros(o.Tip())
	case o.Result == device.PayApproved && o.Charged < o.Amount:
		text = "partially approved: " + euros(o.Charged)
	case o.Result == device.PayTimeout:
		text = "timeout: no card presented"
	case o.Result == device.PayCancelled:
		text = "cancelled by the customer"
	}
	return p.finish("pay", o.Amount, o.Tip(), device.PayResult{Outcome: o.Result, Text: text, Amount: o.Charged}, req.PayHooks, nil)
}

// Reverse cancels an approved payment by its receipt number: approved
// for the payment's charged amount once, declined for an unknown or
// already reversed receipt.
func (p *Provider) Reverse(ctx context.Context, receiptNo string, hooks device.PayHooks) (device.PayResult, error) {
	if err := ctx.Err(); err != nil {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: reverse: %w", p.opt.Name, err)
	}
	p.mu.Lock()
	b := p.ledger[receiptNo]
	var res device.PayResult
	switch {
	case b == nil || !b.payment:
		res = device.PayResult{Outcome: device.PayDeclined, Text: "no payment with receipt " + receiptNo}
	case b.reversed:
		res = device.PayResult{Outcome: device.PayDeclined, Text: "receipt " + receiptNo + " already reversed"}
	default:
		b.reversed = true // reserved; undone if Persist fails
		res = device.PayResult{Outcome: device.PayApproved, Text: "reversed receipt " + receiptNo, Amount: b.res.Amount}
	}
	p.mu.Unlock()
	p.opt.Log.Info("paysandbox: reversal", "name", p.opt.Name, "receipt", receiptNo, "outcome", res.Text)
	var undo func()
	if res.Outcome == device.PayApproved {
		undo = func() { b.reversed = false }
	}
	return p.finish("reverse", res.Amount, 0, res, hooks, undo)
}

// Refund pays amount (its absolute value) back; it is always approved.
func (p *Provider) Refund(ctx context.Context, amount int64, hooks device.PayHooks) (device.PayResult, error) {
	if amount == 0 {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: refund: %w", p.opt.Name, ErrInvalidAmount)
	}
	if err := ctx.Err(); err != nil {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: refund: %w", p.opt.Name, err)
	}
	amount = max(amount, -amount)
	p.opt.Log.Info("paysandbox: refund", "name", p.opt.Name, "amount", amount)
	return p.finish("refund", amount, 0, device.PayResult{Outcome: device.PayApproved, Text: "refunded", Amount: amount}, hooks, nil)
}

// LastTransaction returns the newest approved transaction (payment,
// reversal or refund), or ErrNoTransaction.
func (p *Provider) LastTransaction(ctx context.Context) (device.PayResult, error) {
	if err := ctx.Err(); err != nil {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: last transaction: %w", p.opt.Name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		return device.PayResult{}, fmt.Errorf("paysandbox %s: %w", p.opt.Name, ErrNoTransaction)
	}
	return clone(p.last.res), nil
}

// finish numbers res, prints its slip, persists it and books it if
// approved. undo, if set, runs under the lock when Persist fails.
func (p *Provider) finish(op string, requested, tip int64, res device.PayResult, hooks device.PayHooks, undo func()) (device.PayResult, error) {
	res.TerminalID, res.CardName, res.MaskedPAN = TerminalID, CardName, MaskedPAN
	res.Time = p.opt.Clock()
	p.mu.Lock()
	p.trace++
	res.Trace = fmt.Sprintf("%06d", p.trace)
	if res.Outcome == device.PayApproved {
		p.receipt++
		res.ReceiptNo = fmt.Sprintf("%04d", p.receipt)
	}
	p.mu.Unlock()
	res.Receipt = slip(op, requested, tip, res)

	if hooks.Persist != nil {
		if err := hooks.Persist(clone(res)); err != nil {
			if undo != nil {
				p.mu.Lock()
				undo()
				p.mu.Unlock()
			}
			p.opt.Log.Warn("paysandbox: result not persisted, nothing charged", "name", p.opt.Name, "op", op, "trace", res.Trace, "err", err)
			return device.PayResult{}, fmt.Errorf("paysandbox %s: %s: result not persisted, nothing charged: %w", p.opt.Name, op, err)
		}
	}
	if res.Outcome == device.PayApproved {
		b := &booked{res: clone(res), payment: op == "pay"}
		p.mu.Lock()
		p.ledger[res.ReceiptNo] = b
		p.last = b
		p.mu.Unlock()
	}
	return res, nil
}

// wait sleeps the scaled delay d, calling progress every progressEvery of
// simulated time; it returns early with ctx's error.
func (p *Provider) wait(ctx context.Context, d time.Duration, hook func(string)) error {
	for left := d; left > 0; {
		step := min(left, progressEvery)
		if err := sleep(ctx, time.Duration(float64(step)*p.opt.TimeScale)); err != nil {
			return err
		}
		left -= step
		if left > 0 {
			progress(hook, fmt.Sprintf("Sandbox: waiting for the card holder (%v left)", left))
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func progress(hook func(string), text string) {
	if hook != nil {
		hook(text)
	}
}

// slip is the terminal receipt of res.
func slip(op string, requested, tip int64, res device.PayResult) []string {
	title := map[string]string{"pay": "PAYMENT", "reverse": "REVERSAL", "refund": "REFUND"}[op]
	lines := []string{
		"*** SANDBOX - NO REAL PAYMENT ***",
		title,
		"Terminal-ID: " + res.TerminalID,
		"Trace: " + res.Trace,
	}
	if res.ReceiptNo != "" {
		lines = append(lines, "Receipt: "+res.ReceiptNo)
	}
	lines = append(lines,
		res.Time.Format("2006-01-02 15:04:05"),
		res.CardName+" "+res.MaskedPAN,
		"Requested: EUR "+euros(requested))
	if tip > 0 {
		lines = append(lines, "Tip: EUR "+euros(tip))
	}
	return append(lines, "Amount: EUR "+euros(res.Amount), res.Text)
}

// euros formats cents as "1234.50".
func euros(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

func clone(r device.PayResult) device.PayResult {
	r.Receipt = append([]string(nil), r.Receipt...)
	return r
}
