package escposusb

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/gousb"
)

// events records what the fakes were asked to do, in order.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, fmt.Sprintf(format, args...))
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// fakeBus is a libusb context with a fixed set of attached devices.
type fakeBus struct {
	ev      *events
	devices []*fakeDevice
	openErr error // returned by open alongside the devices
	vid     uint16
	pid     uint16
}

func (b *fakeBus) open(vid, pid uint16) ([]usbDevice, error) {
	b.ev.add("open %04x:%04x", vid, pid)
	b.vid, b.pid = vid, pid
	var out []usbDevice
	for _, d := range b.devices {
		d.ev = b.ev
		out = append(out, d)
	}
	return out, b.openErr
}

func (b *fakeBus) close() error {
	b.ev.add("close bus")
	return nil
}

// fakeDevice is an opened device.
type fakeDevice struct {
	ev        *events
	serial    string
	serialErr error
	cfgs      []configDesc
	claimErr  error
	pipe      *fakePipe // what claim returns
	claimed   *selection
	closeErr  error
}

func (d *fakeDevice) serialNumber() (string, error) { return d.serial, d.serialErr }

func (d *fakeDevice) configs() []configDesc { return d.cfgs }

func (d *fakeDevice) claim(sel selection) (pipe, error) {
	d.ev.add("claim %s interface %d alt %d", d.serial, sel.Interface, sel.Alternate)
	if d.claimErr != nil {
		return nil, d.claimErr
	}
	d.claimed = &sel
	if d.pipe == nil {
		d.pipe = &fakePipe{}
	}
	d.pipe.ev = d.ev
	return d.pipe, nil
}

func (d *fakeDevice) close() error {
	d.ev.add("close device %s", d.serial)
	return d.closeErr
}

// fakePipe runs transfers through the functions a test sets; unset, a
// write takes everything and a read waits for its context as a printer
// with nothing to say does.
type fakePipe struct {
	ev       *events
	writeFn  func(ctx context.Context, p []byte) (int, error)
	readFn   func(ctx context.Context, p []byte) (int, error)
	closeErr error
}

func (p *fakePipe) write(ctx context.Context, b []byte) (int, error) {
	if p.writeFn == nil {
		return len(b), nil
	}
	return p.writeFn(ctx, b)
}

func (p *fakePipe) read(ctx context.Context, b []byte) (int, error) {
	if p.readFn == nil {
		return waitCancelled(ctx, 0)
	}
	return p.readFn(ctx, b)
}

func (p *fakePipe) close() error {
	p.ev.add("close pipe")
	return p.closeErr
}

// waitCancelled is a transfer that moved n bytes and then hangs until it
// is cancelled, reported as gousb does.
func waitCancelled(ctx context.Context, n int) (int, error) {
	<-ctx.Done()
	return n, gousb.TransferCancelled
}

// printerDevice is an attached TM printer with the given serial number.
func printerDevice(serial string) *fakeDevice {
	return &fakeDevice{serial: serial, cfgs: []configDesc{config(1, printerBidi)}}
}

// busOf returns a newBus function for dial giving b.
func busOf(b *fakeBus) func() (bus, error) {
	if b.ev == nil {
		b.ev = &events{}
	}
	return func() (bus, error) {
		b.ev.add("new bus")
		return b, nil
	}
}
