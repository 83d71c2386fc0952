// Package escposusb opens a USB receipt printer for the ESC/POS driver
// (device/escpos) through libusb (github.com/google/gousb), devices.md
// §3.1 and §6.
//
// Dial returns a dial function for escpos.New. On every call it opens a
// fresh libusb context, finds the printer by vendor and product ID (and
// serial number when configured), reads its descriptors to choose the
// printer interface and that interface's bulk endpoints, detaches the
// kernel's usblp driver (SetAutoDetach), claims the interface and hands
// out a Stream: Write is a bulk OUT transfer bounded by the write
// deadline, Read a bulk IN transfer bounded by the read deadline, Close
// releases the interface, the configuration, the device and the context.
// A printer that was unplugged and plugged in again (it gets a new bus
// address) is therefore found by the next dial.
//
// # Choosing the interface
//
// The endpoints come from the descriptors, never from assumed addresses.
// In order of preference:
//
//  1. a printer-class interface (class 0x07, subclass 0x01) with a bulk
//     OUT and a bulk IN endpoint, protocol 0x02 (bidirectional) first;
//  2. a vendor-specific interface (class 0xff) with a bulk OUT and a bulk
//     IN endpoint, as Epson printers switched to their vendor class show;
//  3. a printer-class interface with a bulk OUT endpoint only
//     (unidirectional, protocol 0x01): the Stream can print but its Read
//     fails with ErrWriteOnly, so the driver cannot learn the status or
//     see jobs confirmed.
//
// IEEE 1284.4 interfaces (protocol 0x03) are not used: they multiplex
// channels and do not carry raw ESC/POS. A device with none of these
// fails to dial with ErrNoPrinterInterface and a list of what it has.
//
// # Errors
//
// Errors wrap device.ErrUnavailable when retrying later may help: no
// such printer attached (ErrNotFound), unplugged during a transfer
// (libusb's NO_DEVICE), or claimed by another program (BUSY). An expired
// deadline, which libusb reports as a cancelled transfer together with
// the bytes already sent, wraps device.ErrTimeout and
// os.ErrDeadlineExceeded, as the driver expects of every Stream. A
// permission problem wraps fs.ErrPermission and says what to do: a udev
// rule for the printer's vendor ID, or running as root.
//
// # Testing
//
// USB cannot be emulated on the test machines (devices.md §6.4). The
// package therefore keeps gousb behind three small interfaces (bus,
// usbDevice, pipe) implemented in gousb.go; enumeration, interface
// selection, error mapping and the Stream's deadline handling are tested
// against fakes of them, and the real adapter only in its "no such
// printer" path.
//
// The package needs cgo and libusb-1.0 (pkg-config and libusb-1.0-0-dev
// to build, which make deps installs). It is the only package that
// imports gousb, and the fiscal core does not import it (cmd/fiscald
// joins it to the driver), so the core still builds with CGO_ENABLED=0.
package escposusb
