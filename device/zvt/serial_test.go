//go:build linux

package zvt

import (
	"github.com/fiscald/fiscald/internal/ptytest"

	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
)

// fastSerial shortens the timers so failure paths take milliseconds; the
// defaults are checked in TestDefaultSerialOptions.
func fastSerial() SerialOptions {
	return SerialOptions{T1: 50 * time.Millisecond, T2: 300 * time.Millisecond, Repeats: 2}
}

func newSerial(t *testing.T, s Stream, opt SerialOptions) *SerialLink {
	t.Helper()
	l, err := NewSerialLink(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// readN reads exactly n bytes from the raw end of a pty, or fails.
func readN(t *testing.T, f *os.File, n int) []byte {
	t.Helper()
	if err := f.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatalf("reading %d bytes from the raw side: %v (got % X)", n, err, b)
	}
	return b
}

// expectQuiet checks that nothing more arrives at the raw end.
func expectQuiet(t *testing.T, f *os.File, d time.Duration) {
	t.Helper()
	if err := f.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
	var b [64]byte
	if n, err := f.Read(b[:]); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("unexpected bytes from the link: % X, %v", b[:n], err)
	}
}

func writeRaw(t *testing.T, f *os.File, b []byte) {
	t.Helper()
	if _, err := f.Write(b); err != nil {
		t.Fatalf("raw write: %v", err)
	}
}

func TestDefaultSerialOptions(t *testing.T) {
	if got := DefaultSerialOptions(); got != (SerialOptions{T1: 200 * time.Millisecond, T2: 5 * time.Second, Repeats: 2}) {
		t.Fatalf("DefaultSerialOptions() = %+v", got)
	}
	for _, o := range []SerialOptions{{T2: 1, Repeats: 1}, {T1: 1, Repeats: 1}, {T1: 1, T2: 1, Repeats: -1}} {
		if _, err := NewSerialLink(nil, o); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewSerialLink(%+v) = %v, want ErrInvalid", o, err)
		}
	}
}

// TestSerialAuthorisationOverPTY runs §1.7 between two serial links, ECR
// on the slave (where a USB-serial adapter would be) and PT on the master.
func TestSerialAuthorisationOverPTY(t *testing.T) {
	master, slave := ptytest.Open(t)
	ecr := newSerial(t, slave, DefaultSerialOptions())
	pt := newSerial(t, master, DefaultSerialOptions())
	playScript(t, testCtx(t, 10*time.Second), ecr, pt, authorisationExchange())
	es, ps := ecr.Stats(), pt.Stats()
	if es.FramesSent != 8 || es.FramesReceived != 8 || ps.FramesSent != 8 || ps.FramesReceived != 8 ||
		es.NAKsSent+es.NAKsReceived+ps.NAKsSent+ps.NAKsReceived+es.Retransmissions+ps.Retransmissions != 0 {
		t.Fatalf("stats ECR %+v PT %+v; want 8 frames each way, no NAK or repeat", es, ps)
	}
}

// TestSerialPublishedFramesOnTheWire checks the exact bytes the link
// writes and that it accepts the published frames, against a raw pty end.
func TestSerialPublishedFramesOnTheWire(t *testing.T) {
	master, slave := ptytest.Open(t)
	l := newSerial(t, slave, DefaultSerialOptions())
	ctx := testCtx(t, 10*time.Second)
	for _, tt := range publishedFrames {
		a, frame := mustAPDU(t, tt.apdu), hx(t, tt.frame)

		sent := async(func() error { return l.Send(ctx, a) })
		if got := readN(t, master, len(frame)); !bytes.Equal(got, frame) {
			t.Fatalf("%s: link wrote % X, want % X", tt.name, got, frame)
		}
		writeRaw(t, master, []byte{ack})
		if err := <-sent; err != nil {
			t.Fatalf("%s: Send: %v", tt.name, err)
		}

		writeRaw(t, master, frame)
		got, err := l.Receive(ctx)
		if err != nil || !got.Equal(a) {
			t.Fatalf("%s: Receive = %v, %v", tt.name, got, err)
		}
		if b := readN(t, master, 1); b[0] != ack {
			t.Fatalf("%s: link answered % X, want ACK", tt.name, b)
		}
	}
	expectQuiet(t, master, 50*time.Millisecond)
}

// corruptOnce flips the last byte (CRC high) of the first frame written.
type corruptOnce struct {
	*os.File
	done bool
}

