package serialport

import (
	"fmt"
	"strconv"

	"go.bug.st/serial/enumerator"
)

// PortInfo describes a serial port found by List.
type PortInfo struct {
	// Path is the device node, e.g. /dev/ttyUSB0.
	Path string
	// IsUSB reports whether the port is a USB-serial adapter; the USB
	// fields are empty otherwise.
	IsUSB bool
	// VID and PID are the adapter's USB vendor and product IDs.
	VID, PID uint16
	// SerialNumber, Manufacturer and Product are the adapter's USB
	// strings, empty when the adapter has none.
	SerialNumber string
	Manufacturer string
	Product      string
}

// USBID returns the identity a Config would use to select this port.
func (pi PortInfo) USBID() USBID {
	return USBID{VID: pi.VID, PID: pi.PID, Serial: pi.SerialNumber}
}

// lister enumerates ports. Open and List are given the library's
// enumerator; tests give a fixed list, as no USB exists on test machines.
type lister func() ([]*enumerator.PortDetails, error)

// List returns the serial ports of this machine with their USB identity
// where there is one. Pseudo-terminals are not listed.
//
// Beware a property of the library's enumeration: it probes built-in ports
// (/dev/ttyS*) by opening them, which applies default line settings (8N1)
// to a port that may be in use; see the package documentation.
func List() ([]PortInfo, error) {
	return listWith(enumerate)
}

// enumerate is the production lister: the library's enumerator, which on
// Linux reads everything from sysfs (its active-probe filter is ignored).
func enumerate() ([]*enumerator.PortDetails, error) {
	return enumerator.GetDetailedPortsList()
}

// listWith is List over an arbitrary lister.
func listWith(list lister) ([]PortInfo, error) {
	details, err := list()
	if err != nil {
		return nil, fmt.Errorf("serialport: list ports: %w", err)
	}
	ports := make([]PortInfo, 0, len(details))
	for _, d := range details {
		// The enumerator returns an entry with an empty name for a port
		// without a sysfs device (devices.md §5.4); it cannot be opened.
		if d == nil || d.Name == "" {
			continue
		}
		pi := PortInfo{Path: d.Name, IsUSB: d.IsUSB}
		if d.IsUSB {
			pi.VID = parseID(d.VID)
			pi.PID = parseID(d.PID)
			pi.SerialNumber = d.SerialNumber
			pi.Manufacturer = d.Manufacturer
			pi.Product = d.Product
		}
		ports = append(ports, pi)
	}
	return ports, nil
}

// parseID parses a USB ID as the enumerator spells it (hex, "0403"), 0 if
// it cannot: such a port never matches a configured identity.
func parseID(s string) uint16 {
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return 0
	}
	return uint16(v)
}
