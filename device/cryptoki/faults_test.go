package cryptoki_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device"
)

func TestFaultDeviceRemoved(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	up := s.Health()

	r.f.failSign(pkcs11.CKR_DEVICE_REMOVED, -1)
	_, err := s.Sign(bounded(t), digestOf("receipt"))
	var code pkcs11.Error
	if !errors.Is(err, device.ErrUnavailable) || !errors.As(err, &code) || code != pkcs11.CKR_DEVICE_REMOVED {
		t.Fatalf("Sign = %v, want ErrUnavailable wrapping CKR_DEVICE_REMOVED", err)
	}
	if !changed(up) || s.Health().State != device.StateFailed {
		t.Fatalf("Health = %v, want failed", s.Health().State)
	}

	r.f.clear()
	waitState(t, s, device.StateUp, 20*time.Second)
	mustSign(t, s, r.tok.Public, "after the fault")
}

func TestFaultStaleSessionIsRetriedOnce(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	up := s.Health()
	logins := r.f.logins.Load()

	r.f.failSign(pkcs11.CKR_SESSION_HANDLE_INVALID, 1)
	mustSign(t, s, r.tok.Public, "receipt")
	if changed(up) {
		t.Fatalf("a stale session changed the device state (now %v, %v)", s.Health().State, s.Health().LastError)
	}
	if n := r.f.logins.Load() - logins; n != 1 {
		t.Fatalf("reopening logged in %d times, want once", n)
	}
}

func TestFaultStaleSessionTwiceFails(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	up := s.Health()

	r.f.failSign(pkcs11.CKR_SESSION_HANDLE_INVALID, 2)
	_, err := s.Sign(bounded(t), digestOf("receipt"))
	if !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign = %v, want ErrUnavailable", err)
	}
	if !changed(up) {
		t.Fatal("two stale sessions in a row did not fail the device")
	}
	waitState(t, s, device.StateUp, 20*time.Second)
	mustSign(t, s, r.tok.Public, "after the fault")
}

func TestFaultHangingSign(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	// One session: nothing but the hung call can answer the probes, so
	// the device stays failed until the call returns.
	cfg.Sessions = 1
	cfg.Deadline = 300 * time.Millisecond
	s := r.open(t, cfg)

	h := r.f.hangNextSign()
	released := false
	release := func() {
		if !released {
			released = true
			close(h.release)
		}
	}
	t.Cleanup(release) // before Close, which waits for the call

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := s.Sign(ctx, digestOf("receipt"))
	if !errors.Is(err, device.ErrTimeout) {
		t.Fatalf("Sign = %v, want ErrTimeout", err)
	}
	select {
	case <-h.started:
	default:
		t.Fatal("the signature never reached the device")
	}
	if h.active.Load() != 1 {
		t.Fatal("Sign returned only after the hung call did")
	}
	if hl := s.Health(); hl.State != device.StateFailed || !errors.Is(hl.LastError, device.ErrTimeout) {
		t.Fatalf("Health = %v, %v; want failed (suspect) with ErrTimeout", hl.State, hl.LastError)
	}

	release()
	waitState(t, s, device.StateUp, 20*time.Second)
	mustSign(t, s, r.tok.Public, "after the hang")
}

func TestFaultProgrammingErrorDoesNotFail(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	up := s.Health()

	r.f.failSignInit(pkcs11.CKR_MECHANISM_INVALID, 1)
	_, err := s.Sign(bounded(t), digestOf("receipt"))
	var code pkcs11.Error
	if !errors.As(err, &code) || code != pkcs11.CKR_MECHANISM_INVALID {
		t.Fatalf("Sign = %v, want CKR_MECHANISM_INVALID", err)
	}
	if errors.Is(err, device.ErrUnavailable) || errors.Is(err, device.ErrAuth) || errors.Is(err, device.ErrTimeout) {
		t.Fatalf("a programming error was reported as a device condition: %v", err)
	}
	if changed(up) {
		t.Fatal("a programming error changed the device state")
	}
	mustSign(t, s, r.tok.Public, "next receipt")
}

func TestSignWhileFailedTriesTheDevice(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	// A backoff far longer than the test: only Sign's own request can
	// bring the device back.
	cfg.MinBackoff, cfg.MaxBackoff = time.Hour, time.Hour
	s := r.open(t, cfg)

	r.f.failSign(pkcs11.CKR_DEVICE_REMOVED, 1)
	if _, err := s.Sign(bounded(t), digestOf("receipt")); !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign = %v, want ErrUnavailable", err)
	}
	// Concurrent zero receipts share one reconnect attempt: one login.
	logins := r.f.logins.Load()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			d := digestOf(fmt.Sprintf("zero receipt %d", i))
			sig, err := s.Sign(ctx, d)
			if err != nil {
				t.Errorf("zero receipt %d on a device that came back: %v", i, err)
				return
			}
			if !verifies(r.tok.Public, d, sig) {
				t.Errorf("zero receipt %d: signature does not verify", i)
			}
		})
	}
	wg.Wait()
	if st := s.Health().State; st != device.StateUp {
		t.Fatalf("Health = %v after the zero receipts' reconnect, want up", st)
	}
	if n := r.f.logins.Load() - logins; n != 1 {
		t.Fatalf("%d reconnects (logins) for 8 concurrent callers, want 1", n)
	}
}
