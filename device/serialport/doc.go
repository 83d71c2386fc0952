// Package serialport is fiscald's serial-line transport: it opens an RS-232
// or USB-serial port (a ZVT payment terminal, a serial receipt printer, or a
// simulator on a pseudo-terminal) and hands out a Port, a plain byte stream
// with read and write deadlines that protocol drivers frame themselves.
//
// It is the only package that imports go.bug.st/serial, and it imports
// nothing from fiscald but the device contract: errors that mean "the device
// is gone" wrap device.ErrUnavailable, and expired deadlines wrap
// device.ErrTimeout (and os.ErrDeadlineExceeded, as net and os do).
//
// # Selecting a port
//
// A Config names the port by path, or by USB identity (vendor, product,
// serial number), which Open resolves through the library's enumerator on
// every call because the /dev/tty* name of an adapter changes when it is
// re-plugged. A supervisor reconnecting a device therefore just calls Open
// again with the same Config.
//
// # Exclusivity
//
// The library asks the kernel for exclusive access (TIOCEXCL), but that does
// not stop a process running as root, which fiscald may be. Open therefore
// also takes an flock(2) on the device node before it touches the line
// settings, so a second daemon (or a second device entry pointing at the
// same node) fails with ErrBusy naming the holder, instead of silently
// sharing a payment terminal.
//
// # Enumeration disturbs built-in ports
//
// The library's enumerator (used by List and by Open with a USB identity)
// probes each /dev/ttyS* by opening it with default settings, which on
// Linux resets that terminal's line to 9600 8N1 even while another Port
// uses it: TIOCEXCL refuses the probe only to non-root processes, and the
// probe ignores flock. A daemon running as root with a ZVT terminal on a
// built-in port should therefore select its USB devices by path (the
// stable /dev/serial/by-id links) rather than by USB identity.
//
// # Pseudo-terminals
//
// A pty slave behaves like a serial port here, which is how the simulators
// and the tests attach. A pty has no line speed: baud rate, parity and stop
// bits are accepted and ignored, so they cannot be checked in tests.
package serialport
