package cryptoki

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Signer states; state changes happen under Signer.mu.
const (
	// stateFailed: not connected, or suspect; the supervisor is retrying.
	stateFailed int32 = iota
	stateUp
	// stateAuth: the token refused the PIN. Nothing retries it: cards
	// lock after a few wrong tries, so only the operator may.
	stateAuth
)

// Signer is a signature device on a PKCS#11 token: it implements
// device.Signer. It is safe for concurrent use; Close releases it.
type Signer struct {
	m   *Module
	cfg Config
	log *slog.Logger
	mon device.Monitor

	// reqs hands requests to the workers, one per session. Unbuffered: a
	// request waits in its caller, who can still give up, not in a queue.
	reqs    chan *request
	reqPool sync.Pool
	// wake tells the supervisor the device left the up state.
	wake chan struct{}
	// now asks the supervisor for a reconnect attempt without waiting for
	// the backoff.
	now       chan struct{}
	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	// state is written under mu and read without it on the hot path.
	state atomic.Int32
	// conn is the current connection, nil while disconnected. It is
	// replaced under connMu and cleared (on failure) by CompareAndSwap.
	conn   atomic.Pointer[conn]
	connMu sync.Mutex
	// active is set by every good signature and cleared by the idle poll.
	active atomic.Bool

	mu struct {
		sync.Mutex
		lastErr error
		// known is the public key of the first successful connect.
		known   *ecdsa.PublicKey
		id      device.SignerIdentity
		attempt *attempt
		// failures counts the failures recorded (setFailed calls), so
		// that a probe that started before the latest one does not
		// bring the device back on older evidence.
		failures uint64
	}
}

// attempt is one reconnect-and-probe run of the supervisor; callers of
// Sign on a failed device wait for it together.
type attempt struct {
	done chan struct{}
	err  error // nil if the device is up afterwards; set before done closes
}

var _ device.Signer = (*Signer)(nil)

// Open starts a signer for the token and key cfg names and connects to it.
//
// Open fails only for configuration problems: an invalid cfg, a closed
// module, a key that is missing or ambiguous on a reachable token, or a
// stored certificate that does not match the key. An unreachable token
// gives a failed Signer (Health().State == device.StateFailed) that its
// supervisor keeps reconnecting; Identity then has only Name and Kind until
// the first connect. A refused PIN gives a failed Signer whose errors wrap
// device.ErrAuth and that never tries the PIN again.
func (m *Module) Open(cfg Config) (*Signer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Signer{
		m:    m,
		cfg:  cfg,
		log:  cfg.Log,
		reqs: make(chan *request),
		wake: make(chan struct{}, 1),
		now:  make(chan struct{}, 1),
		stop: make(chan struct{}),
	}
	s.reqPool.New = func() any { return &request{done: make(chan struct{}, 1)} }
	s.mu.id = device.SignerIdentity{Name: cfg.Name, Kind: "pkcs11"}
	s.state.Store(stateFailed)
	for i := range cfg.Sessions {
		w := &worker{s: s, idx: i}
		s.wg.Go(w.run)
	}
	if err := s.connectFirst(); err != nil {
		s.Close()
		return nil, err
	}
	s.wg.Go(s.supervise)
	// Registered last: Module.Close closes the signers it knows, and one
	// it closed halfway through Open would be left with a connection and
	// a supervisor started after its Close. A Module closed meanwhile
	// made the C calls above fail with ErrModuleClosed, or fails this.
	if err := m.register(s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// connectFirst makes the first connection and probes it. Only
// configuration problems are returned; device problems leave the signer
// failed for the supervisor.
func (s *Signer) connectFirst() error {
	s.connMu.Lock()
	err := s.replace(nil)
	s.connMu.Unlock()
	if err != nil {
		if configProblem(err) {
			return fmt.Errorf("cryptoki %s: %w", s.cfg.Name, err)
		}
		s.fail(nil, fmt.Errorf("connect: %w", err))
		return nil
	}
	s.probe()
	return nil
}

// configProblem reports errors that retrying cannot fix without an
// operator: Open returns them instead of a failed signer.
func configProblem(err error) bool {
	for _, target := range []error{ErrKeyNotFound, ErrAmbiguous, ErrCertificateMismatch, errKeyUnusable, ErrModuleClosed} {
		if errors.Is(err, target) {
			return true
		}
	}
	return isPKCS11(err) && classify(err) == classBug
}

// Sign signs a SHA-256 digest with the token's key and returns r‖s.
//
// On a failed device it does not fail fast: it asks the supervisor for an
// immediate reconnect attempt (shared with concurrent callers) and waits
// for it within ctx, because the POS's zero receipt must always try the
// device. Errors wrap device.ErrUnavailable (device gone; the supervisor
// reconnects), device.ErrAuth (PIN refused; never retried) or
// device.ErrTimeout (ctx ended first; when its deadline passed the device
// is suspect and probed). Any other error is a bug in the request or the
// module and leaves the device up.
func (s *Signer) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("cryptoki %s: digest must be %d bytes, got %d", s.cfg.Name, sha256.Size, len(digest))
	}
	select {
	case <-s.stop:
		return nil, s.closedErr()
	default:
	}
	if s.state.Load() != stateUp {
		if err := s.awaitRecovery(ctx); err != nil {
			return nil, err
		}
	}
	return s.submit(ctx, digest)
}

