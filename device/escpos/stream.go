package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Stream is the byte stream to a printer (device.Stream): a net.Conn to
// port 9100, a serial port from device/serialport, or a USB printer-class
// pipe. A USB transport fits as it is: Write sends on the bulk OUT
// endpoint and, when the printer stops reading, returns the number of
// bytes it got out with the error (a partial write marks a job pending,
// never resent); Read returns what the bulk IN endpoint delivers;
// SetReadDeadline bounds the IN transfer. The driver takes the stream
// over: it closes it when the link fails or the Printer is closed.
type Stream = device.Stream

// Errors of the stream layer.
var (
	// errWaitOver reports that the driver's own deadline passed, as
	// opposed to the caller's context.
	errWaitOver = errors.New("escpos: wait over")
	// errNoProgress reports a stream whose Read keeps returning nothing.
	errNoProgress = errors.New("escpos: stream returns no data and no error")
)

// maxEmptyReads bounds how often Read may return (0, nil) in a row.
const maxEmptyReads = 100

// pastDeadline interrupts blocked reads and writes.
func pastDeadline() time.Time { return time.Unix(1, 0) }

// link is one connection to the printer, with the bytes received but not
// yet parsed. Only the holder of the printer's slot uses it; Close may
// come from anywhere.
type link struct {
	s   Stream
	wd  device.WriteDeadliner // nil if the stream cannot bound writes
	in  []byte
	buf [512]byte
}

func newLink(s Stream) *link {
	wd, _ := s.(device.WriteDeadliner)
	return &link{s: s, wd: wd}
}

// Close closes the stream; a blocked read or write returns.
func (l *link) Close() error { return l.s.Close() }

// guard makes ctx's cancellation interrupt blocked reads and writes by
// moving the deadlines into the past. Call release before returning: it
// also waits for a cancellation already under way, so that it cannot
// reach into the next call.
func (l *link) guard(ctx context.Context) (release func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		_ = l.s.SetReadDeadline(pastDeadline())
		if l.wd != nil {
			_ = l.wd.SetWriteDeadline(pastDeadline())
		}
	})
	return func() {
		if !stop() {
			<-done
		}
	}
}

// next returns the next reply, reading until until (zero: no limit of the
// driver's own) or ctx's deadline, whichever comes first. It returns
// ctx's error, errWaitOver, or an error wrapping device.ErrUnavailable.
func (l *link) next(ctx context.Context, until time.Time) (Reply, error) {
	release := l.guard(ctx)
	defer release()
	for {
		r, n, err := NextReply(l.in)
		if err == nil {
			l.in = l.in[:copy(l.in, l.in[n:])]
			return r, nil
		}
		if err := l.read(ctx, until); err != nil {
			return Reply{}, err
		}
	}
}

// read appends what the stream delivers to l.in; the caller holds the
// guard.
func (l *link) read(ctx context.Context, until time.Time) error {
	dl, fromCtx := until, false
	if d, ok := ctx.Deadline(); ok && (dl.IsZero() || !d.After(dl)) {
		dl, fromCtx = d, true
	}
	if err := l.s.SetReadDeadline(dl); err != nil {
		return unavailable("set read deadline", err)
	}
	// Checked after setting the deadline: a cancellation from now on
	// moves the deadline into the past, one before has been seen here.
	if err := ctx.Err(); err != nil {
		return err
	}
	for range maxEmptyReads {
		n, err := l.s.Read(l.buf[:])
		switch {
		case n > 0:
			// A trailing error (EOF) recurs on the next read.
			l.in = append(l.in, l.buf[:n]...)
			return nil
		case err == nil:
			continue
		case isTimeout(err):
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if fromCtx {
				return context.DeadlineExceeded
			}
			return errWaitOver
		default:
			return unavailable("read", err)
		}
	}
	return unavailable("read", errNoProgress)
}

// write writes p before until (zero: no limit of the driver's own) or
// ctx's end and returns how much of p the stream took: a job cut short
// may have been partly printed. Errors are those of next.
func (l *link) write(ctx context.Context, p []byte, until time.Time) (int, error) {
	release := l.guard(ctx)
	defer release()
	dl, fromCtx := until, false
	if d, ok := ctx.Deadline(); ok && (dl.IsZero() || !d.After(dl)) {
		dl, fromCtx = d, true
	}
	if l.wd != nil {
		if err := l.wd.SetWriteDeadline(dl); err != nil {
			return 0, unavailable("set write deadline", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := l.s.Write(p)
	switch {
	case err == nil && n < len(p):
		return n, unavailable("write", io.ErrShortWrite)
	case err == nil:
		return n, nil
	case isTimeout(err):
		if cerr := ctx.Err(); cerr != nil {
			return n, cerr
		}
		if fromCtx {
			return n, context.DeadlineExceeded
		}
		return n, errWaitOver
	}
	return n, unavailable("write", err)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

// unavailable marks a stream failure (closed, EOF, EIO after an unplug):
// the printer cannot be reached over this stream any more.
func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, device.ErrUnavailable, err)
}
