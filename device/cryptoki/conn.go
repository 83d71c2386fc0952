package cryptoki

import (
	"errors"
	"fmt"
	"sync"

	"github.com/miekg/pkcs11"
)

// session is one PKCS#11 session. PKCS#11 sessions are not thread-safe, so
// mu is held for the whole of every C call on h.
type session struct {
	mu     sync.Mutex
	h      pkcs11.SessionHandle
	closed bool
}

// conn is one connection to the token: what a connect found and opened.
// It never changes after dial returns; a reconnect makes a new one.
type conn struct {
	// epoch is the module epoch the handles belong to.
	epoch uint64
	slot  uint
	// anchor stays open as long as the connection: PKCS#11 logs the user
	// out when an application closes its last session on a token.
	anchor *session
	// sessions[i] belongs to worker i.
	sessions []*session
	keys     keyPair
	// mech is allocated once, not per signature.
	mech []*pkcs11.Mechanism
}

// errEpoch reports that the module was re-initialised since the
// connection was made; its handles are dead.
var errEpoch = errors.New("cryptoki: module re-initialised")

// errRebind reports that the worker's session was closed because its
// connection was replaced; the worker takes the new one.
var errRebind = errors.New("cryptoki: session replaced")

// errKeyUnusable marks keys the driver cannot sign receipts with.
var errKeyUnusable = errors.New("cryptoki: key is not a usable P-256 signing key")

// dial connects to the token: resolves its slot, opens the anchor session,
// logs in, finds the key pair and opens the pool's sessions. If the token
// cannot be found or answers "gone", it re-initialises the module once and
// looks again: SoftHSM only sees a restored token after that, and a
// re-inserted card may sit in a new slot.
func (s *Signer) dial() (*conn, error) {
	for rescanned := false; ; rescanned = true {
		epoch, err := s.m.enter()
		if err != nil {
			return nil, err
		}
		c, err := s.dialIn(epoch)
		s.m.leave()
		if err == nil || rescanned || !needsRescan(err) {
			return c, err
		}
		if err := s.m.reinit(epoch); err != nil {
			return nil, err
		}
	}
}

func needsRescan(err error) bool {
	var code pkcs11.Error
	if errors.As(err, &code) {
		k := classify(err)
		return k == classGone || k == classStale
	}
	return errors.Is(err, ErrTokenNotFound)
}

// dialIn does the work of dial; the caller holds the module's read lock.
func (s *Signer) dialIn(epoch uint64) (_ *conn, err error) {
	api := s.m.api
	slot, ti, err := resolveSlot(api, s.cfg.TokenSelector)
	if err != nil {
		return nil, err
	}
	c := &conn{
		epoch:    epoch,
		slot:     slot,
		sessions: make([]*session, 0, s.cfg.Sessions),
		mech:     []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)},
	}
	h, err := api.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, fmt.Errorf("open session on token %s: %w", s.cfg.TokenSelector, err)
	}
	c.anchor = &session{h: h}
	defer func() {
		if err != nil {
			closeAll(api, c)
		}
	}()
	// Tokens with a PIN pad or none at all do not need (or allow) a
	// login from here.
	if ti.Flags&pkcs11.CKF_LOGIN_REQUIRED != 0 {
		if err := login(api, h, s.cfg.PIN); err != nil {
			return nil, fmt.Errorf("log in to token %s: %w", s.cfg.TokenSelector, err)
		}
	}
	if c.keys, err = findKeyPair(api, h, s.cfg.KeySelector); err != nil {
		return nil, err
	}
	for range s.cfg.Sessions {
		h, err := api.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
		if err != nil {
			return nil, fmt.Errorf("open session on token %s: %w", s.cfg.TokenSelector, err)
		}
		c.sessions = append(c.sessions, &session{h: h})
	}
	return c, nil
}

// closeAll closes a connection nobody else has seen yet; the caller holds
// the module's read lock.
func closeAll(api API, c *conn) {
	for _, ss := range c.sessions {
		api.CloseSession(ss.h)
	}
	api.CloseSession(c.anchor.h)
}

// dropConn closes the sessions of a connection that is no longer current.
// A session a worker is still using (a call that hangs) is left to that
// worker, which closes it when the call returns.
func (s *Signer) dropConn(c *conn) {
	for _, ss := range c.sessions {
		if ss.mu.TryLock() {
			s.closeSessionLocked(c, ss)
			ss.mu.Unlock()
		}
	}
	// Last, so the user stays logged in while the others close.
	c.anchor.mu.Lock()
	s.closeSessionLocked(c, c.anchor)
	c.anchor.mu.Unlock()
}

// closeSessionLocked closes ss, whose mu the caller holds. Handles of an
// older epoch are not closed: the library already dropped them and may
// have given the same number to a new session of another signer.
func (s *Signer) closeSessionLocked(c *conn, ss *session) {
	if ss.closed {
		return
	}
	ss.closed = true
	epoch, err := s.m.enter()
	if err != nil {
		return
	}
	defer s.m.leave()
	if epoch == c.epoch {
		// An error here means the session is gone with the token,
		// which is what we wanted.
		s.m.api.CloseSession(ss.h)
	}
}

// reconnect makes sure the signer has a connection of the module's current
// epoch, dialling a new one if needed.
func (s *Signer) reconnect() error {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	old := s.conn.Load()
	if old != nil && old.epoch == s.m.epoch.Load() {
		return nil
	}
	return s.replace(old)
}

// refresh replaces c, whose handles went stale or whose module was
// re-initialised, without failing the device; if the token cannot be
// reached the device fails. Concurrent callers with the same c cause one
// reconnect.
func (s *Signer) refresh(c *conn) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conn.Load() != c {
		return
	}
	if err := s.replace(c); err != nil {
		s.fail(c, fmt.Errorf("reconnect: %w", err))
	}
}

// replace dials a new connection and installs it; the caller holds connMu.
func (s *Signer) replace(old *conn) error {
	nc, err := s.dial()
	if err != nil {
		return err
	}
	if err := s.accept(nc); err != nil {
		s.dropConn(nc)
		return err
	}
	// Swap, not CompareAndSwap: a failure may have cleared old meanwhile,
	// and the fresh connection is still the best one to probe.
	if prev := s.conn.Swap(nc); prev != nil {
		s.dropConn(prev)
	}
	return nil
}
