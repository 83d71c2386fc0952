package escposusb

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/fiscald/fiscald/device"
)

// testWait bounds every wait in these tests: long enough under -race,
// short enough that a bug fails instead of hanging.
const testWait = 10 * time.Second

// newTestStream dials a printer-class printer whose pipe is p.
func newTestStream(t *testing.T, p *fakePipe, configs ...configDesc) (*stream, *fakeBus) {
	t.Helper()
	dev := printerDevice("S1")
	if len(configs) > 0 {
		dev.cfgs = configs
	}
	dev.pipe = p
	b := &fakeBus{devices: []*fakeDevice{dev}}
	s, err := dial(context.Background(), tm, busOf(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, b
}

// result is what a Read or Write returned.
type result struct {
	n   int
	err error
}

// inBackground runs op and returns its result on a channel.
func inBackground(op func() (int, error)) <-chan result {
	ch := make(chan result, 1)
	go func() {
		n, err := op()
		ch <- result{n, err}
	}()
	return ch
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(testWait):
		t.Fatal("the transfer was never cancelled")
		return result{}
	}
}

// wantTimeout fails unless err is what the ESC/POS driver takes for an
// expired deadline, and not for a lost printer.
func wantTimeout(t *testing.T, err error) {
	t.Helper()
	if !isTimeout(err) || !errors.Is(err, device.ErrTimeout) || errors.Is(err, device.ErrUnavailable) {
		t.Errorf("error %v is not a timeout (or also unavailable)", err)
	}
}

func TestStreamWrite(t *testing.T) {
	var got []byte
	p := &fakePipe{writeFn: func(_ context.Context, b []byte) (int, error) {
		got = append(got, b...)
		return len(b), nil
	}}
	s, _ := newTestStream(t, p)
	job := []byte("\x1b@Kaffee 2,60\n\x1dV\x00")
	if n, err := s.Write(job); n != len(job) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if !bytes.Equal(got, job) {
		t.Errorf("printer got % x, want % x", got, job)
	}
}

// TestStreamWriteDeadline is the printer that stops reading
// (devices.md §3.6 step 4): the deadline cancels the transfer, which
// reports the bytes already sent.
func TestStreamWriteDeadline(t *testing.T) {
	p := &fakePipe{writeFn: func(ctx context.Context, b []byte) (int, error) { return waitCancelled(ctx, 3) }}
	s, _ := newTestStream(t, p)
	if err := s.SetWriteDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	r := await(t, inBackground(func() (int, error) { return s.Write([]byte("0123456789")) }))
	if r.n != 3 {
		t.Errorf("Write = %d bytes, want the 3 sent", r.n)
	}
	wantTimeout(t, r.err)
	if r.err == nil || !strings.Contains(r.err.Error(), "3 of 10 bytes transferred") {
		t.Errorf("error %v does not tell how much was sent", r.err)
	}
}

// TestStreamDeadlineMovedIntoThePast is how the driver gives up on a
// blocked transfer when its context ends.
func TestStreamDeadlineMovedIntoThePast(t *testing.T) {
	started := make(chan struct{}, 2)
	p := &fakePipe{
		writeFn: func(ctx context.Context, b []byte) (int, error) { started <- struct{}{}; return waitCancelled(ctx, 1) },
		readFn:  func(ctx context.Context, b []byte) (int, error) { started <- struct{}{}; return waitCancelled(ctx, 0) },
	}
	s, _ := newTestStream(t, p)
	for _, tc := range []struct {
		name string
		op   func() (int, error)
		set  func(time.Time) error
		n    int
	}{
		{"write", func() (int, error) { return s.Write([]byte("abc")) }, s.SetWriteDeadline, 1},
		{"read", func() (int, error) { return s.Read(make([]byte, 16)) }, s.SetReadDeadline, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := inBackground(tc.op)
			<-started
			if err := tc.set(time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			r := await(t, ch)
			if r.n != tc.n {
				t.Errorf("%s = %d bytes, want %d", tc.name, r.n, tc.n)
			}
			wantTimeout(t, r.err)
			// The deadline is still in the past: the next call fails at
			// once, without a transfer.
			if _, err := tc.op(); !isTimeout(err) {
				t.Errorf("%s after the deadline = %v, want a timeout", tc.name, err)
			}
			if err := tc.set(time.Time{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStreamDeadlinePassedBeforeTheCall(t *testing.T) {
	calls := 0
	p := &fakePipe{
		writeFn: func(context.Context, []byte) (int, error) { calls++; return 0, nil },
		readFn:  func(context.Context, []byte) (int, error) { calls++; return 0, nil },
	}
	s, _ := newTestStream(t, p)
	s.SetDeadline(time.Now().Add(-time.Second))
	if n, err := s.Write([]byte("x")); n != 0 || !isTimeout(err) {
		t.Errorf("Write = %d, %v; want 0, timeout", n, err)
	}
	if n, err := s.Read(make([]byte, 8)); n != 0 || !isTimeout(err) {
		t.Errorf("Read = %d, %v; want 0, timeout", n, err)
	}
	if calls != 0 {
		t.Errorf("%d transfers started after the deadline", calls)
	}
}

// TestStreamReadDeadlineChanged checks that a deadline set while a Read
// waits applies to it: removed, the read goes on; brought forward, it
// ends the read.
func TestStreamReadDeadlineChanged(t *testing.T) {
	started := make(chan struct{}, 1)
	data := make(chan []byte)
	p := &fakePipe{readFn: func(ctx context.Context, b []byte) (int, error) {
		started <- struct{}{}
		select {
		case d := <-data:
			return copy(b, d), nil
		case <-ctx.Done():
			return 0, gousb.TransferCancelled
		}
	}}
	s, _ := newTestStream(t, p)

	s.SetReadDeadline(time.Now().Add(time.Hour))
	ch := inBackground(func() (int, error) { return s.Read(make([]byte, 8)) })
	<-started
	s.SetReadDeadline(time.Time{})
	data <- []byte{0x12}
	if r := await(t, ch); r.n != 1 || r.err != nil {
		t.Errorf("Read = %d, %v; want the byte sent", r.n, r.err)
	}

	ch = inBackground(func() (int, error) { return s.Read(make([]byte, 8)) })
	<-started
	s.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	r := await(t, ch)
	wantTimeout(t, r.err)
}

func TestStreamUnplugged(t *testing.T) {
	p := &fakePipe{
		writeFn: func(context.Context, []byte) (int, error) { return 5, gousb.TransferNoDevice },
		readFn:  func(context.Context, []byte) (int, error) { return 0, gousb.TransferNoDevice },
	}
	s, _ := newTestStream(t, p)
	n, err := s.Write([]byte("0123456789"))
	if n != 5 || !errors.Is(err, device.ErrUnavailable) || !strings.Contains(err.Error(), "unplugged") || isTimeout(err) {
		t.Errorf("Write = %d, %v; want 5, unplugged", n, err)
	}
	if _, err := s.Read(make([]byte, 8)); !errors.Is(err, device.ErrUnavailable) || isTimeout(err) {
		t.Errorf("Read = %v; want unplugged", err)
	}
}

func TestStreamShortWrite(t *testing.T) {
	p := &fakePipe{writeFn: func(context.Context, []byte) (int, error) { return 2, nil }}
	s, _ := newTestStream(t, p)
	n, err := s.Write([]byte("0123"))
	if n != 2 || !errors.Is(err, io.ErrShortWrite) || !errors.Is(err, device.ErrUnavailable) {
		t.Errorf("Write = %d, %v; want 2, short write", n, err)
	}
}

// TestStreamReadBuffer checks that transfers ask for whole packets
// however small the caller's buffer, and that nothing received is lost.
func TestStreamReadBuffer(t *testing.T) {
	for _, maxPacket := range []int{8, 64, 512, 1024} {
		var sizes []int
		p := &fakePipe{readFn: func(_ context.Context, b []byte) (int, error) {
			sizes = append(sizes, len(b))
			return copy(b, "0123456789"), nil
		}}
		in := bulkIn(0x82)
		in.MaxPacketSize = maxPacket
		s, _ := newTestStream(t, p, config(1, setting(0, 0, 0x07, 0x01, 0x02, bulkOut(0x01), in)))
		var got []byte
		buf := make([]byte, 4)
		for len(got) < 10 {
			n, err := s.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != "0123456789" {
			t.Errorf("max packet %d: read %q", maxPacket, got)
		}
		if len(sizes) != 1 || sizes[0]%maxPacket != 0 || sizes[0] < readSize {
			t.Errorf("max packet %d: transfers of %v bytes; want one, a multiple of the packet size", maxPacket, sizes)
		}
	}
}

func TestStreamWriteOnly(t *testing.T) {
	reads := 0
	p := &fakePipe{readFn: func(context.Context, []byte) (int, error) { reads++; return 0, nil }}
	s, _ := newTestStream(t, p, config(1, setting(0, 0, 0x07, 0x01, 0x01, bulkOut(0x01))))
	if n, err := s.Write([]byte("x")); n != 1 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if _, err := s.Read(make([]byte, 8)); !errors.Is(err, ErrWriteOnly) || !strings.Contains(err.Error(), "status unavailable") {
		t.Errorf("Read = %v, want ErrWriteOnly", err)
	}
	if reads != 0 {
		t.Error("Read started a transfer without an IN endpoint")
	}
}

// TestStreamClose checks that Close ends a blocked transfer before it
// releases anything, releases in order, and that the stream is dead
// afterwards.
func TestStreamClose(t *testing.T) {
	started := make(chan struct{}, 1)
	var ev *events
	p := &fakePipe{readFn: func(ctx context.Context, b []byte) (int, error) {
		started <- struct{}{}
		<-ctx.Done()
		ev.add("read cancelled")
		return 0, gousb.TransferCancelled
	}}
	s, b := newTestStream(t, p)
	ev = b.ev
	ch := inBackground(func() (int, error) { return s.Read(make([]byte, 8)) })
	<-started
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := await(t, ch)
	if !errors.Is(r.err, os.ErrClosed) || isTimeout(r.err) {
		t.Errorf("Read during Close = %v, want os.ErrClosed", r.err)
	}
	got := b.ev.get()
	i := slices.Index(got, "read cancelled")
	if want := []string{"read cancelled", "close pipe", "close device S1", "close bus"}; i < 0 || !slices.Equal(got[i:], want) {
		t.Errorf("events %q, want them to end in %q", got, want)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Read after Close = %v", err)
	}
	if err := s.SetReadDeadline(time.Time{}); !errors.Is(err, os.ErrClosed) {
		t.Errorf("SetReadDeadline after Close = %v", err)
	}
	if err := s.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	if n := strings.Count(strings.Join(b.ev.get(), "\n"), "close bus"); n != 1 {
		t.Errorf("bus closed %d times", n)
	}
}

func TestStreamCloseReportsReleaseErrors(t *testing.T) {
	release := errors.New("still claimed")
	s, _ := newTestStream(t, &fakePipe{closeErr: release})
	if err := s.Close(); !errors.Is(err, release) {
		t.Errorf("Close = %v, want %v", err, release)
	}
}
