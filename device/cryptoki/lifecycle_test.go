package cryptoki_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
)

// TestWrongPINThenCloseBoth is fiscalctl's sequence with a wrong PIN:
// Load, Open (a failed signer), Signer.Close, Module.Close. It once
// deadlocked in Module.Close; both orders of the two Closes must return.
func TestWrongPINThenCloseBoth(t *testing.T) {
	path := softhsm.Module(t)
	softhsm.Env(t)
	checkGoroutines(t)
	for _, signerFirst := range []bool{true, false} {
		m, err := cryptoki.Load(path, cryptoki.ModuleOptions{Log: testLog(t)})
		if err != nil {
			t.Fatal(err)
		}
		tok := softhsm.ProvisionWith(t, m, "ctl", "rksv-sig", "1234")
		finishes(t, 20*time.Second, "Open with a wrong PIN, then Close both", func() {
			s, err := m.Open(cryptoki.Config{
				Name:          "fiscalctl",
				TokenSelector: cryptoki.TokenSelector{TokenLabel: tok.Label},
				KeySelector:   cryptoki.KeySelector{KeyLabel: tok.KeyLabel},
				PIN:           "9999",
				Sessions:      1,
				Log:           testLog(t),
			})
			if err != nil {
				t.Errorf("Open with a wrong PIN = %v, want a failed signer", err)
				m.Close()
				return
			}
			if h := s.Health(); h.State != device.StateFailed || !errors.Is(h.LastError, device.ErrAuth) {
				t.Errorf("Health = %v, %v; want failed with ErrAuth", h.State, h.LastError)
			}
			if signerFirst {
				s.Close()
				m.Close()
			} else {
				m.Close()
				s.Close()
			}
		})
	}
}

// TestOpenRacingModuleClose: a Module closed while Open is connecting
// makes Open fail; it must not hand out a signer that was closed under it.
func TestOpenRacingModuleClose(t *testing.T) {
	r := newRig(t)
	login := r.f.hangNextLogin()
	type opened struct {
		s   *cryptoki.Signer
		err error
	}
	openc := make(chan opened, 1)
	go func() {
		s, err := r.m.Open(r.config(t, "at-1"))
		openc <- opened{s, err}
	}()
	<-login.started
	closec := make(chan error, 1)
	go func() { closec <- r.m.Close() }()
	// Module.Close waits for the login in flight; give it time to close
	// what it can before the login returns.
	time.Sleep(100 * time.Millisecond)
	close(login.release)

	var res opened
	finishes(t, 10*time.Second, "Open", func() { res = <-openc })
	finishes(t, 10*time.Second, "Module.Close", func() {
		if err := <-closec; err != nil {
			t.Errorf("Module.Close = %v", err)
		}
	})
	if res.err == nil {
		res.s.Close()
		t.Fatal("Open succeeded on a module closed while it was connecting")
	}
	if !errors.Is(res.err, cryptoki.ErrModuleClosed) {
		t.Fatalf("Open = %v, want ErrModuleClosed", res.err)
	}
}

// TestCloseDuringHangingSign: Close waits for a C call in flight (PKCS#11
// calls cannot be interrupted), refuses new signatures at once, and
// returns when the call does, as does Module.Close.
func TestCloseDuringHangingSign(t *testing.T) {
	for _, module := range []bool{false, true} {
		r := newRig(t)
		cfg := r.config(t, "at-1")
		cfg.Sessions = 1
		s := r.open(t, cfg)
		h := r.f.hangNextSign()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		_, err := s.Sign(ctx, digestOf("stuck"))
		cancel()
		if !errors.Is(err, device.ErrTimeout) {
			t.Fatalf("Sign = %v, want ErrTimeout", err)
		}

		closed := make(chan struct{})
		go func() {
			defer close(closed)
			if module {
				r.m.Close()
			} else {
				s.Close()
			}
		}()
		select {
		case <-closed:
			t.Fatal("Close returned while a C call was in flight")
		case <-time.After(100 * time.Millisecond):
		}
		finishes(t, time.Second, "Sign during Close", func() {
			if _, err := s.Sign(bounded(t), digestOf("during close")); !errors.Is(err, cryptoki.ErrClosed) {
				t.Errorf("Sign during Close = %v, want ErrClosed", err)
			}
		})
		close(h.release)
		finishes(t, 10*time.Second, "Close after the call returned", func() { <-closed })
	}
}