func (c *corruptOnce) Write(p []byte) (int, error) {
	if c.done || len(p) < 2 {
		return c.File.Write(p)
	}
	c.done = true
	q := bytes.Clone(p)
	q[len(q)-1] ^= 0xFF
	return c.File.Write(q)
}

func TestSerialNAKAndRetransmission(t *testing.T) {
	master, slave := ptytest.Open(t)
	ecr := newSerial(t, &corruptOnce{File: slave}, fastSerial())
	pt := newSerial(t, master, fastSerial())
	ctx := testCtx(t, 5*time.Second)
	auth := mustAPDU(t, "06 01 0A 04 00 00 00 00 10 00 49 09 78")

	sent := async(func() error { return ecr.Send(ctx, auth) })
	got, err := pt.Receive(ctx)
	if err != nil || !got.Equal(auth) {
		t.Fatalf("PT Receive = %v, %v; want the authorisation", got, err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("ECR Send: %v", err)
	}
	es, ps := ecr.Stats(), pt.Stats()
	if ps.NAKsSent != 1 || es.NAKsReceived != 1 || es.Retransmissions != 1 || es.FramesSent != 2 || ps.FramesReceived != 1 {
		t.Fatalf("stats ECR %+v PT %+v; want one NAK and one repeat", es, ps)
	}
}

func TestSerialMissingACK(t *testing.T) {
	master, slave := ptytest.Open(t)
	opt := fastSerial()
	l := newSerial(t, slave, opt)
	a := mustAPDU(t, "06 0F 00")
	frame, _ := AppendFrame(nil, a)

	start := time.Now()
	err := l.Send(testCtx(t, 5*time.Second), a)
	if !errors.Is(err, ErrTransmission) || !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Send without ACK = %v, want ErrTransmission and device.ErrUnavailable", err)
	}
	if d := time.Since(start); d < 3*opt.T2 {
		t.Fatalf("Send gave up after %v, before three T2 periods (%v)", d, 3*opt.T2)
	}
	// The frame went out three times: once and two repeats.
	if got := readN(t, master, 3*len(frame)); !bytes.Equal(got, bytes.Repeat(frame, 3)) {
		t.Fatalf("raw side read % X, want the frame three times", got)
	}
	expectQuiet(t, master, 50*time.Millisecond)
	if s := l.Stats(); s.AckTimeouts != 3 || s.Retransmissions != 2 {
		t.Fatalf("stats %+v, want 3 ACK timeouts and 2 repeats", s)
	}
}

func TestSerialSendGivesUpAfterNAKs(t *testing.T) {
	master, slave := ptytest.Open(t)
	l := newSerial(t, slave, fastSerial())
	a := Ack()
	frame, _ := AppendFrame(nil, a)
	sent := async(func() error { return l.Send(testCtx(t, 5*time.Second), a) })
	for range 3 {
		readN(t, master, len(frame))
		writeRaw(t, master, []byte{nak})
	}
	if err := <-sent; !errors.Is(err, ErrTransmission) || !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Send after three NAKs = %v, want ErrTransmission", err)
	}
	if s := l.Stats(); s.NAKsReceived != 3 {
		t.Fatalf("stats %+v, want 3 NAKs received", s)
	}
}

