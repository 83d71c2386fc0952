package zvt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/fiscald/fiscald/device"
)

// SerialLink carries APDUs over RS-232 framing: each APDU travels as
// DLE STX <APDU, DLE doubled> DLE ETX <CRC-16/KERMIT, low byte first>,
// and the receiver answers every frame at once with ACK (06) or NAK (15).
// The sender repeats a frame after a NAK or when no answer came within
// T2, at most Repeats times; the receiver NAKs a frame with a bad CRC, a
// framing error, or a gap longer than T1 between its bytes.
//
// The link is symmetric: the ECR driver and the terminal simulator use
// the same type. It is not safe for concurrent Send and Receive (see
// Link); Stats and Close may be called from any goroutine.
type SerialLink struct {
	c     conn
	opt   SerialOptions
	rd    byteReader
	dec   frameDecoder
	tx    []byte
	stats serialCounters
	// lastRx is the APDU of the last frame delivered by Receive. If the
	// peer sends it again while Send waits for an ACK, the peer missed
	// our ACK: Send acknowledges it again instead of deadlocking with
	// both sides repeating frames the other ignores.
	lastRx []byte
}

// SerialStats counts link events, for metrics and tests.
type SerialStats struct {
	FramesSent      uint64 // transmissions, repeats included
	FramesReceived  uint64 // frames delivered by Receive
	Retransmissions uint64 // repeats after NAK or T2
	NAKsSent        uint64
	NAKsReceived    uint64
	AckTimeouts     uint64 // T2 expiries while waiting for ACK
	Reacks          uint64 // repeated frames acknowledged again
}

type serialCounters struct {
	framesSent, framesReceived, retransmissions atomic.Uint64
	naksSent, naksReceived, ackTimeouts, reacks atomic.Uint64
}

// errBadFrame marks a frame the receiver must NAK.
var errBadFrame = errors.New("zvt: bad frame")

// NewSerialLink returns a link over s with the given timers (start from
// DefaultSerialOptions). The link owns s from now on.
func NewSerialLink(s Stream, opt SerialOptions) (*SerialLink, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	c := newConn(s)
	return &SerialLink{c: c, opt: opt, rd: byteReader{c: c}}, nil
}

// Stats returns the counters so far.
func (l *SerialLink) Stats() SerialStats {
	return SerialStats{
		FramesSent:      l.stats.framesSent.Load(),
		FramesReceived:  l.stats.framesReceived.Load(),
		Retransmissions: l.stats.retransmissions.Load(),
		NAKsSent:        l.stats.naksSent.Load(),
		NAKsReceived:    l.stats.naksReceived.Load(),
		AckTimeouts:     l.stats.ackTimeouts.Load(),
		Reacks:          l.stats.reacks.Load(),
	}
}

// Close closes the stream; a blocked Send or Receive returns an error
// wrapping device.ErrUnavailable.
func (l *SerialLink) Close() error { return l.c.s.Close() }

// Send transmits a and waits for the peer's ACK, repeating the frame
// after a NAK or T2 up to Repeats times. Errors: ErrTransmission together
// with device.ErrUnavailable when the repeats are used up;
// device.ErrUnavailable when the stream fails; device.ErrTimeout when
// ctx's deadline passes; context.Canceled when ctx is cancelled. After
// an error the peer may or may not have received the APDU.
func (l *SerialLink) Send(ctx context.Context, a APDU) error {
	op := "send " + a.String()
	frame, err := AppendFrame(l.tx[:0], a)
	if err != nil {
		return fmt.Errorf("zvt: %s: %w", op, err)
	}
	l.tx = frame
	release := l.c.guard(ctx)
	defer release()

	var naks, silent int
	for attempt := 0; attempt <= l.opt.Repeats; attempt++ {
		if attempt > 0 {
			l.stats.retransmissions.Add(1)
		}
		if err := l.c.write(ctx, frame); err != nil {
			return linkError(op, err)
		}
		l.stats.framesSent.Add(1)
		reply, err := l.awaitAck(ctx)
		switch {
		case err == nil && reply == ack:
			return nil
		case err == nil:
			naks++
			l.stats.naksReceived.Add(1)
		case errors.Is(err, errLinkTimer):
			silent++
			l.stats.ackTimeouts.Add(1)
		default:
			return linkError(op, err)
		}
	}
	return fmt.Errorf("zvt: %s: %w after %d transmissions (%d NAK, %d unanswered): %w",
		op, ErrTransmission, l.opt.Repeats+1, naks, silent, device.ErrUnavailable)
}

