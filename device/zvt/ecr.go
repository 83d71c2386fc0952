package zvt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Errors of the ECR driver, beyond the link's.
var (
	// ErrOutcomeUnknown means the PT had accepted a command (money may
	// have moved) when the link failed or the caller gave up, and no
	// final result was seen. It wraps device.ErrUnavailable: the caller
	// answers "try later" and settles the transaction with
	// LastTransaction (Repeat Receipt) once the terminal is back.
	ErrOutcomeUnknown = fmt.Errorf("zvt: %w", device.ErrOutcomeUnknown)
	// ErrNoReceipt means the PT has no transaction to repeat (it aborted
	// a Repeat Receipt): nothing was booked since its last End-of-Day or
	// ever.
	ErrNoReceipt = fmt.Errorf("zvt: terminal has no transaction to repeat: %w", device.ErrNoTransaction)
	// ErrClosed means the ECR was closed.
	ErrClosed = fmt.Errorf("zvt: ECR closed: %w", device.ErrUnavailable)
)

// DefaultAbortWait bounds the wait for the PT's Abort (06 1E) after the
// ECR sent Abort (06 B0) because its caller gave up.
const DefaultAbortWait = 30 * time.Second

// ECROptions configure an ECR. The zero value is usable.
type ECROptions struct {
	// Name is the configured device name, for logs.
	Name string
	// Password is the six-digit PT password; default "123456".
	Password string
	// T3 bounds the wait for the answer to a command; default DefaultT3.
	T3 time.Duration
	// T4 bounds the wait for each PT message while the PT is master;
	// default DefaultT4. The PT may replace it in an Intermediate-Status.
	T4 time.Duration
	// AbortWait bounds the wait for the PT's Abort after the ECR asked
	// for one; default DefaultAbortWait.
	AbortWait time.Duration
	// Log receives connection events; default discards.
	Log *slog.Logger
}

// ECR is the cash-register side of ZVT: a device.PaymentTerminal over a
// Link it obtains from a dial function. It connects lazily, on the first
// call and after every failure, and registers (06 00, config-byte
// ConfigFiscald, EUR) on every new link. One transaction runs at a time;
// further callers wait for their turn as long as their context allows.
type ECR struct {
	dial func(ctx context.Context) (Link, error)
	opt  ECROptions
	pw   Password
	mon  device.Monitor
	// turn is the single transaction slot: a channel rather than a
	// mutex so that waiting honours the caller's context.
	turn chan struct{}

	// mu guards link and closed; only the holder of turn uses the link,
	// but Close may take it away at any time.
	mu     sync.Mutex
	link   Link
	closed bool
	// lastPT is the last PT→ECR message answered, to recognise a repeat
	// the serial layer delivers after the sequence ended.
	lastPT APDU
}

var _ device.PaymentTerminal = (*ECR)(nil)