// awaitRecovery joins (or requests) the supervisor's next reconnect
// attempt and returns nil if the device is up after it.
func (s *Signer) awaitRecovery(ctx context.Context) error {
	s.mu.Lock()
	switch s.state.Load() {
	case stateUp:
		s.mu.Unlock()
		return nil
	case stateAuth:
		err := s.mu.lastErr
		s.mu.Unlock()
		return err
	}
	a := s.mu.attempt
	if a == nil {
		a = &attempt{done: make(chan struct{})}
		s.mu.attempt = a
		select {
		case s.now <- struct{}{}:
		default:
		}
	}
	last := s.lastErrLocked()
	s.mu.Unlock()
	select {
	case <-a.done:
		return a.err
	case <-ctx.Done():
		return fmt.Errorf("%w (gave up waiting for a reconnect: %w: %w)", last, device.ErrTimeout, context.Cause(ctx))
	case <-s.stop:
		return s.closedErr()
	}
}

// Identity describes the device. Before the first connect it has only
// Name and Kind.
func (s *Signer) Identity() device.SignerIdentity {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.mu.id
	id.CertificateDER = slices.Clone(id.CertificateDER)
	id.PublicKeyDER = slices.Clone(id.PublicKeyDER)
	return id
}

// PublicKey returns the key found at the first connect, nil before it.
func (s *Signer) PublicKey() *ecdsa.PublicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.known
}

// Health reports the device's state; it never blocks on the device.
// Busy over wall time is the share of the session pool in use.
func (s *Signer) Health() device.Health { return s.mon.Health() }

// Close stops the supervisor and the workers and closes the sessions. It
// waits for C calls in flight, so a call hanging in the library delays it.
// It is idempotent and always returns nil.
func (s *Signer) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.wg.Wait()
		if c := s.conn.Swap(nil); c != nil {
			s.dropConn(c)
		}
		s.m.forget(s)
	})
	return nil
}

func (s *Signer) closedErr() error {
	return fmt.Errorf("cryptoki %s: %w", s.cfg.Name, ErrClosed)
}

// accept checks a new connection's key against the known one; the first
// connection fixes it, along with the identity.
func (s *Signer) accept(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.known == nil {
		spki, err := x509.MarshalPKIXPublicKey(c.keys.pub)
		if err != nil {
			return fmt.Errorf("%w: %w", errKeyUnusable, err)
		}
		s.mu.known = c.keys.pub
		s.mu.id.PublicKeyDER = spki
		s.mu.id.CertificateDER = c.keys.certDER
		return nil
	}
	if !s.mu.known.Equal(c.keys.pub) {
		return fmt.Errorf("%w: token %s, key %s; put the original token back or provision the device again",
			ErrKeyMismatch, s.cfg.TokenSelector, s.cfg.KeySelector)
	}
	if !bytes.Equal(c.keys.certDER, s.mu.id.CertificateDER) {
		// Same key, another certificate (renewed or removed): receipts
		// keep naming the certificate the device started with.
		defer s.log.Warn("certificate on the token changed; keeping the one found at the first connect")
	}
	return nil
}

