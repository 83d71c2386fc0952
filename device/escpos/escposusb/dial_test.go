package escposusb

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/google/gousb"

	"github.com/fiscald/fiscald/device"
)

var tm = Identity{VID: EpsonVID, PID: 0x0202}

func TestDialOpensThePrinter(t *testing.T) {
	dev := printerDevice("X1")
	dev.cfgs = []configDesc{config(1,
		setting(0, 0, 0x07, 0x01, 0x01, bulkOut(0x01)),
		setting(0, 1, 0x07, 0x01, 0x02, bulkOut(0x01), bulkIn(0x82)))}
	b := &fakeBus{devices: []*fakeDevice{dev}}
	s, err := dial(context.Background(), tm, busOf(b))
	if err != nil {
		t.Fatal(err)
	}
	if b.vid != EpsonVID || b.pid != 0x0202 {
		t.Errorf("opened %04x:%04x", b.vid, b.pid)
	}
	if dev.claimed == nil || dev.claimed.Interface != 0 || dev.claimed.Alternate != 1 ||
		dev.claimed.Out.Address != 0x01 || !dev.claimed.HasIn || dev.claimed.In.Address != 0x82 {
		t.Errorf("claimed %v, want interface 0 alt 1 OUT 0x01 IN 0x82", dev.claimed)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"new bus", "open 04b8:0202", "claim X1 interface 0 alt 1", "close pipe", "close device X1", "close bus"}
	if got := b.ev.get(); !slices.Equal(got, want) {
		t.Errorf("events %q\nwant   %q", got, want)
	}
}

func TestDialPicksTheSerialNumber(t *testing.T) {
	a, bdev, c := printerDevice("A1"), printerDevice("B2"), printerDevice("C3")
	b := &fakeBus{devices: []*fakeDevice{a, bdev, c}}
	s, err := dial(context.Background(), Identity{VID: EpsonVID, PID: 0x0202, Serial: "B2"}, busOf(b))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if a.claimed != nil || bdev.claimed == nil || c.claimed != nil {
		t.Errorf("claimed A1 %v, B2 %v, C3 %v; want only B2", a.claimed, bdev.claimed, c.claimed)
	}
	got := b.ev.get()
	for _, w := range []string{"close device A1", "close device C3"} {
		if !slices.Contains(got, w) {
			t.Errorf("events %q lack %q", got, w)
		}
	}
	if slices.Contains(got, "close device B2") || slices.Contains(got, "close bus") {
		t.Errorf("events %q: the chosen device or the bus was closed", got)
	}
}

