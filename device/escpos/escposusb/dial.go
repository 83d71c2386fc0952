package escposusb

import (
	"context"
	"fmt"
	"strings"

	"github.com/fiscald/fiscald/device/escpos"
)

// bus is a libusb context: gousbBus in production, a fake in tests.
type bus interface {
	// open opens every attached device with this vendor and product ID.
	// Devices may come back alongside an error (gousb reports the last
	// device it failed to open or describe); each must be closed.
	open(vid, pid uint16) ([]usbDevice, error)
	// close ends the context; its devices must be closed first.
	close() error
}

// usbDevice is an opened USB device.
type usbDevice interface {
	// serialNumber reads the device's serial number string.
	serialNumber() (string, error)
	// configs returns the device's configuration descriptors.
	configs() []configDesc
	// claim detaches kernel drivers (usblp), activates sel's
	// configuration, claims sel's interface and alternate setting and
	// opens its endpoints.
	claim(sel selection) (pipe, error)
	// close closes the device; a pipe claimed on it must be closed first.
	close() error
}

// pipe is a claimed interface with its bulk endpoints. A transfer ends
// when ctx does, reporting gousb.TransferCancelled and the number of
// bytes already transferred.
type pipe interface {
	// write sends p on the bulk OUT endpoint.
	write(ctx context.Context, p []byte) (int, error)
	// read receives on the bulk IN endpoint; it is not called without
	// one. len(p) is a multiple of the endpoint's maximum packet size.
	read(ctx context.Context, p []byte) (int, error)
	// close releases the interface and the configuration.
	close() error
}

// Dial returns a dial function for escpos.New that opens the USB printer
// id selects (see the package documentation). Each call enumerates the
// bus afresh and returns a new Stream, which also has SetWriteDeadline
// and SetDeadline; the driver closes it when the link fails.
//
// Errors wrap ErrInvalidIdentity, ErrNotFound, ErrAmbiguous or
// ErrNoPrinterInterface, fs.ErrPermission when the process may not open
// the device, and device.ErrUnavailable when retrying later may succeed
// (not attached, claimed by another program, unplugged while opening).
// The dial does not block on the device; ctx is checked between its
// steps.
func Dial(id Identity) func(context.Context) (escpos.Stream, error) {
	return func(ctx context.Context) (escpos.Stream, error) {
		s, err := dial(ctx, id, openBus)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return s, nil
	}
}

// dial is Dial with the libusb context as a parameter, for tests.
func dial(ctx context.Context, id Identity, newBus func() (bus, error)) (*stream, error) {
	if err := id.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("escposusb %s: dial: %w", id, err)
	}
	b, err := newBus()
	if err != nil {
		return nil, transportError(id, "initialise libusb", err)
	}
	dev, err := find(id, b)
	if err != nil {
		_ = b.close()
		return nil, err
	}
	release := func() {
		_ = dev.close()
		_ = b.close()
	}
	sel, err := choose(dev.configs())
	if err != nil {
		release()
		return nil, fmt.Errorf("escposusb %s: %w", id, err)
	}
	if err := ctx.Err(); err != nil {
		release()
		return nil, fmt.Errorf("escposusb %s: dial: %w", id, err)
	}
	p, err := dev.claim(sel)
	if err != nil {
		release()
		return nil, transportError(id, "claim "+sel.String(), err)
	}
	return newStream(id, sel, p, dev, b), nil
}

// find opens the one device id selects and closes the other candidates.
// An error gousb reports while enumerating is ignored when exactly one
// device matches: it may concern another device.
func find(id Identity, b bus) (usbDevice, error) {
	devs, openErr := b.open(id.VID, id.PID)
	var (
		matches   []usbDevice
		serials   []string
		serialErr error
	)
	for _, d := range devs {
		sn, err := d.serialNumber()
		if id.Serial != "" && (err != nil || sn != id.Serial) {
			if err != nil {
				serialErr = err
			}
			_ = d.close()
			continue
		}
		if err != nil {
			sn = "(unreadable)"
		} else if sn == "" {
			sn = "(none)"
		}
		matches = append(matches, d)
		serials = append(serials, sn)
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		for _, d := range matches {
			_ = d.close()
		}
		return nil, fmt.Errorf("escposusb: %d printers with VID 0x%04x PID 0x%04x are attached, serial numbers %s; configure the serial number: %w",
			len(matches), id.VID, id.PID, strings.Join(serials, ", "), ErrAmbiguous)
	case openErr != nil:
		return nil, transportError(id, "open", openErr)
	case serialErr != nil:
		return nil, transportError(id, "read serial number", serialErr)
	}
	return nil, notFoundError(id, len(devs))
}
