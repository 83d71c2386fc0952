package cryptoki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"log/slog"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
)

// rig is one test's SoftHSM environment: a private token directory, the
// module loaded through a fault injector, and a provisioned token.
type rig struct {
	m        *cryptoki.Module
	f        *faultAPI
	tok      softhsm.Token
	tokenDir string
}

func newRig(t testing.TB) *rig {
	t.Helper()
	path := softhsm.Module(t)
	_, tokenDir := softhsm.Env(t)
	checkGoroutines(t)
	f := &faultAPI{}
	m, err := cryptoki.Load(path, cryptoki.ModuleOptions{Wrap: f.wrap, Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Module.Close: %v", err)
		}
	})
	tok := softhsm.ProvisionWith(t, m, "fiscald-test", "rksv-sig", "1234")
	return &rig{m: m, f: f, tok: tok, tokenDir: tokenDir}
}

// config is the token's signer config with test-sized timings.
func (r *rig) config(t testing.TB, name string) cryptoki.Config {
	cfg := r.tok.Config(name)
	cfg.Sessions = 2
	cfg.Deadline = time.Second
	cfg.MinBackoff = 10 * time.Millisecond
	cfg.MaxBackoff = 100 * time.Millisecond
	cfg.PollInterval = 50 * time.Millisecond
	cfg.Log = testLog(t)
	return cfg
}

