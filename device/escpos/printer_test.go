package escpos_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/escpos"
)

// TestPrintRefusesBadCalls: calls that cannot be sent fail with an error
// and PrintFailed, without dialling.
func TestPrintRefusesBadCalls(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	dialed := false
	p := escpos.New(func(context.Context) (escpos.Stream, error) {
		dialed = true
		return nil, errors.New("no printer")
	}, escpos.Options{Name: "front"})
	for _, id := range []string{"", "abc", "abcde", "ab\ncd"} {
		res, err := p.Print(ctx, device.PrintJob{ID: id, Data: []byte("x\n")})
		if !errors.Is(err, escpos.ErrInvalid) || res.State != device.PrintFailed {
			t.Errorf("Print(id %q) = %+v, %v", id, res, err)
		}
	}
	if dialed {
		t.Error("dialled for an invalid job")
	}
	if _, err := p.Check(ctx, "abcd"); !errors.Is(err, escpos.ErrUnknownJob) {
		t.Errorf("Check of an unknown job = %v", err)
	}
	cancelled, stop := context.WithCancel(ctx)
	stop()
	if res, err := p.Print(cancelled, device.PrintJob{ID: "abcd"}); !errors.Is(err, context.Canceled) || res.State != device.PrintFailed {
		t.Errorf("Print with a cancelled context = %+v, %v", res, err)
	}
}

// TestPrintUnreachable: a failing dial is a refusal, not an error, and
// marks the printer failed.
func TestPrintUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	refused := errors.New("connection refused")
	p := escpos.New(func(context.Context) (escpos.Stream, error) { return nil, refused }, escpos.Options{})
	res, err := p.Print(ctx, device.PrintJob{ID: "U001", Data: []byte("x\n")})
	if err != nil || res != (device.PrintResult{State: device.PrintFailed, Detail: escpos.DetailUnreachable}) {
		t.Errorf("Print = %+v, %v", res, err)
	}
	h := p.Health()
	if h.State != device.StateFailed || !errors.Is(h.LastError, refused) || !errors.Is(h.LastError, device.ErrUnavailable) {
		t.Errorf("health = %+v", h)
	}
}

// TestPrintSilentPrinter: a printer that takes bytes but never answers
// DLE EOT is unreachable; nothing of the job is sent.
func TestPrintSilentPrinter(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got := make(chan []byte, 1)
	dial := func(context.Context) (escpos.Stream, error) {
		host, printer := net.Pipe()
		go func() {
			b, _ := io.ReadAll(printer)
			got <- b
		}()
		return host, nil
	}
	p := escpos.New(dial, escpos.Options{StatusTimeout: 50 * time.Millisecond})
	res, err := p.Print(ctx, device.PrintJob{ID: "S001", Data: []byte("x\n")})
	if err != nil || res != (device.PrintResult{State: device.PrintFailed, Detail: escpos.DetailUnreachable}) {
		t.Errorf("Print = %+v, %v", res, err)
	}
	if h := p.Health(); h.State != device.StateFailed || !errors.Is(h.LastError, device.ErrTimeout) {
		t.Errorf("health = %+v", h)
	}
	// A fresh link was tried once; the stale-link retry applies to
	// reused links only.
	select {
	case b := <-got:
		if string(b) != "\x10\x04\x01" {
			t.Errorf("printer received % X, want only DLE EOT 1", b)
		}
	case <-ctx.Done():
		t.Fatal("link not closed")
	}
	p.Close()
}