// TestDialFails checks every way a dial fails: the error, and that
// everything opened was closed again.
func TestDialFails(t *testing.T) {
	noPrinter := &fakeDevice{serial: "K1", cfgs: []configDesc{config(1, setting(0, 0, 0x03, 0x01, 0x01, interruptEP(0x81)))}}
	busyPrinter := printerDevice("P1")
	busyPrinter.claimErr = errors.New("failed to claim interface 0 on 1.4,config=1: libusb: device or resource busy [code -6]")
	tests := []struct {
		name    string
		id      Identity
		bus     *fakeBus
		is      []error
		message []string
		// closed lists the events that must have happened.
		closed []string
	}{
		{
			name:    "nothing attached",
			id:      tm,
			bus:     &fakeBus{},
			is:      []error{ErrNotFound, device.ErrUnavailable},
			message: []string{"no printer with VID 0x04b8 PID 0x0202, is it plugged in"},
			closed:  []string{"close bus"},
		},
		{
			name:    "serial number not among those attached",
			id:      Identity{VID: EpsonVID, PID: 0x0202, Serial: "Z9"},
			bus:     &fakeBus{devices: []*fakeDevice{printerDevice("A1"), printerDevice("B2")}},
			is:      []error{ErrNotFound, device.ErrUnavailable},
			message: []string{`no printer with VID 0x04b8 PID 0x0202 (serial "Z9" among 2 with this VID and PID)`},
			closed:  []string{"close device A1", "close device B2", "close bus"},
		},
		{
			name:    "two identical printers, no serial number configured",
			id:      tm,
			bus:     &fakeBus{devices: []*fakeDevice{printerDevice("A1"), printerDevice("")}},
			is:      []error{ErrAmbiguous},
			message: []string{"2 printers with VID 0x04b8 PID 0x0202", "serial numbers A1, (none)", "configure the serial number"},
			closed:  []string{"close device A1", "close device ", "close bus"},
		},
		{
			name:    "no permission to open",
			id:      tm,
			bus:     &fakeBus{openErr: gousb.ErrorAccess},
			is:      []error{fs.ErrPermission, gousb.ErrorAccess},
			message: []string{"open: no permission", "udev rule", "root"},
			closed:  []string{"close bus"},
		},
		{
			name:    "serial number unreadable: unplugged while opening",
			id:      Identity{VID: EpsonVID, PID: 0x0202, Serial: "A1"},
			bus:     &fakeBus{devices: []*fakeDevice{{serial: "A1", serialErr: gousb.ErrorNoDevice}}},
			is:      []error{device.ErrUnavailable, gousb.ErrorNoDevice},
			message: []string{"read serial number: printer unplugged"},
			closed:  []string{"close device A1", "close bus"},
		},
		{
			name:    "not a printer",
			id:      tm,
			bus:     &fakeBus{devices: []*fakeDevice{noPrinter}},
			is:      []error{ErrNoPrinterInterface},
			message: []string{"escposusb 04b8:0202:", "(not a printer) with interrupt IN 0x81"},
			closed:  []string{"close device K1", "close bus"},
		},
		{
			name:    "claimed by another program",
			id:      tm,
			bus:     &fakeBus{devices: []*fakeDevice{busyPrinter}},
			is:      []error{device.ErrUnavailable},
			message: []string{"claim config 1 interface 0 alt 0", "claimed by another program"},
			closed:  []string{"close device P1", "close bus"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := dial(context.Background(), tt.id, busOf(tt.bus))
			if err == nil {
				s.Close()
				t.Fatal("dial succeeded")
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("%v does not wrap %v", err, target)
				}
			}
			for _, m := range tt.message {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not say %q", err, m)
				}
			}
			got := tt.bus.ev.get()
			for _, w := range tt.closed {
				if !slices.Contains(got, w) {
					t.Errorf("events %q lack %q", got, w)
				}
			}
			if got[len(got)-1] != "close bus" {
				t.Errorf("events %q do not end with closing the bus", got)
			}
		})
	}
}

func TestDialOneOfSeveralOpenedDespiteAnEnumerationError(t *testing.T) {
	b := &fakeBus{devices: []*fakeDevice{printerDevice("A1")}, openErr: gousb.ErrorAccess}
	s, err := dial(context.Background(), tm, busOf(b))
	if err != nil {
		t.Fatalf("dial = %v; the one matching printer opened", err)
	}
	s.Close()
}

func TestDialBeforeOpening(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		id   Identity
		is   error
	}{
		{"no product ID", context.Background(), Identity{VID: EpsonVID}, ErrInvalidIdentity},
		{"context cancelled", ctx, tm, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBus{devices: []*fakeDevice{printerDevice("A1")}}
			if _, err := dial(tt.ctx, tt.id, busOf(b)); !errors.Is(err, tt.is) {
				t.Errorf("dial = %v, want %v", err, tt.is)
			}
			if got := b.ev.get(); len(got) != 0 {
				t.Errorf("events %q; want no libusb context", got)
			}
		})
	}
}

func TestDialLibusbInitFails(t *testing.T) {
	_, err := dial(context.Background(), tm, func() (bus, error) { return nil, gousb.ErrorOther })
	if !errors.Is(err, gousb.ErrorOther) || !strings.Contains(err.Error(), "initialise libusb") {
		t.Errorf("dial = %v", err)
	}
}
