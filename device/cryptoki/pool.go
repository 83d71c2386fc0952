package cryptoki

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/fiscald/fiscald/device"
)

// request is one signature on its way through a worker. Requests are
// pooled so the hot path allocates nothing of its own.
//
// Ownership: the caller owns it until the worker receives it; then the
// worker writes the result and either hands it back (state
// reqWaiting → reqDelivered, send on done) or, if the caller gave up first
// (reqWaiting → reqAbandoned), recycles it itself.
type request struct {
	ctx context.Context
	// digest is a copy: a caller that gave up may reuse its buffer while
	// the C call still reads ours.
	digest [32]byte
	sig    []byte
	err    error
	state  atomic.Uint32
	done   chan struct{} // capacity 1
}

const (
	reqWaiting uint32 = iota
	reqDelivered
	reqAbandoned
)

// submit hands digest to a free worker and waits for the result within
// ctx. PKCS#11 calls cannot be interrupted, so on ctx's end the caller
// returns and the worker finishes the call on its own; its result is
// dropped and the session returns to the pool when the call returns.
func (s *Signer) submit(ctx context.Context, digest []byte) ([]byte, error) {
	r := s.reqPool.Get().(*request)
	r.ctx = ctx
	copy(r.digest[:], digest)
	r.state.Store(reqWaiting)
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.putRequest(r)
		return nil, s.timedOut(ctx)
	case <-s.stop:
		s.putRequest(r)
		return nil, s.closedErr()
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqWaiting, reqAbandoned) {
			return nil, s.timedOut(ctx)
		}
		<-r.done // the result is being delivered right now
	}
	sig, err := r.sig, r.err
	s.putRequest(r)
	if err == errCallerLeft {
		// The deadline passed while the request waited for the worker:
		// the same outcome as if it had passed during the call.
		return nil, s.timedOut(ctx)
	}
	return sig, err
}

// errCallerLeft is what a worker delivers for a request whose context had
// ended before the worker got to it; submit turns it into its timeout
// error, so the caller sees one kind of error for one cause.
var errCallerLeft = errors.New("cryptoki: caller left before the call")

func (s *Signer) putRequest(r *request) {
	r.ctx, r.sig, r.err = nil, nil, nil
	s.reqPool.Put(r)
}

// deliver hands the result to the waiting caller, or recycles the request
// if the caller left.
func (s *Signer) deliver(r *request, sig []byte, err error) {
	r.sig, r.err = sig, err
	if r.state.CompareAndSwap(reqWaiting, reqDelivered) {
		r.done <- struct{}{}
		return
	}
	s.putRequest(r)
}

// timedOut is the error for a caller whose ctx ended first. A passed
// deadline makes the device suspect (failed, keeping its sessions) so the
// supervisor probes it; a plain cancellation is the caller's business.
func (s *Signer) timedOut(ctx context.Context) error {
	err := fmt.Errorf("cryptoki %s: sign: %w: %w", s.cfg.Name, device.ErrTimeout, context.Cause(ctx))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.setFailed(err, false)
	}
	return err
}

// worker owns session idx of whichever connection is current, so a
// session is never used by two goroutines at once.
type worker struct {
	s   *Signer
	idx int
	// bound is the connection whose session the worker last used; its
	// session is closed by the worker when the connection was replaced.
	bound *conn
}

func (w *worker) run() {
	for {
		select {
		case <-w.s.stop:
			w.release()
			return
		case r := <-w.s.reqs:
			w.serve(r)
		}
	}
}

func (w *worker) serve(r *request) {
	if r.ctx.Err() != nil {
		w.s.deliver(r, nil, errCallerLeft) // skip the device
		return
	}
	sig, err := w.sign(r.digest[:])
	if err == nil {
		w.s.succeeded()
	}
	w.s.deliver(r, sig, err)
}

// maxTurns bounds the attempts of one signature: a stale handle is retried
// once, and a connection replaced under the call (a re-initialisation of
// the module by another signer) is followed a few times, but one that
// keeps changing is as good as gone.
const maxTurns = 4

// sign signs digest on the current connection, handling the error classes
// of devices.md §4.8. Every device error it returns has failed the device
// (see fail), so that the caller, who puts its register into failed mode,
// learns of the recovery through Health().Changed.
func (w *worker) sign(digest []byte) ([]byte, error) {
	s := w.s
	retried := false
	var c *conn
	for range maxTurns {
		if c = s.conn.Load(); c == nil {
			return nil, s.notConnected()
		}
		sig, err := w.signOn(c, digest)
		switch {
		case err == nil:
			return sig, nil
		case errors.Is(err, errRebind):
			continue
		case errors.Is(err, errEpoch):
			s.refresh(c)
			continue
		case errors.Is(err, ErrModuleClosed):
			return nil, s.fail(c, fmt.Errorf("sign: %w", err))
		}
		switch classify(err) {
		case classStale:
			if !retried {
				retried = true
				s.log.Debug("stale session or key handle; reconnecting and retrying once", "err", err)
				s.refresh(c)
				continue
			}
			return nil, s.fail(c, fmt.Errorf("sign: %w (again after reconnecting)", err))
		case classBug:
			// Not the device's fault, so the device stays up; but
			// nobody should have to find this in a receipt's note.
			s.log.Error("the module rejected the signature request as invalid: a bug in fiscald or the module", "err", err)
			return nil, fmt.Errorf("cryptoki %s: sign: %w", s.cfg.Name, err)
		default:
			return nil, s.fail(c, fmt.Errorf("sign: %w", err))
		}
	}
	return nil, s.fail(c, fmt.Errorf("sign: connection replaced %d times during one signature", maxTurns))
}

// signOn makes one signature on the worker's session of c.
func (w *worker) signOn(c *conn, digest []byte) ([]byte, error) {
	s := w.s
	ss := w.bind(c)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return nil, errRebind
	}
	epoch, err := s.m.enter()
	if err != nil {
		return nil, err
	}
	if epoch != c.epoch {
		s.m.leave()
		return nil, errEpoch
	}
	start := time.Now()
	err = s.m.api.SignInit(ss.h, c.mech, c.keys.priv)
	var sig []byte
	if err == nil {
		sig, err = s.m.api.Sign(ss.h, digest)
	}
	busy := time.Since(start)
	s.m.leave()
	s.mon.AddBusy(busy / time.Duration(s.cfg.Sessions))
	if err == nil && len(sig) != 64 {
		err = fmt.Errorf("module returned a %d-byte signature, want 64 (r‖s)", len(sig))
	}
	return sig, err
}

// bind returns the worker's session of c, closing its session of the
// connection it used before.
func (w *worker) bind(c *conn) *session {
	if w.bound != c {
		w.release()
		w.bound = c
	}
	return c.sessions[w.idx]
}

func (w *worker) release() {
	if w.bound == nil {
		return
	}
	ss := w.bound.sessions[w.idx]
	ss.mu.Lock()
	w.s.closeSessionLocked(w.bound, ss)
	ss.mu.Unlock()
	w.bound = nil
}
