package serialport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"go.bug.st/serial"

	"github.com/fiscald/fiscald/device"
)

// Errors callers branch on. Conditions a supervisor should retry later also
// wrap device.ErrUnavailable, and expired deadlines wrap device.ErrTimeout,
// so drivers above this package need only the device sentinels.
var (
	// ErrInvalidConfig means the Config can never open a port; retrying
	// will not help.
	ErrInvalidConfig = errors.New("serialport: invalid config")
	// ErrNotFound means the configured path does not exist or no attached
	// adapter has the configured USB identity: the device is unplugged or
	// misconfigured. It comes with device.ErrUnavailable.
	ErrNotFound = errors.New("serialport: port not found")
	// ErrAmbiguous means more than one attached adapter has the configured
	// USB identity; the configuration must name the serial number.
	ErrAmbiguous = errors.New("serialport: USB identity matches more than one port")
	// ErrBusy means another process (or another Port in this one) holds
	// the port. The message names the holder when the kernel reveals it.
	// It comes with device.ErrUnavailable.
	ErrBusy = errors.New("serialport: port in use")
	// ErrNotSerial means the path exists but is not a terminal device.
	ErrNotSerial = errors.New("serialport: not a serial port")
)

// errDisconnected is the text of every "far end gone" error.
const errDisconnected = "disconnected"

// ioError turns an error from the library or the write descriptor into one
// callers can branch on. closed reports whether Close was called on the
// Port, which makes any failure of an operation racing with it "closed"
// rather than "disconnected": a supervisor must not count its own Close as
// an unplug.
func ioError(path, op string, closed bool, err error) error {
	if closed {
		return fmt.Errorf("serialport %s: %s: %w", path, op, os.ErrClosed)
	}
	var pe *serial.PortError
	switch {
	case errors.As(err, &pe) && pe.Code() == serial.PortClosed,
		// The library reports a read of zero bytes (hang-up) as PortClosed;
		// EIO is what a pty slave or a vanished USB adapter returns once the
		// far end is gone, ENODEV/ENXIO what an unbound driver returns.
		errors.Is(err, io.EOF), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return fmt.Errorf("serialport %s: %s: %s (%w): %w", path, op, errDisconnected, device.ErrUnavailable, err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return timeoutError(path, op)
	}
	return fmt.Errorf("serialport %s: %s: %w", path, op, err)
}

// timeoutError is the error of an operation whose deadline passed. It wraps
// os.ErrDeadlineExceeded too, so code written for net.Conn and os.File
// recognises it.
func timeoutError(path, op string) error {
	return fmt.Errorf("serialport %s: %s: %w (%w)", path, op, device.ErrTimeout, os.ErrDeadlineExceeded)
}

// contextError is the error of an operation abandoned because its context
// ended. A passed context deadline is the caller's deadline, so it also
// wraps device.ErrTimeout; a cancellation is the caller's own doing and
// wraps only context.Canceled.
func contextError(path, op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("serialport %s: %s: %w (%w)", path, op, device.ErrTimeout, err)
	}
	return fmt.Errorf("serialport %s: %s: %w", path, op, err)
}

// openError explains why the library could not open path.
func openError(path string, err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			return fmt.Errorf("serialport: open %s: %w (%w): %w", path, ErrBusy, device.ErrUnavailable, err)
		case serial.PortNotFound:
			return notFoundError(path, err)
		case serial.PermissionDenied:
			return fmt.Errorf("serialport: open %s: %w: %w", path, fs.ErrPermission, err)
		case serial.InvalidSerialPort:
			return fmt.Errorf("serialport: open %s: %w: %w", path, ErrNotSerial, err)
		case serial.InvalidSpeed, serial.InvalidDataBits, serial.InvalidParity, serial.InvalidStopBits:
			return fmt.Errorf("serialport: open %s: %w: %w", path, ErrInvalidConfig, err)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return notFoundError(path, err)
	}
	return fmt.Errorf("serialport: open %s: %w", path, err)
}

// notFoundError is the error for a device node that does not exist.
func notFoundError(path string, err error) error {
	return fmt.Errorf("serialport: open %s: no such device, is it plugged in? (%w, %w): %w",
		path, ErrNotFound, device.ErrUnavailable, err)
}
