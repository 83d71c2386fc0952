package escposusb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/google/gousb"

	"github.com/fiscald/fiscald/device"
)

// Errors callers branch on. Conditions a supervisor should retry later
// also wrap device.ErrUnavailable, and expired deadlines wrap
// device.ErrTimeout and os.ErrDeadlineExceeded, so the ESC/POS driver
// needs only those.
var (
	// ErrInvalidIdentity means the Identity can never select a printer.
	ErrInvalidIdentity = errors.New("escposusb: invalid identity")
	// ErrNotFound means no attached device has the configured identity:
	// the printer is unplugged, switched off or misconfigured. It comes
	// with device.ErrUnavailable.
	ErrNotFound = errors.New("escposusb: printer not found")
	// ErrAmbiguous means several attached printers have the configured
	// VID and PID and the configuration names no serial number.
	ErrAmbiguous = errors.New("escposusb: identity matches more than one printer")
	// ErrNoPrinterInterface means the device has no interface that can
	// carry ESC/POS (see the package documentation).
	ErrNoPrinterInterface = errors.New("escposusb: no printer interface with a bulk OUT endpoint")
	// ErrWriteOnly is what Read returns on a unidirectional printer: it
	// has no bulk IN endpoint, so neither status nor job confirmations
	// can be read.
	ErrWriteOnly = errors.New("escposusb: printer interface is unidirectional (no bulk IN endpoint), status unavailable")
)

// libusbCause finds the libusb error code or transfer status behind err.
// gousb formats some errors with %v (claiming an interface, setting the
// configuration), which loses the type; their text still ends in
// "libusb: <description> [code N]", and the code is recovered from it.
func libusbCause(err error) (code gousb.Error, status gousb.TransferStatus, ok bool) {
	if errors.As(err, &code) {
		return code, 0, true
	}
	if errors.As(err, &status) {
		return 0, status, true
	}
	if err == nil {
		return 0, 0, false
	}
	msg := err.Error()
	i := strings.LastIndex(msg, "libusb: ")
	if i < 0 {
		return 0, 0, false
	}
	j := strings.LastIndex(msg[i:], "[code ")
	if j < 0 {
		return 0, 0, false
	}
	var n int
	if _, err := fmt.Sscanf(msg[i+j:], "[code %d]", &n); err != nil || n >= 0 {
		return 0, 0, false
	}
	return gousb.Error(n), 0, true
}

// transportError turns an error from libusb into one callers can branch
// on; op names the step ("open", "claim", "write", …).
func transportError(id Identity, op string, err error) error {
	code, status, ok := libusbCause(err)
	if !ok {
		return fmt.Errorf("escposusb %s: %s: %w", id, op, err)
	}
	switch {
	case code == gousb.ErrorNoDevice || status == gousb.TransferNoDevice:
		return fmt.Errorf("escposusb %s: %s: printer unplugged (%w): %w", id, op, device.ErrUnavailable, err)
	case code == gousb.ErrorTimeout || status == gousb.TransferTimedOut || status == gousb.TransferCancelled:
		return timeoutError(id, op, err)
	case code == gousb.ErrorAccess:
		return fmt.Errorf("escposusb %s: %s: no permission to use the USB device (%w): add a udev rule such as "+
			`SUBSYSTEM=="usb", ATTRS{idVendor}=="%04x", MODE="0660", GROUP="lp" and add fiscald's user to that group, `+
			"or run fiscald as root: %w", id, op, fs.ErrPermission, id.VID, err)
	case code == gousb.ErrorBusy:
		return fmt.Errorf("escposusb %s: %s: printer claimed by another program or kernel driver (%w): %w",
			id, op, device.ErrUnavailable, err)
	case code == gousb.ErrorIO, code == gousb.ErrorPipe, code == gousb.ErrorOverflow, code == gousb.ErrorNotFound,
		code == gousb.ErrorInterrupted, code == gousb.ErrorOther,
		status == gousb.TransferError, status == gousb.TransferStall, status == gousb.TransferOverflow:
		return fmt.Errorf("escposusb %s: %s: USB failure (%w): %w", id, op, device.ErrUnavailable, err)
	}
	return fmt.Errorf("escposusb %s: %s: %w", id, op, err)
}

// timeoutError is the error of a transfer whose deadline passed. It wraps
// os.ErrDeadlineExceeded, as net and os deadlines do, which the ESC/POS
// driver relies on.
func timeoutError(id Identity, op string, err error) error {
	return fmt.Errorf("escposusb %s: %s: %w (%w): %w", id, op, device.ErrTimeout, os.ErrDeadlineExceeded, err)
}

// notFoundError is the error of a dial that found no matching printer.
func notFoundError(id Identity, matched int) error {
	serial := ""
	if id.Serial != "" {
		serial = fmt.Sprintf(" (serial %q among %d with this VID and PID)", id.Serial, matched)
	}
	return fmt.Errorf("escposusb: no printer with VID 0x%04x PID 0x%04x%s, is it plugged in and switched on? (%w, %w)",
		id.VID, id.PID, serial, ErrNotFound, device.ErrUnavailable)
}