// awaitAck waits up to T2 for ACK or NAK. Bytes outside a frame other
// than those two are line noise. A frame from the peer is decoded: if it
// repeats the frame Receive delivered last, the peer missed that ACK and
// gets it again; any other frame is ignored, and the peer will repeat it
// once it gives up waiting for its own ACK.
func (l *SerialLink) awaitAck(ctx context.Context) (byte, error) {
	limit := time.Now().Add(l.opt.T2)
	l.dec.reset()
	defer l.dec.reset()
	for {
		c, err := l.rd.readByte(ctx, limit)
		if err != nil {
			return 0, err
		}
		if !l.dec.inFrame() && (c == ack || c == nak) {
			return c, nil
		}
		done, ferr := l.dec.feed(c)
		if done && ferr == nil && l.lastRx != nil && bytes.Equal(l.dec.body, l.lastRx) {
			if err := l.c.write(ctx, []byte{ack}); err != nil {
				return 0, err
			}
			l.stats.reacks.Add(1)
		}
	}
}

// Receive waits for the next frame, acknowledges it and returns its APDU.
// A bad frame is answered with NAK and its repeat awaited for up to T2;
// after Repeats+1 bad frames in a row Receive gives up with
// ErrTransmission and device.ErrUnavailable. Other errors are those of
// Send. A frame whose ACK the peer missed arrives twice; ZVT's serial
// layer has no sequence numbers, so the caller sees it twice.
func (l *SerialLink) Receive(ctx context.Context) (APDU, error) {
	release := l.c.guard(ctx)
	defer release()

	var hunt time.Time // zero: wait for a frame as long as ctx allows
	for bad := 1; ; bad++ {
		a, err := l.readFrame(ctx, hunt)
		if err == nil {
			if err := l.c.write(ctx, []byte{ack}); err != nil {
				return APDU{}, linkError("receive: ACK", err)
			}
			l.lastRx = append(l.lastRx[:0], l.dec.body...)
			l.stats.framesReceived.Add(1)
			return a, nil
		}
		switch {
		case errors.Is(err, errLinkTimer):
			return APDU{}, fmt.Errorf("zvt: receive: no repeat within T2 after NAK: %w: %w", ErrTransmission, device.ErrUnavailable)
		case !errors.Is(err, errBadFrame):
			return APDU{}, linkError("receive", err)
		}
		if werr := l.c.write(ctx, []byte{nak}); werr != nil {
			return APDU{}, linkError("receive: NAK", werr)
		}
		l.stats.naksSent.Add(1)
		if bad > l.opt.Repeats {
			return APDU{}, fmt.Errorf("zvt: receive: %d bad frames in a row (%w): %w: %w", bad, err, ErrTransmission, device.ErrUnavailable)
		}
		hunt = time.Now().Add(l.opt.T2)
	}
}

// readFrame reads one frame: it skips bytes until DLE STX (waiting until
// huntLimit, zero for no limit), then reads under T1 until the CRC. Bad
// frames come back wrapped in errBadFrame.
func (l *SerialLink) readFrame(ctx context.Context, huntLimit time.Time) (APDU, error) {
	l.dec.reset()
	for {
		limit := huntLimit
		if l.dec.inFrame() {
			limit = time.Now().Add(l.opt.T1)
		}
		c, err := l.rd.readByte(ctx, limit)
		if err != nil {
			if errors.Is(err, errLinkTimer) && l.dec.inFrame() {
				l.dec.reset()
				return APDU{}, fmt.Errorf("%w: gap longer than T1 (%v)", errBadFrame, l.opt.T1)
			}
			return APDU{}, err
		}
		done, ferr := l.dec.feed(c)
		if !done {
			continue
		}
		if ferr != nil {
			return APDU{}, fmt.Errorf("%w: %w", errBadFrame, ferr)
		}
		a, err := l.dec.apdu()
		if err != nil {
			return APDU{}, fmt.Errorf("%w: %w", errBadFrame, err)
		}
		return a, nil
	}
}

// byteReader hands out a stream's bytes one at a time from a buffer, so
// that bytes read past a frame (the start of the next one) are kept.
type byteReader struct {
	c    conn
	buf  [512]byte
	r, w int
}

// readByte returns the next byte, reading from the stream with a deadline
// of limit (zero: none) and ctx's deadline when the buffer is empty.
func (b *byteReader) readByte(ctx context.Context, limit time.Time) (byte, error) {
	if b.r == b.w {
		n, err := b.c.read(ctx, b.buf[:], limit)
		if err != nil {
			return 0, err
		}
		b.r, b.w = 0, n
	}
	c := b.buf[b.r]
	b.r++
	return c, nil
}