// TestSerialReceiveRecovers feeds a receiving link bad input by hand and
// checks it NAKs and then takes the repeat.
func TestSerialReceiveRecovers(t *testing.T) {
	good := hx(t, "10 02 06 01 0A 04 00 00 00 00 10 10 00 49 09 78 10 03 27 60")
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-2] ^= 0x01
	tests := []struct {
		name string
		bad  func(t *testing.T, raw *os.File) // sends a bad frame and expects NAK
	}{
		{"CRC error", func(t *testing.T, raw *os.File) { writeRaw(t, raw, badCRC) }},
		{"DLE followed by data", func(t *testing.T, raw *os.File) {
			writeRaw(t, raw, hx(t, "10 02 06 01 10 41 0A 10 03 00 00"))
		}},
		{"length field disagrees", func(t *testing.T, raw *os.File) {
			writeRaw(t, raw, hx(t, "10 02 80 00 05 10 03 "+crcHex(hx(t, "80 00 05"))))
		}},
		{"gap longer than T1", func(t *testing.T, raw *os.File) {
			writeRaw(t, raw, good[:7])
			// The gap is the stimulus: the link must NAK within T1 of it.
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, slave := ptytest.Open(t)
			l := newSerial(t, master, fastSerial())
			ctx := testCtx(t, 5*time.Second)
			got := make(chan APDU, 1)
			errc := async(func() error {
				a, err := l.Receive(ctx)
				got <- a
				return err
			})
			tt.bad(t, slave)
			if b := readN(t, slave, 1); b[0] != nak {
				t.Fatalf("answer to a bad frame % X, want NAK", b)
			}
			writeRaw(t, slave, good)
			if b := readN(t, slave, 1); b[0] != ack {
				t.Fatalf("answer to the repeat % X, want ACK", b)
			}
			if err := <-errc; err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if a := <-got; !a.Equal(mustAPDU(t, "06 01 0A 04 00 00 00 00 10 00 49 09 78")) {
				t.Fatalf("Receive = %v % X", a, a.Data)
			}
			if s := l.Stats(); s.NAKsSent != 1 || s.FramesReceived != 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestSerialReceiveSkipsNoise(t *testing.T) {
	master, slave := ptytest.Open(t)
	l := newSerial(t, master, fastSerial())
	// Stray ACK/NAK, a lone DLE, a DLE DLE pair and a CR before the frame.
	writeRaw(t, slave, append(hx(t, "00 FF 06 15 10 41 10 10 0D"), hx(t, publishedFrames[0].frame)...))
	a, err := l.Receive(testCtx(t, 5*time.Second))
	if err != nil || !a.Equal(Ack()) {
		t.Fatalf("Receive after noise = %v, %v", a, err)
	}
	if b := readN(t, slave, 1); b[0] != ack {
		t.Fatalf("answer % X, want ACK", b)
	}
	if s := l.Stats(); s.NAKsSent != 0 {
		t.Fatalf("noise outside a frame was NAKed: %+v", s)
	}
}

func TestSerialReceiveGivesUp(t *testing.T) {
	t.Run("bad frames", func(t *testing.T) {
		master, slave := ptytest.Open(t)
		l := newSerial(t, master, fastSerial())
		errc := async(func() error { _, err := l.Receive(testCtx(t, 5*time.Second)); return err })
		for range 3 {
			writeRaw(t, slave, hx(t, "10 02 80 00 00 10 03 00 00"))
			if b := readN(t, slave, 1); b[0] != nak {
				t.Fatalf("answer % X, want NAK", b)
			}
		}
		if err := <-errc; !errors.Is(err, ErrTransmission) || !errors.Is(err, device.ErrUnavailable) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("Receive after three bad frames = %v, want ErrTransmission, ErrUnavailable, ErrMalformed", err)
		}
	})
	t.Run("no repeat after NAK", func(t *testing.T) {
		master, slave := ptytest.Open(t)
		l := newSerial(t, master, fastSerial())
		errc := async(func() error { _, err := l.Receive(testCtx(t, 5*time.Second)); return err })
		writeRaw(t, slave, hx(t, "10 02 80 00 00 10 03 00 00"))
		if b := readN(t, slave, 1); b[0] != nak {
			t.Fatalf("answer % X, want NAK", b)
		}
		if err := <-errc; !errors.Is(err, ErrTransmission) || !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive without a repeat = %v, want ErrTransmission", err)
		}
	})
}

// TestSerialLostACK loses the ECR's ACK for a PT frame. The PT repeats
// the frame while the ECR already waits for the ACK of its answer; the
// ECR acknowledges the repeat again and both sides finish.
func TestSerialLostACK(t *testing.T) {
	master, slave := ptytest.Open(t)
	ecr := newSerial(t, &dropFirstACK{File: slave}, SerialOptions{T1: 50 * time.Millisecond, T2: 600 * time.Millisecond, Repeats: 2})
	pt := newSerial(t, master, SerialOptions{T1: 50 * time.Millisecond, T2: 200 * time.Millisecond, Repeats: 2})
	ctx := testCtx(t, 5*time.Second)
	info := mustAPDU(t, "04 0F 02 27 00")

	ptDone := async(func() error {
		if err := pt.Send(ctx, info); err != nil {
			return err
		}
		a, err := pt.Receive(ctx)
		if err == nil && !a.Equal(Ack()) {
			t.Errorf("PT received %v, want 80 00 00", a)
		}
		return err
	})
	a, err := ecr.Receive(ctx)
	if err != nil || !a.Equal(info) {
		t.Fatalf("ECR Receive = %v, %v", a, err)
	}
	if err := ecr.Send(ctx, Ack()); err != nil {
		t.Fatalf("ECR Send: %v", err)
	}
	if err := <-ptDone; err != nil {
		t.Fatalf("PT: %v", err)
	}
	if s := ecr.Stats(); s.Reacks != 1 {
		t.Fatalf("ECR stats %+v, want one repeated ACK", s)
	}
}

// dropFirstACK swallows the first single-byte ACK written.
type dropFirstACK struct {
	*os.File
	dropped bool
}

func (d *dropFirstACK) Write(p []byte) (int, error) {
	if !d.dropped && len(p) == 1 && p[0] == ack {
		d.dropped = true
		return 1, nil
	}
	return d.File.Write(p)
}

func TestSerialFarEndClosed(t *testing.T) {
	t.Run("while receiving", func(t *testing.T) {
		master, slave := ptytest.Open(t)
		l := newSerial(t, slave, fastSerial())
		errc := async(func() error { _, err := l.Receive(testCtx(t, 5*time.Second)); return err })
		master.Close()
		if err := <-errc; !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after the far end closed = %v, want device.ErrUnavailable", err)
		}
	})
	t.Run("before sending", func(t *testing.T) {
		master, slave := ptytest.Open(t)
		l := newSerial(t, slave, fastSerial())
		master.Close()
		if err := l.Send(testCtx(t, 5*time.Second), Ack()); !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Send after the far end closed = %v, want device.ErrUnavailable", err)
		}
	})
	t.Run("slave closed under the master", func(t *testing.T) {
		master, slave := ptytest.Open(t)
		l := newSerial(t, master, fastSerial())
		errc := async(func() error { _, err := l.Receive(testCtx(t, 5*time.Second)); return err })
		slave.Close()
		if err := <-errc; !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after the slave closed = %v, want device.ErrUnavailable", err)
		}
	})
	t.Run("own Close unblocks", func(t *testing.T) {
		_, slave := ptytest.Open(t)
		l := newSerial(t, slave, fastSerial())
		errc := async(func() error { _, err := l.Receive(testCtx(t, 5*time.Second)); return err })
		// Close races with Receive reaching Read; either way it must end.
		time.AfterFunc(20*time.Millisecond, func() { l.Close() })
		if err := <-errc; !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after Close = %v, want device.ErrUnavailable", err)
		}
	})
}

