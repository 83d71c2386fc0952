package cryptoki

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/fiscald/fiscald/device"
)

// probeMessage is hashed for the health-check signature: a fixed digest
// that can never be mistaken for a receipt's JWS signing input.
const probeMessage = "fiscald signature device health check"

// supervise is the signer's one supervisor goroutine. While the device is
// up and idle it polls the token info; while it is failed it reconnects
// with jittered exponential backoff and probes; an auth failure it leaves
// alone.
func (s *Signer) supervise() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var backoff time.Duration
	for {
		switch s.state.Load() {
		case stateUp:
			backoff = 0
			timer.Reset(s.cfg.PollInterval)
			select {
			case <-s.stop:
				return
			case <-s.wake:
			case <-s.now:
				// A caller saw the device failed before this loop
				// did: it wants an attempt, not the old news.
				if s.state.Load() == stateFailed {
					s.attemptRecovery()
				} else {
					s.settleAttempt()
				}
			case <-timer.C:
				s.poll()
			}
		case stateAuth:
			select {
			case <-s.stop:
				return
			case <-s.wake:
			case <-s.now:
				s.settleAttempt()
			}
		default:
			backoff = nextBackoff(backoff, s.cfg.MinBackoff, s.cfg.MaxBackoff)
			timer.Reset(jitter(backoff))
			select {
			case <-s.stop:
				return
			case <-s.now:
			case <-timer.C:
			}
			s.attemptRecovery()
		}
	}
}

// nextBackoff doubles prev within [lo, hi].
func nextBackoff(prev, lo, hi time.Duration) time.Duration {
	return max(lo, min(2*prev, hi))
}

// jitter spreads d over [d/2, d], so signers that failed together (one
// card reader, one HSM) do not reconnect in lockstep.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// attemptRecovery runs one reconnect-and-probe attempt and reports its outcome to
// the callers of Sign waiting for it.
func (s *Signer) attemptRecovery() {
	s.mu.Lock()
	if s.mu.attempt == nil {
		s.mu.attempt = &attempt{done: make(chan struct{})}
	}
	s.mu.Unlock()
	// This attempt serves any request made so far.
	select {
	case <-s.now:
	default:
	}
	if err := s.reconnect(); err != nil {
		s.fail(nil, fmt.Errorf("reconnect: %w", err))
	} else {
		s.probe()
	}
	s.settleAttempt()
}

// settleAttempt ends the pending attempt, if any, with the device's state.
func (s *Signer) settleAttempt() {
	s.mu.Lock()
	a := s.mu.attempt
	s.mu.attempt = nil
	if a != nil && s.state.Load() != stateUp {
		a.err = s.lastErrLocked()
	}
	s.mu.Unlock()
	if a != nil {
		close(a.done)
	}
}

// probe signs the health-check digest through the pool and verifies it
// against the known public key; only that marks the device up.
func (s *Signer) probe() {
	failures := s.failureCount()
	digest := sha256.Sum256([]byte(probeMessage))
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Deadline)
	defer cancel()
	sig, err := s.submit(ctx, digest[:])
	if err != nil {
		// Device errors and timeouts were recorded where they happened.
		recorded := errors.Is(err, device.ErrUnavailable) || errors.Is(err, device.ErrAuth) ||
			errors.Is(err, device.ErrTimeout) || errors.Is(err, ErrClosed)
		if !recorded {
			s.fail(s.conn.Load(), fmt.Errorf("health-check signature: %w", err))
		}
		return
	}
	if !verifyRS(s.PublicKey(), digest[:], sig) {
		s.fail(s.conn.Load(), errors.New("health-check signature does not verify against the known public key"))
		return
	}
	s.markUp(failures)
}

// verifyRS checks a raw r‖s signature.
func verifyRS(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	if pub == nil || len(sig) != 64 {
		return false
	}
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest, r, sv)
}

// poll asks an idle device for its token info, so that a removal is
// noticed before the next receipt runs into it. Signatures flowing since
// the last poll make it unnecessary: they would have seen the failure.
func (s *Signer) poll() {
	if s.active.Swap(false) {
		return
	}
	c := s.conn.Load()
	if c == nil {
		return
	}
	epoch, err := s.m.enter()
	if err != nil {
		return
	}
	if epoch != c.epoch {
		s.m.leave()
		s.refresh(c)
		return
	}
	ti, err := s.m.api.GetTokenInfo(c.slot)
	s.m.leave()
	switch {
	case err != nil && classify(err) != classBug:
		s.fail(c, fmt.Errorf("token info: %w", err))
	case err != nil:
		s.log.Warn("token info poll failed", "err", err)
	case !s.cfg.TokenSelector.matches(ti.Label, ti.SerialNumber):
		s.fail(c, fmt.Errorf("%w: slot %d now holds token %q serial %q", ErrTokenNotFound, c.slot, ti.Label, ti.SerialNumber))
	}
}
