package payment

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/journal"
)

// Protocols fiscald's terminals speak, as /v2/pay's Protocol names them.
const (
	ProtocolAuto  = "use_auto"
	ProtocolFirst = "use_first"
	ProtocolZVT   = "zvt"
	ProtocolTest  = "test"
)

// SandboxName is the terminal name of the "test" provider of sandbox
// CashBoxes (the cbTerminalID that selects it).
const SandboxName = "sandbox"

// Defaults of Options.
const (
	DefaultLimit       = 600 * time.Second
	DefaultResolveWait = 5 * time.Second
)

// Terminal is a payment terminal (or software provider) CashBoxes pay
// through. One Terminal may serve several CashBoxes.
type Terminal struct {
	// Name identifies the terminal: the cbTerminalID that routes to it.
	Name string
	// Protocol is the name /v2/pay's Protocol selects it by.
	Protocol string
	// Device drives it.
	Device device.PaymentTerminal
	// Concurrent marks a provider that runs several transactions at once
	// (software); a physical terminal runs one at a time (§8.2) and
	// further requests wait for it.
	Concurrent bool

	busy chan struct{} // the one transaction slot, unless Concurrent
	owed int           // payments of unknown outcome (Service.mu)
}

// Options configure a Service.
type Options struct {
	Fiscal *fiscal.Service
	DB     *journal.DB
	// Terminals lists, per CashBox id, the terminals it pays through, in
	// the order use_first picks them.
	Terminals map[string][]*Terminal
	// Sandbox is the "test" provider every sandbox CashBox gets after its
	// own terminals (pos-system-api-v2.md §8.6); nil: none.
	Sandbox device.PaymentTerminal
	// Limit is the payment limit (§8.3); default DefaultLimit.
	Limit time.Duration
	// ResolveWait bounds how long a request for a payment whose outcome
	// is unknown waits for the terminal to settle it before it answers
	// 503; default DefaultResolveWait.
	ResolveWait time.Duration
	Registry    prometheus.Registerer
	Log         *slog.Logger
	// Now is the clock of journal entries; default time.Now.
	Now func() time.Time
}

// Service runs /v2/pay. Build it with New, link it to the fiscal service
// (fiscal.Service.SetPayItems), Start it, and Close it at shutdown.
type Service struct {
	fis         *fiscal.Service
	db          *journal.DB
	terms       map[string][]*Terminal
	limit       time.Duration
	resolveWait time.Duration
	log         *slog.Logger
	now         func() time.Time
	metrics     *metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu sync.Mutex
	// running holds every payment without a final outcome, by operation.
	running map[fiscal.OpKey]*payment
	// undoing holds the ftPayItemIds a refund or cancel is running for.
	undoing map[string]chan struct{}
	// chainMu serialises writers of each CashBox's payment chain.
	chainMu map[journal.ChainID]*sync.Mutex
}

// New builds the service and loads the payments a previous run left
// without an outcome; Start settles them.
func New(o Options) (*Service, error) {
	s := &Service{
		fis: o.Fiscal, db: o.DB, terms: map[string][]*Terminal{},
		limit: o.Limit, resolveWait: o.ResolveWait, log: o.Log, now: o.Now,
		running: map[fiscal.OpKey]*payment{}, undoing: map[string]chan struct{}{},
		chainMu: map[journal.ChainID]*sync.Mutex{},
	}
	if s.limit <= 0 {
		s.limit = DefaultLimit
	}
	if s.resolveWait <= 0 {
		s.resolveWait = DefaultResolveWait
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	var sandbox *Terminal
	if o.Sandbox != nil {
		sandbox = &Terminal{Name: SandboxName, Protocol: ProtocolTest, Device: o.Sandbox, Concurrent: true}
	}
	seen := map[*Terminal]bool{}
	for id, ts := range o.Terminals {
		s.terms[strings.ToLower(id)] = append([]*Terminal(nil), ts...)
	}
	for _, cb := range o.Fiscal.CashBoxes() {
		if cb.Sandbox && sandbox != nil {
			s.terms[cb.ID] = append(s.terms[cb.ID], sandbox)
		}
	}
	for _, ts := range s.terms {
		for _, t := range ts {
			if !t.Concurrent && t.busy == nil {
				t.busy = make(chan struct{}, 1)
			}
			seen[t] = true
		}
	}
	s.metrics = newMetrics(o.Registry, seen, s.unresolved)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// load restores the payments found in flight.
func (s *Service) load() error {
	return s.db.ScanRecords(nsFlight, nil, func(k, v []byte) error {
		var f flight
		if len(k) < 16 {
			return fmt.Errorf("payment: flight record key %x is too short", k)
		}
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("payment: flight record: %w", err)
		}
		var id journal.ChainID
		copy(id[:], k[:16])
		p, err := s.restore(id.String(), &f)
		if err != nil {
			return err
		}
		s.running[p.key] = p
		return nil
	})
}

// Start settles the payments left unfinished by the previous run.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.running {
		s.log.Warn("payment found unfinished at start; asking the terminal", "cashbox_id", p.cashbox, "operation_id", p.key.ID, "terminal", p.f.Terminal)
		s.resolve(p)
	}
}

// Close stops the service: running payments are aborted on their
// terminals and answered 503 (what they did is settled at the next
// start), and Close returns once every payment goroutine ended or after
// wait. A goroutine still in a terminal call then writes nothing more to
// the journal, except the terminal's result if it reports one before
// Done (close the terminals to end those calls, then wait for Done
// before closing the journal).
func (s *Service) Close(wait time.Duration) {
	s.cancel()
	select {
	case <-s.Done():
	case <-time.After(wait):
		s.log.Warn("payments still running at shutdown; they are settled at the next start")
	}
}

// Done is closed when every payment goroutine has ended after Close.
func (s *Service) Done() <-chan struct{} {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	return done
}

// Protocols lists the Protocol values the CashBox accepts
// (Capabilities.PayProtocols): empty without terminals.
func (s *Service) Protocols(cb *fiscal.CashBox) []string {
	ts := s.terms[cb.ID]
	if len(ts) == 0 {
		return nil
	}
	out := []string{ProtocolAuto, ProtocolFirst}
	for _, t := range ts {
		if !contains(out, t.Protocol) {
			out = append(out, t.Protocol)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// chainLock returns the writer lock of a payment chain.
func (s *Service) chainLock(c journal.ChainID) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.chainMu[c]
	if m == nil {
		m = new(sync.Mutex)
		s.chainMu[c] = m
	}
	return m
}

// unresolved counts the payments whose outcome is unknown.
func (s *Service) unresolved() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.running {
		if p.state == stateUnknown {
			n++
		}
	}
	return float64(n)
}
