package serialport

import (
	"fmt"

	"go.bug.st/serial"
)

// Line-setting defaults: those of a ZVT payment terminal (devices.md §1.8),
// the most demanding serial device fiscald drives.
const (
	DefaultBaudRate = 9600
	DefaultDataBits = 8
)

// Config selects a port and its line settings. Exactly one of Path and USB
// must be set. Zero line settings mean 9600 baud, 8 data bits, no parity,
// two stop bits (9600 8N2).
type Config struct {
	// Path is the device node, e.g. /dev/ttyS0, a /dev/serial/by-id link or
	// a pty slave such as /dev/pts/3.
	Path string
	// USB selects a USB-serial adapter by identity instead of by path; it
	// is resolved to the current /dev/tty* node on every Open. Resolving
	// probes built-in ports; see "Enumeration disturbs built-in ports" in
	// the package documentation.
	USB USBID

	// BaudRate is the line speed in bits per second (0: 9600).
	BaudRate int
	// DataBits is the character size, 5 to 8 (0: 8).
	DataBits int
	// Parity is the parity mode (zero value: none).
	Parity Parity
	// StopBits is the number of stop bits (zero value: two).
	StopBits StopBits
}

// USBID identifies a USB-serial adapter. The zero value selects nothing.
type USBID struct {
	// VID and PID are the USB vendor and product IDs, e.g. 0x0403, 0x6001.
	VID, PID uint16
	// Serial is the adapter's USB serial number. It may be empty only if
	// a single adapter with this VID and PID is attached; fiscald never
	// guesses which of two identical adapters is the payment terminal.
	Serial string
}

// IsZero reports whether id selects nothing.
func (id USBID) IsZero() bool { return id == USBID{} }

// String formats id as "0403:6001" or "0403:6001 serial A50285BI".
func (id USBID) String() string {
	s := fmt.Sprintf("%04x:%04x", id.VID, id.PID)
	if id.Serial != "" {
		s += " serial " + id.Serial
	}
	return s
}

// Parity is the parity mode of a serial line.
type Parity uint8

// Parity modes. The zero value is no parity.
const (
	ParityNone Parity = iota
	ParityOdd
	ParityEven
	ParityMark
	ParitySpace
)

// StopBits is the number of stop bits of a serial line.
type StopBits uint8

// Stop-bit settings. The zero value means two: ZVT requires 8N2, and a
// receiver set to one stop bit still reads frames sent with two (the second
// is just idle line), while the reverse can produce framing errors. So two
// is the default that never breaks a link; printers that want throughput
// may set StopBitsOne.
const (
	StopBitsDefault StopBits = iota
	StopBitsOne
	StopBitsTwo
)

// mode validates cfg's line settings and converts them for the library.
func (cfg Config) mode() (*serial.Mode, error) {
	m := &serial.Mode{BaudRate: cfg.BaudRate, DataBits: cfg.DataBits}
	if m.BaudRate == 0 {
		m.BaudRate = DefaultBaudRate
	}
	if m.BaudRate < 0 {
		return nil, fmt.Errorf("%w: baud rate %d", ErrInvalidConfig, cfg.BaudRate)
	}
	if m.DataBits == 0 {
		m.DataBits = DefaultDataBits
	}
	if m.DataBits < 5 || m.DataBits > 8 {
		return nil, fmt.Errorf("%w: data bits %d (want 5 to 8)", ErrInvalidConfig, cfg.DataBits)
	}
	switch cfg.Parity {
	case ParityNone:
		m.Parity = serial.NoParity
	case ParityOdd:
		m.Parity = serial.OddParity
	case ParityEven:
		m.Parity = serial.EvenParity
	case ParityMark:
		m.Parity = serial.MarkParity
	case ParitySpace:
		m.Parity = serial.SpaceParity
	default:
		return nil, fmt.Errorf("%w: parity %d", ErrInvalidConfig, cfg.Parity)
	}
	switch cfg.StopBits {
	case StopBitsDefault, StopBitsTwo:
		m.StopBits = serial.TwoStopBits
	case StopBitsOne:
		m.StopBits = serial.OneStopBit
	default:
		return nil, fmt.Errorf("%w: stop bits %d", ErrInvalidConfig, cfg.StopBits)
	}
	// InitialStatusBits stays nil: setting DTR/RTS at open fails on a pty
	// (devices.md §5.2), and the library then raises both, which is what
	// a terminal without handshake expects anyway.
	return m, nil
}

// validate checks the port selector.
func (cfg Config) validate() error {
	switch {
	case cfg.Path == "" && cfg.USB.IsZero():
		return fmt.Errorf("%w: neither path nor USB identity set", ErrInvalidConfig)
	case cfg.Path != "" && !cfg.USB.IsZero():
		return fmt.Errorf("%w: both path %q and USB identity %s set", ErrInvalidConfig, cfg.Path, cfg.USB)
	case cfg.Path == "" && (cfg.USB.VID == 0 || cfg.USB.PID == 0):
		return fmt.Errorf("%w: USB identity %s needs both vendor and product ID", ErrInvalidConfig, cfg.USB)
	}
	return nil
}