// TestCloseWhileReconnecting: Close while the supervisor is inside a
// reconnect waits for its C call, releases a caller waiting for that
// reconnect at once, and returns when the call does.
func TestCloseWhileReconnecting(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	login := r.f.hangNextLogin()
	r.f.failSign(pkcs11.CKR_DEVICE_REMOVED, 1)
	if _, err := s.Sign(bounded(t), digestOf("receipt")); !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign = %v, want ErrUnavailable", err)
	}
	<-login.started // the supervisor is reconnecting
	waiting := make(chan error, 1)
	go func() {
		_, err := s.Sign(bounded(t), digestOf("zero receipt"))
		waiting <- err
	}()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		r.m.Close()
	}()
	finishes(t, time.Second, "a Sign waiting for the reconnect during Close", func() {
		if err := <-waiting; !errors.Is(err, cryptoki.ErrClosed) {
			t.Errorf("Sign waiting for the reconnect = %v, want ErrClosed", err)
		}
	})
	select {
	case <-closed:
		t.Fatal("Close returned while the reconnect's C call was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(login.release)
	finishes(t, 10*time.Second, "Close after the reconnect's call returned", func() { <-closed })
}

// TestSignRacingClose: callers signing while the module (and with it the
// signer) closes get signatures or ErrClosed, never hang, and leave no
// goroutine behind (newRig checks).
func TestSignRacingClose(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	cfg.Sessions = 4
	s := r.open(t, cfg)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				_, err := s.Sign(bounded(t), digestOf("receipt"))
				if errors.Is(err, cryptoki.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("caller %d, receipt %d: Sign = %v, want a signature or ErrClosed", g, i, err)
					return
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	finishes(t, 10*time.Second, "Module.Close under load", func() {
		r.m.Close()
		wg.Wait()
	})
}

// TestProbeDoesNotOutvoteANewerFailure: a probe's good signature must not
// bring the device back over a failure recorded while the probe ran. Here
// a receipt hung in the device past its deadline (device suspect); the
// supervisor's probe signs on the other session, but before its result
// arrives the hung call comes back with "device removed", which drops the
// connection. Marking the device up then would leave it up without a
// connection: every Sign would fail with "not connected" and no state
// change would ever tell the fiscal core.
func TestProbeDoesNotOutvoteANewerFailure(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	cfg.Deadline = 10 * time.Second // the probe waits for its held result
	cfg.PollInterval = time.Hour
	s := r.open(t, cfg)

	stuck := r.f.hangNextSign()
	probe := r.f.holdNextSign()
	t.Cleanup(func() {
		for _, h := range []*hang{stuck, probe} {
			select {
			case <-h.release:
			default:
				close(h.release)
			}
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	_, err := s.Sign(ctx, digestOf("stuck receipt"))
	cancel()
	if !errors.Is(err, device.ErrTimeout) {
		t.Fatalf("Sign = %v, want ErrTimeout", err)
	}
	select {
	case <-probe.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the supervisor did not probe the suspect device")
	}
	failures := s.Health().Failures
	r.f.failSign(pkcs11.CKR_DEVICE_REMOVED, 1)
	close(stuck.release)
	for deadline := time.Now().Add(10 * time.Second); s.Health().Failures == failures; {
		if time.Now().After(deadline) {
			t.Fatal("the hung call's device error was not recorded")
		}
		time.Sleep(time.Millisecond)
	}
	close(probe.release)

	waitState(t, s, device.StateUp, 20*time.Second)
	mustSign(t, s, r.tok.Public, "after the outage")
}

// TestDeadlineBeforeTheCallFailsTheDevice: a caller whose deadline passed
// before a worker reached its request gets ErrTimeout and a suspect
// device, like one whose deadline passes during the call, never a bare
// context error on a device that stays up: the fiscal core puts the
// register into failed mode and waits for a state change to recover.
func TestDeadlineBeforeTheCallFailsTheDevice(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	for i := range 100 {
		h := waitState(t, s, device.StateUp, 20*time.Second)
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Millisecond))
		_, err := s.Sign(ctx, digestOf("late"))
		cancel()
		if !errors.Is(err, device.ErrTimeout) {
			t.Fatalf("call %d: Sign with a passed deadline = %v, want ErrTimeout", i, err)
		}
		if !changed(h) {
			t.Fatalf("call %d: Sign with a passed deadline left the device %v", i, s.Health().State)
		}
	}
}

// TestPINRefusedOnReconnectIsNotRetried: a token that refuses the PIN
// when the driver reconnects after a failure (the PIN was changed) puts
// the device into the auth state, and nothing tries the PIN again.
func TestPINRefusedOnReconnectIsNotRetried(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	s := r.open(t, cfg)
	r.f.failLogin(pkcs11.CKR_PIN_INCORRECT, -1)
	logins := r.f.logins.Load()
	r.f.failSign(pkcs11.CKR_DEVICE_REMOVED, 1)
	if _, err := s.Sign(bounded(t), digestOf("receipt")); !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign = %v, want ErrUnavailable", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !errors.Is(s.Health().LastError, device.ErrAuth) {
		if time.Now().After(deadline) {
			t.Fatalf("Health = %v, %v; want failed with ErrAuth", s.Health().State, s.Health().LastError)
		}
		time.Sleep(5 * time.Millisecond)
	}
	pinTriedOnce(t, r, s, cfg, logins)
}

// TestTokenReturnsWhileAnotherStaysAbsent: two signers share the module;
// both tokens are pulled, one comes back. The one that returned must be up
// again without help, and stay usable while the other signer keeps
// re-initialising the module looking for its token.
func TestTokenReturnsWhileAnotherStaysAbsent(t *testing.T) {
	r := newRig(t)
	before := tokenDirs(t, r)
	tok2 := provisionAnother(t, r, "second")
	dir2 := newTokenDir(t, r, before)
	dir1 := newTokenDir(t, r, map[string]bool{dir2: true})

	a := r.open(t, r.config(t, "a"))
	cfgB := r.config(t, "b")
	cfgB.TokenLabel = tok2.Label
	b := r.open(t, cfgB)
	mustSign(t, a, r.tok.Public, "a before")
	mustSign(t, b, tok2.Public, "b before")

	away := t.TempDir()
	away1, away2 := filepath.Join(away, "1"), filepath.Join(away, "2")
	for _, mv := range [][2]string{{dir1, away1}, {dir2, away2}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, a, device.StateFailed, 20*time.Second)
	hb := waitState(t, b, device.StateFailed, 20*time.Second)

	if err := os.Rename(away2, dir2); err != nil {
		t.Fatal(err)
	}
	waitState(t, b, device.StateUp, 20*time.Second)
	if !changed(hb) {
		t.Fatal("b came back without closing Health().Changed")
	}
	// a keeps looking for its token meanwhile; b must sign throughout.
	for i := range 50 {
		mustSign(t, b, tok2.Public, "b after "+string(rune('a'+i%26)))
		time.Sleep(10 * time.Millisecond)
	}
	if st := b.Health().State; st != device.StateUp {
		t.Fatalf("b is %v while a looks for its token, want up", st)
	}
	if st := a.Health().State; st != device.StateFailed {
		t.Fatalf("a is %v without its token, want failed", st)
	}

	if err := os.Rename(away1, dir1); err != nil {
		t.Fatal(err)
	}
	waitState(t, a, device.StateUp, 20*time.Second)
	mustSign(t, a, r.tok.Public, "a after")
	mustSign(t, b, tok2.Public, "b at the end")
}