func TestSerialContext(t *testing.T) {
	t.Run("deadline", func(t *testing.T) {
		_, slave := ptytest.Open(t)
		l := newSerial(t, slave, DefaultSerialOptions())
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := l.Receive(ctx)
		if !errors.Is(err, device.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Receive past the deadline = %v, want device.ErrTimeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Receive returned %v after a 100 ms deadline", d)
		}
	})
	t.Run("deadline shorter than T2", func(t *testing.T) {
		_, slave := ptytest.Open(t)
		l := newSerial(t, slave, DefaultSerialOptions()) // T2 = 5 s
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if err := l.Send(ctx, Ack()); !errors.Is(err, device.ErrTimeout) || errors.Is(err, ErrTransmission) {
			t.Fatalf("Send past the deadline = %v, want device.ErrTimeout", err)
		}
	})
	t.Run("cancel while blocked", func(t *testing.T) {
		master, slave := ptytest.Open(t)
		l := newSerial(t, slave, DefaultSerialOptions())
		ctx, cancel := context.WithCancel(testCtx(t, 5*time.Second))
		errc := async(func() error { _, err := l.Receive(ctx); return err })
		time.AfterFunc(30*time.Millisecond, cancel)
		err := <-errc
		if !errors.Is(err, context.Canceled) || errors.Is(err, device.ErrTimeout) || errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after cancel = %v, want context.Canceled only", err)
		}
		// The cancellation must not leak into the next call.
		writeRaw(t, master, hx(t, publishedFrames[0].frame))
		if a, err := l.Receive(testCtx(t, 5*time.Second)); err != nil || !a.Equal(Ack()) {
			t.Fatalf("Receive after a cancelled call = %v, %v", a, err)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		_, slave := ptytest.Open(t)
		l := newSerial(t, slave, DefaultSerialOptions())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := l.Receive(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Receive with a cancelled context = %v", err)
		}
		if err := l.Send(ctx, Ack()); !errors.Is(err, context.Canceled) {
			t.Fatalf("Send with a cancelled context = %v", err)
		}
	})
}
