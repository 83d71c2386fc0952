package zvt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
)

// TCPLink carries bare APDUs over a TCP connection (default port 20007):
// no framing, CRC or ACK/NAK; the receiver finds APDU boundaries from the
// length field alone, across arbitrary segment boundaries.
//
// T3 is the caller's context deadline. When it expires the specification
// wants the socket closed and the sequence treated as aborted: call
// Close. A Receive that times out mid-APDU keeps the bytes it has, so the
// stream stays in step if the caller carries on instead.
//
// It is not safe for concurrent Send and Receive (see Link); Close may
// be called from any goroutine.
type TCPLink struct {
	c       conn
	pending []byte // bytes read but not yet returned as an APDU
	buf     [4096]byte
	// broken records a failed write: the peer may hold part of an APDU,
	// so nothing sent after it could be parsed.
	broken error
}

// NewTCPLink returns a link over s, usually a net.Conn. The link owns s
// from now on.
func NewTCPLink(s Stream) *TCPLink { return &TCPLink{c: newConn(s)} }

// Close closes the connection; a blocked Send or Receive returns an error
// wrapping device.ErrUnavailable.
func (l *TCPLink) Close() error { return l.c.s.Close() }

// Send writes a. Errors: device.ErrUnavailable when the connection
// failed or an earlier write was cut short; device.ErrTimeout when ctx's
// deadline passed; context.Canceled.
func (l *TCPLink) Send(ctx context.Context, a APDU) error {
	op := "send " + a.String()
	if l.broken != nil {
		return fmt.Errorf("zvt: %s: earlier write failed (%w): %w", op, l.broken, device.ErrUnavailable)
	}
	raw, err := a.MarshalBinary()
	if err != nil {
		return fmt.Errorf("zvt: %s: %w", op, err)
	}
	release := l.c.guard(ctx)
	defer release()
	if err := l.c.write(ctx, raw); err != nil {
		l.broken = err
		return linkError(op, err)
	}
	return nil
}

// Receive returns the next APDU. Errors are those of Send.
func (l *TCPLink) Receive(ctx context.Context) (APDU, error) {
	release := l.c.guard(ctx)
	defer release()
	for {
		a, n, err := DecodeAPDU(l.pending)
		if err == nil {
			l.pending = l.pending[:copy(l.pending, l.pending[n:])]
			return a, nil
		}
		if !errors.Is(err, ErrTruncated) {
			// Unreachable: only a short buffer fails DecodeAPDU.
			return APDU{}, fmt.Errorf("zvt: receive: %w", err)
		}
		n, err = l.c.read(ctx, l.buf[:], time.Time{})
		if err != nil {
			return APDU{}, linkError("receive", err)
		}
		l.pending = append(l.pending, l.buf[:n]...)
	}
}