// NewECR returns a driver that gets its links from dial (a TCP dial to
// host:20007, or a serial port wrapped in a SerialLink): the driver never
// opens ports itself. An invalid password surfaces at the first call.
func NewECR(dial func(ctx context.Context) (Link, error), opt ECROptions) *ECR {
	if opt.Password == "" {
		opt.Password = "123456"
	}
	if opt.T3 <= 0 {
		opt.T3 = DefaultT3
	}
	if opt.T4 <= 0 {
		opt.T4 = DefaultT4
	}
	if opt.AbortWait <= 0 {
		opt.AbortWait = DefaultAbortWait
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	e := &ECR{dial: dial, opt: opt, turn: make(chan struct{}, 1)}
	e.pw, _ = ParsePassword(opt.Password) // checked again in connect
	return e
}

// Health reports the terminal as the driver last saw it: failed after a
// link failure, up after a successful exchange. It never blocks.
func (e *ECR) Health() device.Health { return e.mon.Health() }

// Close closes the current link, aborting a call blocked on it; later
// calls fail with ErrClosed.
func (e *ECR) Close() error {
	e.mu.Lock()
	l := e.link
	e.link, e.closed = nil, true
	e.mu.Unlock()
	if l != nil {
		return l.Close()
	}
	return nil
}

// acquire waits for the transaction slot.
func (e *ECR) acquire(ctx context.Context) (release func(), err error) {
	select {
	case e.turn <- struct{}{}:
		return func() { <-e.turn }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("zvt %s: waiting for the terminal: %w", e.opt.Name, ctx.Err())
	}
}

// connect returns the current link, or dials and registers a new one;
// fresh tells which. The caller holds the slot.
func (e *ECR) connect(ctx context.Context) (link Link, fresh bool, err error) {
	e.mu.Lock()
	link, closed := e.link, e.closed
	e.mu.Unlock()
	switch {
	case closed:
		return nil, false, ErrClosed
	case link != nil:
		return link, false, nil
	}
	pw, err := ParsePassword(e.opt.Password)
	if err != nil {
		return nil, false, fmt.Errorf("zvt %s: password: %w", e.opt.Name, err)
	}
	e.pw = pw
	link, err = e.dial(ctx)
	if err != nil {
		err = fmt.Errorf("%w: zvt %s: connect: %w", device.ErrUnavailable, e.opt.Name, err)
		e.mon.Failed(err, time.Now())
		return nil, false, err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		_ = link.Close()
		return nil, false, ErrClosed
	}
	e.link, e.lastPT = link, APDU{}
	e.mu.Unlock()
	if err := e.register(ctx, link); err != nil {
		e.drop(link, err)
		return nil, false, err
	}
	e.opt.Log.Info("zvt: registered", "device", e.opt.Name)
	return link, true, nil
}

// register sends Registration and waits for its Completion.
func (e *ECR) register(ctx context.Context, link Link) error {
	cmd, err := Registration{Password: e.pw, Config: ConfigFiscald, Currency: EUR}.APDU()
	if err != nil {
		return fmt.Errorf("zvt %s: registration: %w", e.opt.Name, err)
	}
	r, err := e.run(ctx, link, cmd, seqOptions{})
	switch {
	case err != nil:
		return fmt.Errorf("registration: %w", err)
	case r.negative || r.aborted:
		// The link works but the PT refuses us (wrong password or
		// currency): it cannot take payments, so it is unavailable.
		return fmt.Errorf("%w: zvt %s: registration refused: %v", device.ErrUnavailable, e.opt.Name, r.code)
	}
	return nil
}

// drop closes a failed link so that the next call reconnects, and marks
// the terminal failed.
func (e *ECR) drop(link Link, cause error) {
	e.mu.Lock()
	if e.link == link {
		e.link = nil
	}
	e.mu.Unlock()
	_ = link.Close()
	e.mon.Failed(cause, time.Now())
	e.opt.Log.Warn("zvt: link dropped", "device", e.opt.Name, "err", cause)
}

// do runs one command in the slot: connect, run the sequence, and once
// retry on a fresh link when a reused one turned out dead before the PT
// answered anything (a PT closes idle TCP connections; nothing can have
// been charged on a link that never carried the command's answer).
func (e *ECR) do(ctx context.Context, build func() (APDU, error), so seqOptions) (seqResult, error) {
	release, err := e.acquire(ctx)
	if err != nil {
		return seqResult{}, err
	}
	defer release()
	start := time.Now()
	defer func() { e.mon.AddBusy(time.Since(start)) }()
	cmd, err := build()
	if err != nil {
		return seqResult{}, fmt.Errorf("zvt %s: %w", e.opt.Name, err)
	}
	for attempt := 0; ; attempt++ {
		link, fresh, err := e.connect(ctx)
		if err != nil {
			return seqResult{}, err
		}
		r, err := e.run(ctx, link, cmd, so)
		if err != nil && errors.Is(err, errStale) && !fresh && attempt == 0 {
			e.opt.Log.Info("zvt: stale link, reconnecting", "device", e.opt.Name, "err", err)
			continue
		}
		return r, err
	}
}