func (r *rig) open(t testing.TB, cfg cryptoki.Config) *cryptoki.Signer {
	t.Helper()
	s, err := r.m.Open(cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", cfg.Name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// checkGoroutines fails the test if goroutines started during it are still
// running after its cleanups (registered later, so run earlier) finished.
func checkGoroutines(t testing.TB) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("goroutine leak: %d running, %d before the test\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// waitState waits until s reports want, failing the test after within.
func waitState(t testing.TB, s *cryptoki.Signer, want device.State, within time.Duration) device.Health {
	t.Helper()
	timeout := time.After(within)
	for {
		h := s.Health()
		if h.State == want {
			return h
		}
		select {
		case <-h.Changed:
		case <-timeout:
			t.Fatalf("device still %v after %v (last error %v), want %v", h.State, within, h.LastError, want)
		}
	}
}

// changed reports whether the state changed since h was taken.
func changed(h device.Health) bool {
	select {
	case <-h.Changed:
		return true
	default:
		return false
	}
}

func digestOf(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

func verify(t testing.TB, pub *ecdsa.PublicKey, digest, sig []byte) {
	t.Helper()
	if len(sig) != 64 {
		t.Fatalf("signature has %d bytes, want 64", len(sig))
	}
	if !ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("signature does not verify against the token's public key")
	}
}

func mustSign(t testing.TB, s *cryptoki.Signer, pub *ecdsa.PublicKey, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d := digestOf(msg)
	sig, err := s.Sign(ctx, d)
	if err != nil {
		t.Fatalf("Sign(%q): %v", msg, err)
	}
	verify(t, pub, d, sig)
}

// faultAPI wraps the real module: it counts logins, returns chosen CKR
// codes from SignInit and Sign, and can hang Sign (before or after the
// real call) or Login until released. The production driver runs on top
// unchanged.
type faultAPI struct {
	cryptoki.API
	logins atomic.Int32
	// armed keeps the unfaulted path free of the mutex.
	armed atomic.Bool

	mu         sync.Mutex
	initFault  fault
	signFault  fault
	loginFault fault
	hang       *hang // before the real Sign
	holdAfter  *hang // after the real Sign and its fault
	loginHang  *hang
}

type fault struct {
	code pkcs11.Error
	n    int // calls left to fail; negative: until cleared
}

type hang struct {
	started chan struct{}
	release chan struct{}
	active  atomic.Int32
}

func (f *faultAPI) wrap(api cryptoki.API) cryptoki.API {
	f.API = api
	return f
}

// failSignInit makes the next n SignInit calls return code (n < 0: all).
func (f *faultAPI) failSignInit(code uint, n int) {
	f.mu.Lock()
	f.initFault = fault{pkcs11.Error(code), n}
	f.armed.Store(true)
	f.mu.Unlock()
}

// failSign makes the next n Sign calls return code (n < 0: all).
func (f *faultAPI) failSign(code uint, n int) {
	f.mu.Lock()
	f.signFault = fault{pkcs11.Error(code), n}
	f.armed.Store(true)
	f.mu.Unlock()
}

// failLogin makes the next n user logins return code (n < 0: all).
func (f *faultAPI) failLogin(code uint, n int) {
	f.mu.Lock()
	f.loginFault = fault{pkcs11.Error(code), n}
	f.armed.Store(true)
	f.mu.Unlock()
}

func (f *faultAPI) clear() {
	f.mu.Lock()
	f.initFault, f.signFault, f.loginFault = fault{}, fault{}, fault{}
	f.mu.Unlock()
}

// hangNextSign makes the next Sign block until release is closed.
func (f *faultAPI) hangNextSign() *hang { return f.arm(&f.hang) }

// holdNextSign makes the next Sign make its signature (or take its
// fault) and then block until release is closed: a result that reaches
// the driver late.
func (f *faultAPI) holdNextSign() *hang { return f.arm(&f.holdAfter) }

// hangNextLogin makes the next Login block until release is closed.
func (f *faultAPI) hangNextLogin() *hang { return f.arm(&f.loginHang) }

func (f *faultAPI) arm(slot **hang) *hang {
	h := &hang{started: make(chan struct{}), release: make(chan struct{})}
	f.mu.Lock()
	*slot = h
	f.armed.Store(true)
	f.mu.Unlock()
	return h
}

// wait blocks in h if it is armed.
func (h *hang) wait() {
	if h == nil {
		return
	}
	h.active.Add(1)
	close(h.started)
	<-h.release
	h.active.Add(-1)
}

func (f *faultAPI) take(which *fault) error {
	if !f.armed.Load() {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if which.n == 0 {
		return nil
	}
	if which.n > 0 {
		which.n--
	}
	return which.code
}

func (f *faultAPI) takeHang(slot **hang) *hang {
	if !f.armed.Load() {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	h := *slot
	*slot = nil
	return h
}

func (f *faultAPI) Login(sh pkcs11.SessionHandle, userType uint, pin string) error {
	if userType == pkcs11.CKU_USER {
		f.logins.Add(1)
		f.takeHang(&f.loginHang).wait()
		if err := f.take(&f.loginFault); err != nil {
			return err
		}
	}
	return f.API.Login(sh, userType, pin)
}

func (f *faultAPI) SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	if err := f.take(&f.initFault); err != nil {
		return err
	}
	return f.API.SignInit(sh, m, o)
}

// Sign always runs the real Sign, so the session's operation ends as it
// would when a device fails mid-call; a fault replaces the result.
func (f *faultAPI) Sign(sh pkcs11.SessionHandle, msg []byte) ([]byte, error) {
	f.takeHang(&f.hang).wait()
	sig, err := f.API.Sign(sh, msg)
	if ferr := f.take(&f.signFault); ferr != nil {
		sig, err = nil, ferr
	}
	f.takeHang(&f.holdAfter).wait()
	return sig, err
}

func verifies(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	return len(sig) == 64 && ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// provisionAnother makes another token with the rig's key label and PIN.
func provisionAnother(t testing.TB, r *rig, label string) softhsm.Token {
	t.Helper()
	return softhsm.ProvisionWith(t, r.m, label, r.tok.KeyLabel, r.tok.PIN)
}

// finishes runs fn in a goroutine and fails the test, with every
// goroutine's stack, if it has not returned within d: a deadlock detector
// that reports instead of hanging the test binary.
func finishes(t testing.TB, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		t.Fatalf("%s did not return within %v (deadlock?)\n%s", what, d, buf[:runtime.Stack(buf, true)])
	}
}

// bounded is the test's context with a deadline no healthy call comes near,
// so that a hang fails the test instead of stalling it.
func bounded(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// pinTriedOnce checks that a signer whose PIN was refused answers ErrAuth
// and never offers the PIN again: logins is the login count before the
// refused one. Absence of retries can only be shown by giving them time
// to happen, so it waits many backoff periods.
func pinTriedOnce(t *testing.T, r *rig, s *cryptoki.Signer, cfg cryptoki.Config, logins int32) {
	t.Helper()
	for range 3 {
		if _, err := s.Sign(bounded(t), digestOf("r")); !errors.Is(err, device.ErrAuth) {
			t.Fatalf("Sign = %v, want ErrAuth", err)
		}
	}
	time.Sleep(20 * cfg.MaxBackoff)
	if n := r.f.logins.Load() - logins; n != 1 {
		t.Fatalf("the refused PIN was tried %d times, want exactly once", n)
	}
}
