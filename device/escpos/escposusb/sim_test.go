package escposusb

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escpossim"
)

// connPipe carries a claimed interface's bulk transfers over one end of
// a net.Pipe, with gousb's behaviour: a transfer whose context ends is
// cancelled and reports the bytes already moved, and one on a device
// that has gone reports TransferNoDevice.
type connPipe struct {
	c    net.Conn
	gone *atomic.Bool
	ev   *events
}

func (p connPipe) write(ctx context.Context, b []byte) (int, error) {
	return p.transfer(ctx, b, p.c.SetWriteDeadline, p.c.Write)
}

func (p connPipe) read(ctx context.Context, b []byte) (int, error) {
	return p.transfer(ctx, b, p.c.SetReadDeadline, p.c.Read)
}

func (p connPipe) transfer(ctx context.Context, b []byte, setDeadline func(time.Time) error, op func([]byte) (int, error)) (int, error) {
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(cancelled)
		setDeadline(time.Unix(1, 0))
	})
	n, err := op(b)
	if !stop() {
		<-cancelled
		setDeadline(time.Time{})
	}
	switch {
	case err == nil:
		return n, nil
	case p.gone.Load():
		return n, gousb.TransferNoDevice
	case ctx.Err() != nil:
		return n, gousb.TransferCancelled
	}
	return n, gousb.TransferError
}

func (p connPipe) close() error {
	p.ev.add("close pipe")
	return p.c.Close()
}

// simBus is a USB bus with at most one printer, the simulator, which can
// be unplugged and plugged in again.
type simBus struct {
	t   *testing.T
	ctx context.Context
	sim *escpossim.Printer
	ev  *events

	mu      sync.Mutex
	plugged *simPlug // nil while unplugged
	opened  int      // devices opened
}

// simPlug is one period of the printer being attached.
type simPlug struct {
	gone atomic.Bool
	ends []net.Conn // the simulator's ends of the links claimed
	wg   sync.WaitGroup
}

func (b *simBus) plug() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.plugged = &simPlug{}
}

// unplug pulls the cable: transfers fail with TransferNoDevice and the
// device is no longer enumerated.
func (b *simBus) unplug() {
	b.mu.Lock()
	pl := b.plugged
	b.plugged = nil
	b.mu.Unlock()
	if pl == nil {
		return
	}
	pl.gone.Store(true)
	for _, c := range pl.ends {
		c.Close()
	}
	pl.wg.Wait()
}

func (b *simBus) open(vid, pid uint16) ([]usbDevice, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.plugged == nil || vid != EpsonVID || pid != 0x0202 {
		return nil, nil
	}
	b.opened++
	return []usbDevice{&simDevice{b: b, plug: b.plugged}}, nil
}

func (b *simBus) close() error { return nil }

type simDevice struct {
	b    *simBus
	plug *simPlug
}

func (d *simDevice) serialNumber() (string, error) { return "SIM1", nil }

func (d *simDevice) configs() []configDesc {
	return []configDesc{config(1, setting(0, 0, 0x07, 0x01, 0x02, bulkOut(0x01), bulkIn(0x82)))}
}

func (d *simDevice) claim(sel selection) (pipe, error) {
	if d.plug.gone.Load() {
		return nil, gousb.ErrorNoDevice
	}
	host, printer := net.Pipe()
	d.b.mu.Lock()
	d.plug.ends = append(d.plug.ends, printer)
	d.b.mu.Unlock()
	d.plug.wg.Go(func() { d.b.sim.Serve(d.b.ctx, printer) })
	return connPipe{c: host, gone: &d.plug.gone, ev: d.b.ev}, nil
}

func (d *simDevice) close() error { return nil }

func receipt(t *testing.T, id string, lines int) device.PrintJob {
	t.Helper()
	var b escpos.Builder
	for range lines {
		b.Line("1 x Melange 3,90")
	}
	b.Cut(escpos.CutPartial, 3)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	return device.PrintJob{ID: id, Data: bytes.Clone(b.Bytes())}
}

// TestDriverOverUSB runs the production ESC/POS driver on this package's
// Stream against the printer simulator: printing, the printer unplugged
// with a job in its buffer, and found again by the next dial once
// plugged back in.
func TestDriverOverUSB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	sim, err := escpossim.New(escpossim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	b := &simBus{t: t, ctx: ctx, sim: sim, ev: &events{}}
	b.plug()
	t.Cleanup(b.unplug)
	drv := escpos.New(func(ctx context.Context) (escpos.Stream, error) {
		return dial(ctx, tm, func() (bus, error) { return b, nil })
	}, escpos.Options{StatusTimeout: 5 * time.Second, PollInterval: 20 * time.Millisecond})
	defer drv.Close()

	first := receipt(t, "U001", 3)
	if res, err := drv.Print(ctx, first); err != nil || res.State != device.PrintPrinted {
		t.Fatalf("Print = %+v, %v; want printed", res, err)
	}

	// Unplugged while the printer holds the whole job, unprinted.
	sim.SetStalled(true)
	held := receipt(t, "U002", 4)
	done := make(chan device.PrintResult, 1)
	go func() {
		res, _ := drv.Print(ctx, held)
		done <- res
	}()
	for {
		ch := sim.Changed()
		if js := sim.Jobs(); len(js) == 2 && js[1].ID == held.ID {
			break
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("the job never reached the printer: %+v", sim.Jobs())
		}
	}
	b.unplug()
	if res := <-done; res.State != device.PrintPending || res.Detail != escpos.DetailUnreachable {
		t.Fatalf("Print while unplugged = %+v; want pending, unreachable", res)
	}
	// The next dial finds nothing.
	if _, err := drv.Status(ctx); !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Status while unplugged = %v", err)
	}
	if h := drv.Health(); h.State != device.StateFailed || !strings.Contains(h.LastError.Error(), "no printer with VID 0x04b8 PID 0x0202") {
		t.Errorf("health while unplugged = %+v", h)
	}

	// Plugged in again: found by the next dial; the printer finishes the
	// job it held and the driver never sent it again.
	b.plug()
	sim.SetStalled(false)
	if res, err := drv.Check(ctx, held.ID); err != nil || res.State != device.PrintPrinted {
		t.Fatalf("Check after replug = %+v, %v; want printed", res, err)
	}
	next := receipt(t, "U003", 2)
	if res, err := drv.Print(ctx, next); err != nil || res.State != device.PrintPrinted {
		t.Fatalf("Print after replug = %+v, %v; want printed", res, err)
	}
	js := sim.Jobs()
	if len(js) != 3 || js[0].ID != first.ID || js[1].ID != held.ID || js[2].ID != next.ID {
		t.Errorf("simulator jobs %+v; want U001, U002, U003 once each", js)
	}
	for _, j := range js {
		if j.State != escpossim.JobPrinted {
			t.Errorf("job %s is %v", j.ID, j.State)
		}
	}
	b.mu.Lock()
	opened := b.opened
	b.mu.Unlock()
	if opened < 2 {
		t.Errorf("the printer was opened %d times; want a new dial after the replug", opened)
	}
	if n := strings.Count(strings.Join(b.ev.get(), "\n"), "close pipe"); n < 1 {
		t.Error("the unplugged link was never released")
	}
}
