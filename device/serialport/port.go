package serialport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.bug.st/serial"
)

// pollInterval bounds one wait inside the library's Read. The library's
// blocking read can only be interrupted by closing the port, so Read waits
// in slices of at most this length and re-checks its deadline and context
// between them: a deadline moved earlier, or a context cancelled, during a
// pending Read takes effect within one slice. Data is never delayed by it:
// the wait ends as soon as a byte arrives. A deadline that expires inside a
// slice ends the slice exactly.
const pollInterval = 100 * time.Millisecond

// Port is an open serial port: a byte stream with deadlines, like a
// net.Conn without addresses. Read and Write may be called from different
// goroutines at the same time (the line is full duplex); concurrent Reads,
// and concurrent Writes, are serialised. Close unblocks both.
type Port struct {
	path string
	// lib is the library's port: termios, and the read side.
	lib serial.Port
	// file is the descriptor that holds the flock, and the write side:
	// unlike the library's descriptor it sits in Go's poller, so a write
	// to a peer that stopped reading can time out and Close can unblock
	// it. Line settings belong to the terminal, not to a descriptor, so
	// both see the same ones.
	file *os.File

	readMu sync.Mutex // one reader in the library at a time
	// readDeadline is the read deadline in Unix nanoseconds, 0 for none.
	// It is atomic so that SetReadDeadline never waits for a pending Read.
	readDeadline atomic.Int64

	writeMu sync.Mutex // one writer, and one owner of file's write deadline
	// writeDeadline is the deadline set with SetWriteDeadline, restored
	// after a WriteContext narrowed it.
	writeDeadline atomic.Int64

	closed atomic.Bool
}

// Path is the device node the port was opened on; for a port selected by
// USB identity it is the node the identity resolved to.
func (p *Port) Path() string { return p.path }

// Read reads up to len(b) bytes, waiting until at least one byte arrives,
// the read deadline passes (an error wrapping device.ErrTimeout), the far
// end goes away (device.ErrUnavailable) or the Port is closed
// (os.ErrClosed). It implements io.Reader.
func (p *Port) Read(b []byte) (int, error) {
	return p.ReadContext(context.Background(), b)
}

// ReadContext is Read that also gives up when ctx is done, returning an
// error wrapping ctx.Err() (and device.ErrTimeout if its deadline passed).
// A context deadline ends the Read on time; a cancellation takes effect
// within 100 ms.
func (p *Port) ReadContext(ctx context.Context, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.readMu.Lock()
	defer p.readMu.Unlock()
	for {
		if p.closed.Load() {
			return 0, ioError(p.path, "read", true, nil)
		}
		if err := ctx.Err(); err != nil {
			return 0, contextError(p.path, "read", err)
		}
		wait := pollInterval
		if d := p.readDeadline.Load(); d != 0 {
			left := time.Until(time.Unix(0, d))
			if left <= 0 {
				return 0, timeoutError(p.path, "read")
			}
			wait = min(wait, left)
		}
		if d, ok := ctx.Deadline(); ok {
			// Never negative: the ctx.Err check above saw it in the future,
			// and a zero wait just polls once.
			wait = max(0, min(wait, time.Until(d)))
		}
		// Only this goroutine (holding readMu) touches the library's
		// timeout, so this does not race with the library's Read.
		if err := p.lib.SetReadTimeout(wait); err != nil {
			return 0, ioError(p.path, "read", p.closed.Load(), err)
		}
		n, err := p.lib.Read(b)
		if n > 0 {
			// A short read with an error cannot happen on a tty, but keep
			// the bytes if it does; the error will recur on the next Read.
			return n, nil
		}
		if err != nil {
			return 0, ioError(p.path, "read", p.closed.Load(), err)
		}
		// (0, nil) is the library's timeout: the slice ended with no data.
	}
}

// SetReadDeadline sets the deadline for pending and future Reads; the zero
// time means none. A Read past it fails with an error wrapping
// device.ErrTimeout and os.ErrDeadlineExceeded.
func (p *Port) SetReadDeadline(t time.Time) error {
	if p.closed.Load() {
		return ioError(p.path, "set read deadline", true, nil)
	}
	p.readDeadline.Store(unixNano(t))
	return nil
}

