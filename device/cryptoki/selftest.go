package cryptoki

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/pkcs11"
)

// SelfTest signs a fixed digest through s and verifies the signature
// against the device's known public key, as `fiscalctl device pkcs11
// selftest` does. latency is the time Sign took.
func SelfTest(ctx context.Context, s *Signer) (latency time.Duration, err error) {
	digest := sha256.Sum256([]byte("fiscald cryptoki self test"))
	start := time.Now()
	sig, err := s.Sign(ctx, digest[:])
	latency = time.Since(start)
	if err != nil {
		return latency, err
	}
	if !verifyRS(s.PublicKey(), digest[:], sig) {
		return latency, fmt.Errorf("cryptoki %s: self test: signature does not verify against the device's public key", s.cfg.Name)
	}
	return latency, nil
}

// RawSignRate measures the module's own signing rate: sessions goroutines,
// each looping SignInit+Sign on its own session for d (or until ctx ends),
// with none of the driver in between. Benchmarks compare fiscald's receipt
// rate with it. It holds the module's read lock throughout, so a
// re-initialisation waits until it is done.
func RawSignRate(ctx context.Context, m *Module, token TokenSelector, key KeySelector, pin string, sessions int, d time.Duration) (perSecond float64, err error) {
	if sessions < 1 || d <= 0 {
		return 0, errors.New("cryptoki: raw sign rate: need at least one session and a positive duration")
	}
	if err := key.Validate(); err != nil {
		return 0, err
	}
	if err := token.Validate(); err != nil {
		return 0, err
	}
	if _, err := m.enter(); err != nil {
		return 0, err
	}
	defer m.leave()
	// One session more than the signing ones: it holds the login.
	handles, priv, err := openLoggedIn(m.api, token, key, pin, sessions+1)
	defer func() {
		for _, h := range handles {
			m.api.CloseSession(h)
		}
	}()
	if err != nil {
		return 0, fmt.Errorf("cryptoki: raw sign rate: %w", err)
	}
	rate, err := measureSignRate(ctx, m.api, handles[1:], priv, d)
	if err != nil {
		return 0, fmt.Errorf("cryptoki: raw sign rate: %w", err)
	}
	return rate, nil
}

// openLoggedIn opens n sessions on the token, logs in on the first and
// finds the private key. It returns the sessions it opened even with an
// error; the caller closes them.
func openLoggedIn(api API, token TokenSelector, key KeySelector, pin string, n int) ([]pkcs11.SessionHandle, pkcs11.ObjectHandle, error) {
	slot, _, err := resolveSlot(api, token)
	if err != nil {
		return nil, 0, err
	}
	handles := make([]pkcs11.SessionHandle, 0, n)
	for range n {
		h, err := api.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
		if err != nil {
			return handles, 0, fmt.Errorf("open session: %w", err)
		}
		handles = append(handles, h)
	}
	if err := login(api, handles[0], pin); err != nil {
		return handles, 0, fmt.Errorf("log in: %w", authErr(err))
	}
	priv, _, _, err := findPrivateKey(api, handles[0], key)
	return handles, priv, err
}

// measureSignRate runs one signing loop per session for d and returns the
// signatures per second of all of them together.
func measureSignRate(ctx context.Context, api API, handles []pkcs11.SessionHandle, priv pkcs11.ObjectHandle, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		total    atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	digest := sha256.Sum256([]byte("fiscald raw sign rate"))
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	start := time.Now()
	for _, h := range handles {
		wg.Go(func() {
			n, err := signLoop(ctx, api, h, mech, priv, digest[:])
			total.Add(n)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
				cancel()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(total.Load()) / time.Since(start).Seconds(), nil
}

func signLoop(ctx context.Context, api API, h pkcs11.SessionHandle, mech []*pkcs11.Mechanism, key pkcs11.ObjectHandle, digest []byte) (int64, error) {
	var n int64
	done := ctx.Done()
	for {
		select {
		case <-done:
			return n, nil
		default:
		}
		if err := api.SignInit(h, mech, key); err != nil {
			return n, err
		}
		if _, err := api.Sign(h, digest); err != nil {
			return n, err
		}
		n++
	}
}
