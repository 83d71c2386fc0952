package escposusb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/gousb"

	"github.com/fiscald/fiscald/device"
)

// isTimeout is the ESC/POS driver's test for an expired deadline
// (device/escpos/stream.go).
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

func TestTransportError(t *testing.T) {
	id := Identity{VID: 0x04b8, PID: 0x0202}
	type kind int
	const (
		unplugged kind = iota
		timeout
		permission
		busy
		failure
		other
	)
	tests := []struct {
		name string
		err  error
		want kind
	}{
		{"ErrorNoDevice", gousb.ErrorNoDevice, unplugged},
		{"TransferNoDevice", gousb.TransferNoDevice, unplugged},
		{"ErrorNoDevice wrapped with %w", fmt.Errorf("open: %w", gousb.ErrorNoDevice), unplugged},
		{"ErrorNoDevice formatted with %v by gousb",
			fmt.Errorf("failed to claim interface 0 on 1.4: %v", gousb.ErrorNoDevice), unplugged},
		{"ErrorTimeout", gousb.ErrorTimeout, timeout},
		{"TransferTimedOut", gousb.TransferTimedOut, timeout},
		{"TransferCancelled", gousb.TransferCancelled, timeout},
		{"ErrorAccess", gousb.ErrorAccess, permission},
		{"ErrorAccess formatted with %v by gousb",
			fmt.Errorf("Can't detach kernel driver of the device 1.4 and interface 0: %v", gousb.ErrorAccess), permission},
		{"ErrorBusy", gousb.ErrorBusy, busy},
		{"ErrorBusy formatted with %v by gousb",
			fmt.Errorf("failed to claim interface 0 on 1.4,config=1: %v", gousb.ErrorBusy), busy},
		{"ErrorIO", gousb.ErrorIO, failure},
		{"ErrorPipe", gousb.ErrorPipe, failure},
		{"TransferStall", gousb.TransferStall, failure},
		{"TransferError", gousb.TransferError, failure},
		{"TransferOverflow", gousb.TransferOverflow, failure},
		{"ErrorNotSupported", gousb.ErrorNotSupported, other},
		{"not from libusb", errors.New("boom"), other},
		{"a code without libusb's prefix", errors.New("config 1 [code -3]"), other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := transportError(id, "claim", tt.err)
			msg := got.Error()
			if !strings.HasPrefix(msg, "escposusb 04b8:0202: claim: ") || !strings.Contains(msg, tt.err.Error()) {
				t.Errorf("message %q lacks the identity, the step or the cause", msg)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("%v does not wrap %v", got, tt.err)
			}
			if g, w := errors.Is(got, device.ErrUnavailable), tt.want == unplugged || tt.want == busy || tt.want == failure; g != w {
				t.Errorf("errors.Is(%v, device.ErrUnavailable) = %v, want %v", got, g, w)
			}
			if g, w := isTimeout(got) && errors.Is(got, device.ErrTimeout), tt.want == timeout; g != w {
				t.Errorf("timeout(%v) = %v, want %v", got, g, w)
			}
			if g, w := errors.Is(got, fs.ErrPermission), tt.want == permission; g != w {
				t.Errorf("errors.Is(%v, fs.ErrPermission) = %v, want %v", got, g, w)
			}
			var want []string
			switch tt.want {
			case unplugged:
				want = []string{"unplugged"}
			case permission:
				want = []string{`udev rule such as SUBSYSTEM=="usb", ATTRS{idVendor}=="04b8"`, "run fiscald as root"}
			case busy:
				want = []string{"claimed by another program"}
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
		})
	}
}

func TestNotFoundError(t *testing.T) {
	tests := []struct {
		id      Identity
		matched int
		want    string
	}{
		{Identity{VID: 0x04b8, PID: 0x0e28}, 0, "no printer with VID 0x04b8 PID 0x0e28, is it plugged in"},
		{Identity{VID: 0x04b8, PID: 0x0202, Serial: "X5FK012345"}, 2,
			`no printer with VID 0x04b8 PID 0x0202 (serial "X5FK012345" among 2 with this VID and PID)`},
	}
	for _, tt := range tests {
		err := notFoundError(tt.id, tt.matched)
		if !errors.Is(err, ErrNotFound) || !errors.Is(err, device.ErrUnavailable) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("notFoundError(%v) = %v; want ErrNotFound, device.ErrUnavailable and %q", tt.id, err, tt.want)
		}
	}
}

func TestIdentity(t *testing.T) {
	if got := (Identity{VID: EpsonVID, PID: 0x202}).String(); got != "04b8:0202" {
		t.Errorf("String = %q", got)
	}
	if got := (Identity{VID: EpsonVID, PID: 0x202, Serial: "X5FK"}).String(); got != "04b8:0202 serial X5FK" {
		t.Errorf("String = %q", got)
	}
	if !(Identity{}).IsZero() || (Identity{Serial: "x"}).IsZero() {
		t.Error("IsZero is wrong")
	}
	for _, id := range []Identity{{}, {VID: EpsonVID}, {PID: 0x0202}, {Serial: "X"}} {
		if err := id.validate(); !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("validate(%+v) = %v, want ErrInvalidIdentity", id, err)
		}
	}
	if err := (Identity{VID: EpsonVID, PID: 0x0202}).validate(); err != nil {
		t.Errorf("validate = %v", err)
	}
}
