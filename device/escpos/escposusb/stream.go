package escposusb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/google/gousb"

	"github.com/fiscald/fiscald/device"
)

// readSize is the least a bulk IN transfer asks for; it is rounded up to
// a multiple of the endpoint's maximum packet size, so that a packet
// never overflows the buffer (devices.md §6.1).
const readSize = 512

// Reasons a transfer is cancelled.
var (
	errDeadlinePassed = errors.New("deadline passed")
	errClosing        = errors.New("stream closing")
)

// stream is a claimed printer interface as an escpos.Stream, with
// net.Conn's deadline semantics: a deadline bounds the transfers running
// when it is set and those started later, and moving it into the past
// cancels a transfer under way. Read and Write may run concurrently with
// each other and with Close.
type stream struct {
	id  Identity
	sel selection
	p   pipe
	dev usbDevice
	bus bus

	rd, wd  *deadline
	closing chan struct{}
	once    sync.Once

	rmu     sync.Mutex // one Read at a time; guards rbuf and pending
	rbuf    []byte
	pending []byte     // received but not yet returned
	wmu     sync.Mutex // one Write at a time
}

func newStream(id Identity, sel selection, p pipe, dev usbDevice, b bus) *stream {
	size := readSize
	if mp := sel.In.MaxPacketSize; mp > 0 {
		size = (readSize + mp - 1) / mp * mp
	}
	return &stream{
		id: id, sel: sel, p: p, dev: dev, bus: b,
		rd: newDeadline(), wd: newDeadline(),
		closing: make(chan struct{}),
		rbuf:    make([]byte, size),
	}
}

// Read returns what the bulk IN endpoint delivers. On a unidirectional
// printer it fails with ErrWriteOnly.
func (s *stream) Read(b []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.closed() {
		return 0, s.closedError("read")
	}
	if len(s.pending) > 0 {
		n := copy(b, s.pending)
		s.pending = s.pending[n:]
		return n, nil
	}
	if !s.sel.HasIn {
		return 0, fmt.Errorf("escposusb %s: read: %w", s.id, ErrWriteOnly)
	}
	if len(b) == 0 {
		return 0, nil
	}
	n, err := s.transfer("read", s.rd, s.p.read, s.rbuf)
	k := copy(b, s.rbuf[:n])
	s.pending = s.rbuf[k:n]
	return k, err
}

// Write sends b on the bulk OUT endpoint. When the deadline passes or the
// printer is unplugged mid-transfer it returns how much of b the printer
// took, with an error.
func (s *stream) Write(b []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed() {
		return 0, s.closedError("write")
	}
	if len(b) == 0 {
		return 0, nil
	}
	n, err := s.transfer("write", s.wd, s.p.write, b)
	if err == nil && n < len(b) {
		err = fmt.Errorf("escposusb %s: write: %d of %d bytes sent (%w): %w", s.id, n, len(b), device.ErrUnavailable, io.ErrShortWrite)
	}
	return n, err
}

// transfer runs one bulk transfer, cancelled when dl passes or the stream
// is closed.
func (s *stream) transfer(op string, dl *deadline, run func(context.Context, []byte) (int, error), b []byte) (int, error) {
	expired := dl.expired()
	select {
	case <-s.closing:
		return 0, s.closedError(op)
	case <-expired:
		return 0, timeoutError(s.id, op, errDeadlinePassed)
	default:
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	go func() {
		select {
		case <-expired:
			cancel(errDeadlinePassed)
		case <-s.closing:
			cancel(errClosing)
		case <-ctx.Done():
		}
	}()
	n, err := run(ctx, b)
	if err == nil {
		return n, nil
	}
	// A transfer cancelled by the stream reports TransferCancelled; the
	// cause tells why. One cancelled otherwise counts as a timeout.
	if _, status, _ := libusbCause(err); status == gousb.TransferCancelled {
		switch context.Cause(ctx) {
		case errClosing:
			return n, s.closedError(op)
		case errDeadlinePassed:
			return n, timeoutError(s.id, op, fmt.Errorf("%d of %d bytes transferred: %w", n, len(b), err))
		}
	}
	return n, transportError(s.id, op, err)
}

// SetReadDeadline bounds Read; the zero time removes the bound.
func (s *stream) SetReadDeadline(t time.Time) error { return s.setDeadline(t, s.rd) }

// SetWriteDeadline bounds Write; the zero time removes the bound.
func (s *stream) SetWriteDeadline(t time.Time) error { return s.setDeadline(t, s.wd) }

// SetDeadline sets both deadlines.
func (s *stream) SetDeadline(t time.Time) error { return s.setDeadline(t, s.rd, s.wd) }

func (s *stream) setDeadline(t time.Time, dls ...*deadline) error {
	if s.closed() {
		return s.closedError("set deadline")
	}
	for _, d := range dls {
		d.set(t)
	}
	return nil
}

// Close cancels the transfers under way, waits for them to end, and
// releases the interface, the configuration, the device and the libusb
// context, in that order. Closing again reports os.ErrClosed.
func (s *stream) Close() error {
	err := s.closedError("close")
	s.once.Do(func() {
		close(s.closing)
		s.rmu.Lock()
		defer s.rmu.Unlock()
		s.wmu.Lock()
		defer s.wmu.Unlock()
		s.rd.set(time.Time{}) // stops the timers
		s.wd.set(time.Time{})
		err = nil
		if cerr := errors.Join(s.p.close(), s.dev.close(), s.bus.close()); cerr != nil {
			err = fmt.Errorf("escposusb %s: close: %w", s.id, cerr)
		}
	})
	return err
}

func (s *stream) closed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

func (s *stream) closedError(op string) error {
	return fmt.Errorf("escposusb %s: %s: %w", s.id, op, os.ErrClosed)
}

// deadline is a point in time whose passing closes a channel, as in
// net.Pipe: setting a later time keeps the channel, so a transfer waiting
// on it sees the new time.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{} // closed once the deadline has passed
}

func newDeadline() *deadline { return &deadline{ch: make(chan struct{})} }

// set moves the deadline to t; the zero time removes it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer fired: wait until it closed the channel
	}
	d.timer = nil
	passed := isClosed(d.ch)
	if t.IsZero() {
		if passed {
			d.ch = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if passed {
			d.ch = make(chan struct{})
		}
		ch := d.ch
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	if !passed {
		close(d.ch)
	}
}

// expired returns a channel closed once the deadline has passed.
func (d *deadline) expired() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
