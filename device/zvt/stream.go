package zvt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Stream is the byte stream a link runs over (device.Stream): a serial
// port or pseudo-terminal adapted by device/serialport, or a net.Conn.
// A link takes the stream over: Close closes it.
type Stream = device.Stream

// Link carries APDUs between ECR and PT. SerialLink and TCPLink implement
// it, so the state machine above does not know the transport; the same
// links serve the terminal simulator.
//
// A link is not safe for concurrent Send and Receive: ZVT is half-duplex
// and one goroutine owns a terminal. Close may be called from any
// goroutine to abort a blocked call.
type Link interface {
	// Send transmits one APDU; over a serial line it returns once the
	// peer acknowledged the frame. ctx bounds the whole call.
	Send(ctx context.Context, a APDU) error
	// Receive returns the next APDU; over a serial line it has
	// acknowledged it already. ctx bounds the wait: T3 and T4 are the
	// caller's deadlines.
	Receive(ctx context.Context) (APDU, error)
	// Close closes the stream.
	Close() error
}

// Both transports implement Link.
var (
	_ Link = (*SerialLink)(nil)
	_ Link = (*TCPLink)(nil)
)

// Errors of the stream layer, before a link adds what it was doing.
var (
	// errLinkTimer reports that a link timer (T1 or T2) expired, as
	// opposed to the caller's context.
	errLinkTimer = errors.New("zvt: link timer expired")
	// errNoProgress reports a stream whose Read keeps returning nothing.
	errNoProgress = errors.New("zvt: stream returns no data and no error")
)

// pastDeadline interrupts blocked reads and writes.
func pastDeadline() time.Time { return time.Unix(1, 0) }

// maxEmptyReads bounds how often Read may return (0, nil) in a row.
const maxEmptyReads = 100

// conn wraps a Stream with deadline handling shared by both links.
type conn struct {
	s  Stream
	wd device.WriteDeadliner // nil if the stream cannot bound writes
}

func newConn(s Stream) conn {
	wd, _ := s.(device.WriteDeadliner)
	return conn{s: s, wd: wd}
}

// guard makes ctx's cancellation interrupt blocked reads and writes by
// moving the deadlines into the past. Call release before returning: it
// also waits for a cancellation already under way, so that it cannot
// reach into the next call.
func (c conn) guard(ctx context.Context) (release func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		_ = c.s.SetReadDeadline(pastDeadline())
		if c.wd != nil {
			_ = c.wd.SetWriteDeadline(pastDeadline())
		}
	})
	return func() {
		if !stop() {
			<-done
		}
	}
}

// read reads into p, waiting until limit (zero: no link limit) or ctx's
// deadline, whichever comes first. It returns ctx's error, errLinkTimer,
// or an error wrapping device.ErrUnavailable.
func (c conn) read(ctx context.Context, p []byte, limit time.Time) (int, error) {
	dl, fromCtx := limit, false
	if d, ok := ctx.Deadline(); ok && (dl.IsZero() || !d.After(dl)) {
		dl, fromCtx = d, true
	}
	if err := c.s.SetReadDeadline(dl); err != nil {
		return 0, unavailable("set read deadline", err)
	}
	// Checked after setting the deadline: a cancellation from now on
	// moves the deadline into the past, one before has been seen here.
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	for range maxEmptyReads {
		n, err := c.s.Read(p)
		switch {
		case n > 0:
			// A trailing error (EOF) recurs on the next read.
			return n, nil
		case err == nil:
			continue
		case isTimeout(err):
			if cerr := ctx.Err(); cerr != nil {
				return 0, cerr
			}
			if fromCtx {
				return 0, context.DeadlineExceeded
			}
			return 0, errLinkTimer
		default:
			return 0, unavailable("read", err)
		}
	}
	return 0, unavailable("read", errNoProgress)
}

// write writes p, bounded by ctx where the stream allows it.
func (c conn) write(ctx context.Context, p []byte) error {
	if c.wd != nil {
		dl, _ := ctx.Deadline()
		if err := c.wd.SetWriteDeadline(dl); err != nil {
			return unavailable("set write deadline", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.s.Write(p); err != nil {
		if isTimeout(err) {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			return context.DeadlineExceeded
		}
		return unavailable("write", err)
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

// unavailable marks a stream failure (closed, EOF, EIO after an unplug):
// the device cannot be reached over this stream any more.
func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, device.ErrUnavailable, err)
}

// linkError names the operation and maps a context deadline to
// device.ErrTimeout. Cancellation stays context.Canceled: the caller gave
// up, the device did not fail.
func linkError(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("zvt: %s: %w: %w", op, device.ErrTimeout, err)
	}
	return fmt.Errorf("zvt: %s: %w", op, err)
}
