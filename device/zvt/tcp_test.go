package zvt

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
)

// tcpPair connects two sockets over a real loopback listener: the ECR's
// (dialled) and the PT's (accepted). Both are closed at the end of the
// test.
func tcpPair(t *testing.T) (ecr, pt net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	d := net.Dialer{Timeout: 2 * time.Second}
	ecr, err = d.DialContext(testCtx(t, 2*time.Second), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ecr.Close() })
	select {
	case pt = <-accepted:
	case <-time.After(2 * time.Second):
		t.Fatal("accept timed out")
	}
	if pt == nil {
		t.FailNow()
	}
	t.Cleanup(func() { pt.Close() })
	return ecr, pt
}

func TestTCPAuthorisation(t *testing.T) {
	ecr, pt := tcpPair(t)
	playScript(t, testCtx(t, 10*time.Second), NewTCPLink(ecr), NewTCPLink(pt), authorisationExchange())
}

// TestTCPReassembly splits APDUs at every byte and joins several in one
// write: the receiver must find them by their length fields alone.
func TestTCPReassembly(t *testing.T) {
	ecr, raw := tcpPair(t)
	l := NewTCPLink(ecr)
	ctx := testCtx(t, 5*time.Second)
	long := APDU{Class: 0x06, Instr: 0xD3, Data: bytes.Repeat([]byte{0x10, 0xFF}, 200)} // extended length
	want := []APDU{mustAPDU(t, "80 00 00"), mustAPDU(t, "04 FF 01 0A"), long, mustAPDU(t, "06 0F 00")}
	var stream []byte
	for _, a := range want {
		stream = append(stream, encode(t, a)...)
	}
	written := async(func() error {
		// Byte by byte, then the rest in one write.
		for _, c := range stream[:10] {
			if _, err := raw.Write([]byte{c}); err != nil {
				return err
			}
			time.Sleep(time.Millisecond) // let single bytes go out as separate segments
		}
		_, err := raw.Write(stream[10:])
		return err
	})
	for i, w := range want {
		got, err := l.Receive(ctx)
		if err != nil || !got.Equal(w) {
			t.Fatalf("APDU %d = %v, %v; want %v", i, got, err, w)
		}
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
}

func TestTCPSendWritesBareAPDU(t *testing.T) {
	ecr, raw := tcpPair(t)
	l := NewTCPLink(ecr)
	a := mustAPDU(t, "06 01 0A 04 00 00 00 00 10 00 49 09 78")
	if err := l.Send(testCtx(t, 5*time.Second), a); err != nil {
		t.Fatal(err)
	}
	raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 13)
	if _, err := readFull(raw, got); err != nil || !bytes.Equal(got, encode(t, a)) {
		t.Fatalf("wire = % X, %v; want the bare APDU (no DLE stuffing, no CRC)", got, err)
	}
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestTCPTimeoutKeepsPartialAPDU: T3 expires with half an APDU read; if
// the caller carries on, the rest completes it.
func TestTCPTimeoutKeepsPartialAPDU(t *testing.T) {
	ecr, raw := tcpPair(t)
	l := NewTCPLink(ecr)
	wire := hx(t, "04 FF 02 04 02")
	raw.Write(wire[:3])
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := l.Receive(ctx); !errors.Is(err, device.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Receive of half an APDU = %v, want device.ErrTimeout", err)
	}
	raw.Write(wire[3:])
	got, err := l.Receive(testCtx(t, 5*time.Second))
	if err != nil || !got.Equal(mustAPDU(t, "04 FF 02 04 02")) {
		t.Fatalf("Receive after the rest = %v, %v", got, err)
	}
}

func TestTCPClosed(t *testing.T) {
	t.Run("peer closes", func(t *testing.T) {
		ecr, raw := tcpPair(t)
		l := NewTCPLink(ecr)
		errc := async(func() error { _, err := l.Receive(testCtx(t, 5*time.Second)); return err })
		raw.Close()
		if err := <-errc; !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after the peer closed = %v, want device.ErrUnavailable", err)
		}
	})
	t.Run("own Close", func(t *testing.T) {
		ecr, _ := tcpPair(t)
		l := NewTCPLink(ecr)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Send(testCtx(t, 5*time.Second), Ack()); !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Send after Close = %v, want device.ErrUnavailable", err)
		}
		// A failed write leaves the stream unusable for good.
		if err := l.Send(testCtx(t, 5*time.Second), Ack()); !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("second Send after Close = %v, want device.ErrUnavailable", err)
		}
		if _, err := l.Receive(testCtx(t, 5*time.Second)); !errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after Close = %v, want device.ErrUnavailable", err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ecr, _ := tcpPair(t)
		l := NewTCPLink(ecr)
		ctx, cancel := context.WithCancel(testCtx(t, 5*time.Second))
		errc := async(func() error { _, err := l.Receive(ctx); return err })
		time.AfterFunc(30*time.Millisecond, cancel)
		if err := <-errc; !errors.Is(err, context.Canceled) || errors.Is(err, device.ErrUnavailable) {
			t.Fatalf("Receive after cancel = %v, want context.Canceled", err)
		}
	})
}