// fail records a device failure caused by cause (wrapping device.ErrAuth
// or device.ErrUnavailable by its class), drops c if it is still current
// and wakes the supervisor. It returns the wrapped error.
func (s *Signer) fail(c *conn, cause error) error {
	auth := isPKCS11(cause) && classify(cause) == classAuth
	sentinel := device.ErrUnavailable
	if auth {
		sentinel = device.ErrAuth
	}
	err := fmt.Errorf("cryptoki %s: %w: %w", s.cfg.Name, sentinel, cause)
	s.setFailed(err, auth)
	if c != nil && s.conn.CompareAndSwap(c, nil) {
		s.dropConn(c)
	}
	return err
}

// setFailed moves the device to failed (or auth-failed) and records err.
// A signature that took too long calls it directly: the sessions may be
// fine, so they are kept for the probe.
func (s *Signer) setFailed(err error, auth bool) {
	s.mu.Lock()
	prev, prevErr := s.state.Load(), s.mu.lastErr
	if prev == stateAuth {
		// Stay in the state that needs the operator.
		s.mu.Unlock()
		return
	}
	next := stateFailed
	if auth {
		next = stateAuth
	}
	s.state.Store(next)
	s.mu.lastErr = err
	s.mu.failures++
	s.mon.Failed(err, time.Now())
	s.mu.Unlock()

	switch {
	case auth:
		s.log.Error("token refused the PIN; not retrying, operator action needed", "err", err)
	case prev == stateUp:
		s.log.Warn("signature device failed", "err", err)
	case prevErr == nil || prevErr.Error() != err.Error():
		s.log.Warn("signature device still failed", "err", err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// failureCount returns how many failures have been recorded so far; a
// probe passes it to markUp.
func (s *Signer) failureCount() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.failures
}

// markUp records a verified probe that started when failureCount was
// failures: the device is up, unless a failure was recorded since. That
// failure (a call on another session that found the token gone, and
// dropped the connection) is newer than the probe's evidence, and marking
// the device up over it would leave it "up" without a connection, where
// nothing brings it back.
func (s *Signer) markUp(failures uint64) {
	s.mu.Lock()
	prev := s.state.Load()
	if prev == stateAuth || s.mu.failures != failures {
		s.mu.Unlock()
		return
	}
	s.state.Store(stateUp)
	s.mu.lastErr = nil
	s.mon.Succeeded(time.Now())
	s.mu.Unlock()
	if prev != stateUp {
		s.log.Info("signature device is up")
	}
}

// succeeded records a good signature. Only a verified probe brings a
// failed device back, so a signature that completes after a failure was
// recorded does not.
//
// It runs after every signature, so it keeps s.mu short; the lock is
// needed at all because the monitor's Succeeded also means "up", which
// must not overtake a concurrent setFailed.
func (s *Signer) succeeded() {
	now := time.Now()
	s.mu.Lock()
	if s.state.Load() == stateUp {
		s.mon.Succeeded(now)
	}
	s.mu.Unlock()
	if !s.active.Load() {
		s.active.Store(true)
	}
}

// notConnected is the error for a call that finds no connection. That
// happens on a failed device (fail drops the connection), whose last error
// it returns. Should the device be up all the same, it fails it, so that
// the caller, who saw a device error, learns of the recovery.
func (s *Signer) notConnected() error {
	s.mu.Lock()
	if s.state.Load() != stateUp {
		defer s.mu.Unlock()
		return s.lastErrLocked()
	}
	s.mu.Unlock()
	return s.fail(nil, errors.New("not connected"))
}

func (s *Signer) lastErrLocked() error {
	if s.mu.lastErr != nil {
		return s.mu.lastErr
	}
	return fmt.Errorf("cryptoki %s: %w: not connected", s.cfg.Name, device.ErrUnavailable)
}
