package cryptoki

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/pkcs11"
)

// ModuleOptions configures Load.
type ModuleOptions struct {
	// Wrap, if set, wraps the library's API; tests inject faults with it.
	Wrap func(API) API
	// Log receives module events (re-initialisations); nil discards them.
	Log *slog.Logger
}

// Module is one loaded PKCS#11 library. Load it once per library path per
// process and share it between the signers of all its tokens: the library's
// state is process-wide, so a second Module for the same path would
// finalise the first one's sessions. It is safe for concurrent use.
type Module struct {
	path string
	ctx  *pkcs11.Ctx
	api  API
	log  *slog.Logger

	// lock is held for reading around every C call and for writing around
	// Finalize+Initialize, so a re-initialisation never pulls the sessions
	// from under a call in flight.
	lock sync.RWMutex
	// closed is written under lock held for writing.
	closed bool
	// epoch counts re-initialisations; it changes only under lock held for
	// writing, so a reader that holds lock sees it stable. Session and
	// object handles of an older epoch are dead and may even have been
	// reused by the library.
	epoch atomic.Uint64

	mu struct {
		sync.Mutex
		signers map[*Signer]struct{}
	}
}

// Load loads the PKCS#11 library at path and initialises it.
// CKR_CRYPTOKI_ALREADY_INITIALIZED is accepted (something else in the
// process initialised the library), but then re-initialisations by this
// Module also disturb that user. Call Close when done.
func Load(path string, opts ModuleOptions) (*Module, error) {
	if path == "" {
		return nil, errors.New("cryptoki: module path is empty")
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("cryptoki: cannot load PKCS#11 module %s (missing, not a shared library, wrong architecture or unresolved dependencies)", path)
	}
	var api API = ctx
	if opts.Wrap != nil {
		api = opts.Wrap(api)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("pkcs11_module", path)
	if err := api.Initialize(); err != nil {
		if !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			ctx.Destroy()
			return nil, fmt.Errorf("cryptoki: initialise module %s: %w", path, err)
		}
		log.Warn("PKCS#11 module was already initialised in this process; load each module once")
	}
	m := &Module{path: path, ctx: ctx, api: api, log: log}
	m.epoch.Store(1)
	m.mu.signers = make(map[*Signer]struct{})
	return m, nil
}

// Path returns the library path the module was loaded from.
func (m *Module) Path() string { return m.path }

// enter takes the read lock for one or more C calls and returns the epoch
// they run in. The caller must call leave, and must not call enter again
// before that: a waiting re-initialisation would deadlock the second read
// lock.
func (m *Module) enter() (uint64, error) {
	m.lock.RLock()
	if m.closed {
		m.lock.RUnlock()
		return 0, ErrModuleClosed
	}
	return m.epoch.Load(), nil
}

func (m *Module) leave() { m.lock.RUnlock() }

// Reinitialize finalises and re-initialises the library, so that it scans
// its slots again (SoftHSM2 only sees a token directory restored after
// this). Every session of every signer on the module dies; the signers
// reconnect before their next call. It waits for calls in flight.
func (m *Module) Reinitialize() error {
	return m.reinit(m.epoch.Load())
}

// reinit re-initialises the library unless that already happened since the
// caller observed epoch seen, so concurrent signers that notice the same
// loss cause one re-initialisation, not one each.
func (m *Module) reinit(seen uint64) error {
	m.lock.Lock()
	defer m.lock.Unlock()
	if m.closed {
		return ErrModuleClosed
	}
	if m.epoch.Load() != seen {
		return nil
	}
	start := time.Now()
	if err := m.api.Finalize(); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED) {
		m.log.Warn("PKCS#11 finalize failed", "err", err)
	}
	m.epoch.Add(1)
	// A failed Initialize leaves the library uninitialised: calls return
	// CKR_CRYPTOKI_NOT_INITIALIZED, which the signers treat as "device
	// gone", so their next reconnect attempt re-initialises again.
	if err := m.api.Initialize(); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		return fmt.Errorf("cryptoki: re-initialise module %s: %w", m.path, err)
	}
	m.log.Debug("PKCS#11 module re-initialised", "epoch", m.epoch.Load(), "took", time.Since(start))
	return nil
}

// Close closes every signer still open on the module (waiting for their
// calls in flight), finalises the library and unloads it. It is idempotent.
func (m *Module) Close() error {
	m.mu.Lock()
	signers := make([]*Signer, 0, len(m.mu.signers))
	for s := range m.mu.signers {
		signers = append(signers, s)
	}
	m.mu.signers = nil // refuse new signers
	m.mu.Unlock()
	for _, s := range signers {
		s.Close()
	}

	m.lock.Lock()
	defer m.lock.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	err := m.api.Finalize()
	m.ctx.Destroy()
	if err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED) {
		return fmt.Errorf("cryptoki: finalize module %s: %w", m.path, err)
	}
	return nil
}

func (m *Module) register(s *Signer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.signers == nil {
		return ErrModuleClosed
	}
	m.mu.signers[s] = struct{}{}
	return nil
}

func (m *Module) forget(s *Signer) {
	m.mu.Lock()
	delete(m.mu.signers, s)
	m.mu.Unlock()
}
