package config

import (
	"fmt"
)

// Printer is an ESC/POS receipt printer, reached over exactly one of TCP
// (network printers, port 9100), a serial line, or USB.
type Printer struct {
	// Name identifies the printer (a CashBox's printer, /v2/issue's
	// Options.Printer).
	Name string `yaml:"name"`
	// TCP is host:port; a bare host means port 9100.
	TCP    string         `yaml:"tcp"`
	Serial *PrinterSerial `yaml:"serial"`
	// USB is the printer's own USB identity (a USB printer-class device,
	// driven through libusb).
	USB *USBID `yaml:"usb"`
	// Columns is the paper width in characters: 48 (80 mm, the default)
	// or 32 (58 mm).
	Columns int `yaml:"columns"`
}

// PrinterSerial selects a serial printer's port: a fixed path or a
// USB-serial adapter by identity, and the line's speed.
type PrinterSerial struct {
	Path string `yaml:"path"`
	USB  *USBID `yaml:"usb"`
	// Baud is the line speed set on the printer (default 38400).
	Baud int `yaml:"baud"`
}

// Printer defaults.
const (
	DefaultPrinterPort    = "9100"
	DefaultPrinterColumns = 48
	DefaultPrinterBaud    = 38400
)

func (c *Config) printerDefaults() {
	for i := range c.Printers {
		p := &c.Printers[i]
		if p.TCP != "" {
			p.TCP = withPort(p.TCP, DefaultPrinterPort)
		}
		if p.Columns == 0 {
			p.Columns = DefaultPrinterColumns
		}
		if p.Serial != nil && p.Serial.Baud == 0 {
			p.Serial.Baud = DefaultPrinterBaud
		}
	}
}

// validatePrinters checks the printers and the CashBoxes' references to
// them.
func (c *Config) validatePrinters(bad func(string, string, ...any)) {
	names := map[string]bool{}
	for i, p := range c.Printers {
		path := fmt.Sprintf("printers[%d]", i)
		switch {
		case !namePattern.MatchString(p.Name):
			bad(path+".name", "must be 1-63 characters of [a-z0-9._-]")
		case names[p.Name]:
			bad(path+".name", "%q is used twice", p.Name)
		}
		names[p.Name] = true
		n := 0
		if p.TCP != "" {
			n++
			validateHostPort(path+".tcp", p.TCP, DefaultPrinterPort, bad)
		}
		if p.Serial != nil {
			n++
			validateSerialPort(path+".serial", p.Serial.Path, p.Serial.USB, bad)
			if p.Serial.Baud < 1200 || p.Serial.Baud > 921600 {
				bad(path+".serial.baud", "must be a line speed between 1200 and 921600")
			}
		}
		if p.USB != nil {
			n++
			if _, _, err := p.USB.IDs(); err != nil {
				bad(path+".usb", "%v", err)
			}
		}
		if n != 1 {
			bad(path, "give exactly one of tcp, serial and usb")
		}
		if p.Columns != 32 && p.Columns != 42 && p.Columns != 48 {
			bad(path+".columns", "must be 48 (80 mm paper), 42 or 32 (58 mm paper)")
		}
	}
	for i, cb := range c.CashBoxes {
		if cb.Printer != "" && !names[cb.Printer] {
			bad(fmt.Sprintf("cashboxes[%d].printer", i), "%q is not a configured printer", cb.Printer)
		}
	}
}
