package serialport

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.bug.st/serial/enumerator"

	"github.com/fiscald/fiscald/device"
)

// fixedList is a lister returning ports, as the enumerator would on a
// machine with these adapters plugged in.
func fixedList(ports ...*enumerator.PortDetails) lister {
	return func() ([]*enumerator.PortDetails, error) { return ports, nil }
}

func usbPort(name, vid, pid, serial string) *enumerator.PortDetails {
	return &enumerator.PortDetails{Name: name, IsUSB: true, VID: vid, PID: pid, SerialNumber: serial}
}

// machine is a shop PC: a built-in port, an FTDI cable to the payment
// terminal, a CH340 cable to the printer, and a second FTDI cable.
var machine = []*enumerator.PortDetails{
	{Name: "/dev/ttyS0"},
	usbPort("/dev/ttyUSB0", "0403", "6001", "A50285BI"),
	usbPort("/dev/ttyUSB1", "1a86", "7523", ""),
	usbPort("/dev/ttyUSB2", "0403", "6001", "FT9XQ2LM"),
	{}, // a matched port without a sysfs device: no name (devices.md §5.4)
}

func TestResolveUSB(t *testing.T) {
	for _, tc := range []struct {
		name    string
		id      USBID
		ports   []*enumerator.PortDetails
		want    string
		wantErr []error
		errHas  string
	}{
		{name: "single match by VID:PID", id: USBID{VID: 0x1a86, PID: 0x7523},
			ports: machine, want: "/dev/ttyUSB1"},
		{name: "serial number picks one of two", id: USBID{VID: 0x0403, PID: 0x6001, Serial: "FT9XQ2LM"},
			ports: machine, want: "/dev/ttyUSB2"},
		{name: "enumerator spells IDs in upper case", id: USBID{VID: 0x1a86, PID: 0x7523},
			ports: []*enumerator.PortDetails{usbPort("/dev/ttyACM0", "1A86", "7523", "")}, want: "/dev/ttyACM0"},
		{name: "two matches", id: USBID{VID: 0x0403, PID: 0x6001}, ports: machine,
			wantErr: []error{ErrAmbiguous}, errHas: "/dev/ttyUSB0, /dev/ttyUSB2"},
		{name: "no match", id: USBID{VID: 0x067b, PID: 0x2303}, ports: machine,
			wantErr: []error{ErrNotFound, device.ErrUnavailable}, errHas: "067b:2303"},
		{name: "serial number not attached", id: USBID{VID: 0x0403, PID: 0x6001, Serial: "GONE"}, ports: machine,
			wantErr: []error{ErrNotFound, device.ErrUnavailable}, errHas: "serial GONE"},
		{name: "no ports at all", id: USBID{VID: 0x0403, PID: 0x6001},
			wantErr: []error{ErrNotFound}},
		{name: "unnamed entry never matches", id: USBID{VID: 0x0403, PID: 0x6001},
			ports:   []*enumerator.PortDetails{{IsUSB: true, VID: "0403", PID: "6001"}},
			wantErr: []error{ErrNotFound}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveUSB(tc.id, fixedList(tc.ports...))
			if len(tc.wantErr) == 0 {
				if err != nil || got != tc.want {
					t.Fatalf("resolveUSB = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to wrap %v", err, want)
				}
			}
			if err != nil && !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("err = %v, want it to mention %q", err, tc.errHas)
			}
		})
	}
}

func TestResolveUSBListError(t *testing.T) {
	boom := errors.New("sysfs unreadable")
	_, err := resolveUSB(USBID{VID: 1, PID: 2}, func() ([]*enumerator.PortDetails, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the lister's error", err)
	}
}

func TestListWith(t *testing.T) {
	ports, err := listWith(fixedList(machine...))
	if err != nil {
		t.Fatal(err)
	}
	want := []PortInfo{
		{Path: "/dev/ttyS0"},
		{Path: "/dev/ttyUSB0", IsUSB: true, VID: 0x0403, PID: 0x6001, SerialNumber: "A50285BI"},
		{Path: "/dev/ttyUSB1", IsUSB: true, VID: 0x1a86, PID: 0x7523},
		{Path: "/dev/ttyUSB2", IsUSB: true, VID: 0x0403, PID: 0x6001, SerialNumber: "FT9XQ2LM"},
	}
	if !reflect.DeepEqual(ports, want) {
		t.Errorf("listWith =\n%+v\nwant\n%+v", ports, want)
	}
	if id := ports[1].USBID(); id.String() != "0403:6001 serial A50285BI" {
		t.Errorf("USBID = %s", id)
	}
}
