//go:build linux

package serialport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
)

// TestAllBytesPTY sends every byte value through an in-process pty in both
// directions: a serial protocol (ZVT's DLE/STX/ETX, XON/XOFF values, CR/LF)
// must see its bytes untouched by any line discipline.
func TestAllBytesPTY(t *testing.T) {
	master, slave := newPTY(t)
	p := openPort(t, slave)
	want := allBytes()

	if _, err := master.Write(want); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, p, len(want)); !bytes.Equal(got, want) {
		t.Errorf("device → port:\n got % x\nwant % x", got, want)
	}

	if n, err := p.Write(want); err != nil || n != len(want) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := readN(t, master, len(want)); !bytes.Equal(got, want) {
		t.Errorf("port → device:\n got % x\nwant % x", got, want)
	}
}

// TestAllBytesSocat does the same between two Ports joined by socat, the
// external-process path.
func TestAllBytesSocat(t *testing.T) {
	s := startSocat(t)
	a, b := openPort(t, s.a), openPort(t, s.b)
	want := allBytes()
	for _, dir := range []struct {
		name     string
		from, to *Port
	}{{"a→b", a, b}, {"b→a", b, a}} {
		if _, err := dir.from.WriteContext(t.Context(), want); err != nil {
			t.Fatalf("%s: write: %v", dir.name, err)
		}
		if got := readN(t, dir.to, len(want)); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got % x\nwant % x", dir.name, got, want)
		}
	}
}

// isTimeout asserts that err is a deadline error by both conventions.
func isTimeout(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, device.ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want device.ErrTimeout and os.ErrDeadlineExceeded", err)
	}
}

func TestReadDeadline(t *testing.T) {
	_, slave := newPTY(t)
	p := openPort(t, slave)
	buf := make([]byte, 8)

	const d = 150 * time.Millisecond
	start := time.Now()
	if err := p.SetReadDeadline(start.Add(d)); err != nil {
		t.Fatal(err)
	}
	n, err := p.Read(buf)
	elapsed := time.Since(start)
	isTimeout(t, err)
	if n != 0 {
		t.Errorf("n = %d, want 0", n)
	}
	if elapsed < d || elapsed > d+testWait/2 {
		t.Errorf("Read returned after %v, want about %v", elapsed, d)
	}

	// A deadline already past fails at once, like os.File.
	if _, err := p.Read(buf); err == nil {
		t.Fatal("Read after the deadline succeeded")
	} else {
		isTimeout(t, err)
	}
}

// TestReadDeadlineMovedDuringRead checks the net.Conn idiom: moving the
// deadline into the past from another goroutine ends a pending Read.
func TestReadDeadlineMovedDuringRead(t *testing.T) {
	_, slave := newPTY(t)
	p := openPort(t, slave)
	done := blockedRead(t, p)
	if err := p.SetReadDeadline(time.Now()); err != nil {
		t.Fatal(err)
	}
	isTimeout(t, waitErr(t, done))
}

func TestReadContext(t *testing.T) {
	master, slave := newPTY(t)
	p := openPort(t, slave)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := p.ReadContext(ctx, make([]byte, 1))
		done <- err
	}()
	assertBlocked(t, done)
	cancel()
	if err := waitErr(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := p.ReadContext(ctx, make([]byte, 1))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, device.ErrTimeout) {
		t.Fatalf("err = %v, want context.DeadlineExceeded and device.ErrTimeout", err)
	}

	// The port still works after an abandoned read: no byte was lost.
	if _, err := master.Write([]byte{0x06}); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, p, 1); got[0] != 0x06 {
		t.Errorf("read % x, want 06", got)
	}
}

// TestFarEndClosed unplugs the simulated device: reads and writes must
// report device.ErrUnavailable, so a supervisor reconnects.
func TestFarEndClosed(t *testing.T) {
	t.Run("pty read", func(t *testing.T) {
		master, slave := newPTY(t)
		p := openPort(t, slave)
		done := blockedRead(t, p)
		master.Close()
		isUnavailable(t, waitErr(t, done))
	})
	t.Run("pty write", func(t *testing.T) {
		master, slave := newPTY(t)
		p := openPort(t, slave)
		master.Close()
		_, err := p.Write([]byte{0x10, 0x02})
		isUnavailable(t, err)
	})
	t.Run("socat killed", func(t *testing.T) {
		s := startSocat(t)
		p := openPort(t, s.a)
		s.kill()
		if err := p.SetReadDeadline(time.Now().Add(testWait)); err != nil {
			t.Fatal(err)
		}
		_, err := p.Read(make([]byte, 1))
		isUnavailable(t, err)
		_, err = p.Write([]byte{0x10, 0x02})
		isUnavailable(t, err)
	})
}

// isUnavailable asserts that err reports a vanished far end.
func isUnavailable(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("err = %v, want device.ErrUnavailable", err)
	}
	if errors.Is(err, os.ErrClosed) {
		t.Fatalf("err = %v: a far-end close must not look like a local Close", err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	_, slave := newPTY(t)
	p := openPort(t, slave)
	done := blockedRead(t, p)
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := waitErr(t, done)
	if !errors.Is(err, os.ErrClosed) || errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("err = %v, want os.ErrClosed and not device.ErrUnavailable", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := p.Write([]byte{1}); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: %v, want os.ErrClosed", err)
	}
}

// TestBlockedWrite fills the pty while the device reads nothing: the write
// deadline, a context and Close must each end the blocked Write.
func TestBlockedWrite(t *testing.T) {
	big := make([]byte, 1<<20) // far more than a pty buffers

	t.Run("deadline", func(t *testing.T) {
		_, slave := newPTY(t)
		p := openPort(t, slave)
		if err := p.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, err := p.Write(big)
		isTimeout(t, err)
		if n == 0 || n == len(big) {
			t.Errorf("n = %d, want a partial write", n)
		}
	})
	t.Run("context", func(t *testing.T) {
		_, slave := newPTY(t)
		p := openPort(t, slave)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := p.WriteContext(ctx, big)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, device.ErrTimeout) {
			t.Fatalf("err = %v, want context.DeadlineExceeded and device.ErrTimeout", err)
		}
		// The context's deadline must not stick to the next write.
		if _, err := p.Write(nil); err != nil {
			t.Errorf("Write after WriteContext: %v", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		_, slave := newPTY(t)
		p := openPort(t, slave)
		done := make(chan error, 1)
		go func() {
			_, err := p.Write(big)
			done <- err
		}()
		assertBlocked(t, done)
		p.Close()
		if err := waitErr(t, done); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("err = %v, want os.ErrClosed", err)
		}
	})
}

// assertBlocked checks that the operation reporting on done has not
// finished yet, i.e. that it is blocked as the test intends.
func assertBlocked(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("operation returned early: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
}

// waitErr waits, bounded, for the operation reporting on done.
func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(testWait):
		t.Fatal("operation still blocked")
		return nil
	}
}

// blockedRead starts a one-byte Read on p and checks that it blocks; the
// channel receives its error when it returns.
func blockedRead(t *testing.T, p *Port) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 1))
		done <- err
	}()
	assertBlocked(t, done)
	return done
}
