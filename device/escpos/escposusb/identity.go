package escposusb

import "fmt"

// EpsonVID is Seiko Epson's USB vendor ID, the VID of every TM-series
// printer (devices.md §3.1).
const EpsonVID = 0x04b8

// Identity selects a USB printer. VID and PID are required; product IDs
// are shared by many models (0x0202 on most Epson TM printers), so a
// Serial is needed as soon as two printers of one kind are attached:
// fiscald never guesses which of two identical printers prints the
// receipts.
type Identity struct {
	// VID and PID are the USB vendor and product IDs, e.g. 0x04b8, 0x0202.
	VID, PID uint16
	// Serial is the printer's USB serial number (iSerialNumber); empty
	// selects the only attached printer with this VID and PID.
	Serial string
}

// IsZero reports whether id selects nothing.
func (id Identity) IsZero() bool { return id == Identity{} }

// String formats id as "04b8:0202" or "04b8:0202 serial X5FK012345".
func (id Identity) String() string {
	s := fmt.Sprintf("%04x:%04x", id.VID, id.PID)
	if id.Serial != "" {
		s += " serial " + id.Serial
	}
	return s
}

// validate reports an Identity that can never select a printer.
func (id Identity) validate() error {
	if id.VID == 0 || id.PID == 0 {
		return fmt.Errorf("escposusb: identity %s: %w: vendor and product ID are required", id, ErrInvalidIdentity)
	}
	return nil
}