// Write writes b to the line. It returns when the kernel has taken all of
// b, not when it has been transmitted. It fails with an error wrapping
// device.ErrTimeout past the write deadline, device.ErrUnavailable when the
// far end is gone, and os.ErrClosed after Close. It implements io.Writer.
//
// On a real port with handshake off the kernel drains the line at the baud
// rate, so a write always finishes; on a pty it blocks while the peer is not
// reading and its buffer is full.
func (p *Port) Write(b []byte) (int, error) {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	return p.write(b)
}

// WriteContext is Write that also gives up when ctx is done, returning the
// number of bytes already written and an error wrapping ctx.Err() (and
// device.ErrTimeout if its deadline passed).
func (p *Port) WriteContext(ctx context.Context, b []byte) (int, error) {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, contextError(p.path, "write", err)
	}
	if ctx.Done() == nil {
		return p.write(b)
	}
	// Cancellation is delivered as a deadline in the past; the user's
	// deadline is put back afterwards. expired is closed once the callback
	// has run, so the restore cannot be overtaken by it.
	expired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(expired)
		_ = p.file.SetWriteDeadline(time.Unix(1, 0))
	})
	// ctxDeadline: the context's deadline is the one in force, so a
	// timeout is the context's even if its timer has not fired yet.
	d, ctxDeadline := ctx.Deadline()
	if u := p.writeDeadline.Load(); ctxDeadline && (u == 0 || d.UnixNano() < u) {
		_ = p.file.SetWriteDeadline(d)
	} else {
		ctxDeadline = false
	}
	n, err := p.write(b)
	if !stop() {
		<-expired
	}
	_ = p.file.SetWriteDeadline(timeOf(p.writeDeadline.Load()))
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if cerr := ctx.Err(); cerr != nil {
			return n, contextError(p.path, "write", cerr)
		}
		if ctxDeadline {
			return n, contextError(p.path, "write", context.DeadlineExceeded)
		}
	}
	return n, err
}

// write writes b through the lock descriptor; the caller holds writeMu.
func (p *Port) write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, ioError(p.path, "write", true, nil)
	}
	n, err := p.file.Write(b)
	if err != nil {
		return n, ioError(p.path, "write", p.closed.Load(), err)
	}
	return n, nil
}

// SetWriteDeadline sets the deadline for pending and future Writes; the
// zero time means none.
func (p *Port) SetWriteDeadline(t time.Time) error {
	if p.closed.Load() {
		return ioError(p.path, "set write deadline", true, nil)
	}
	p.writeDeadline.Store(unixNano(t))
	if err := p.file.SetWriteDeadline(t); err != nil {
		return ioError(p.path, "set write deadline", p.closed.Load(), err)
	}
	return nil
}

// SetDeadline sets both the read and the write deadline.
func (p *Port) SetDeadline(t time.Time) error {
	return errors.Join(p.SetReadDeadline(t), p.SetWriteDeadline(t))
}

// Close closes the port and releases its lock. A pending Read or Write
// returns an error wrapping os.ErrClosed. Closing twice is a no-op.
func (p *Port) Close() error {
	if !p.closed.CompareAndSwap(false, true) {
		return nil
	}
	// The library's Close wakes a pending Read and waits for it to leave.
	// The lock descriptor goes last, so no other process can take the
	// port while the library still holds it.
	libErr := p.lib.Close()
	fileErr := p.file.Close()
	if err := errors.Join(libErr, fileErr); err != nil {
		return fmt.Errorf("serialport %s: close: %w", p.path, err)
	}
	return nil
}

// unixNano encodes t for the deadline fields, 0 meaning none.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	// A time before 1970 would encode as a negative (or zero) number; any
	// past instant is as good as another for a deadline.
	return max(1, t.UnixNano())
}

// timeOf decodes a deadline field.
func timeOf(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
