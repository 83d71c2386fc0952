package escposusb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// USB class codes of interfaces (USB Printer Class 1.1, devices.md §3.1).
const (
	classPrinter    = 0x07
	subclassPrinter = 0x01
	classVendor     = 0xff

	protocolUnidirectional = 0x01
	protocolBidirectional  = 0x02
	protocol1284_4         = 0x03
)

// configDesc is a configuration descriptor, as plain data.
type configDesc struct {
	Number int
	// Settings holds every alternate setting of every interface.
	Settings []settingDesc
}

// settingDesc is one alternate setting of an interface.
type settingDesc struct {
	Interface, Alternate      int
	Class, SubClass, Protocol uint8
	Endpoints                 []endpointDesc
}

// endpointDesc is an endpoint descriptor.
type endpointDesc struct {
	// Address is the endpoint address; bit 7 set means IN.
	Address uint8
	Type    transferType
	// MaxPacketSize is the largest packet the endpoint sends or takes.
	MaxPacketSize int
}

// in reports whether e sends data to the host.
func (e endpointDesc) in() bool { return e.Address&0x80 != 0 }

func (e endpointDesc) String() string {
	dir := "OUT"
	if e.in() {
		dir = "IN"
	}
	return fmt.Sprintf("%s %s 0x%02x", e.Type, dir, e.Address)
}

// transferType is an endpoint's transfer type.
type transferType uint8

// Transfer types, as in bmAttributes bits 0–1.
const (
	transferControl transferType = iota
	transferIsochronous
	transferBulk
	transferInterrupt
)

func (t transferType) String() string {
	switch t {
	case transferControl:
		return "control"
	case transferIsochronous:
		return "isochronous"
	case transferBulk:
		return "bulk"
	case transferInterrupt:
		return "interrupt"
	}
	return fmt.Sprintf("transfer type %d", uint8(t))
}

// selection is the interface the stream runs on and its endpoints.
type selection struct {
	Config, Interface, Alternate int
	// Out is the bulk OUT endpoint jobs go to.
	Out endpointDesc
	// In is the bulk IN endpoint status comes back on; HasIn is false
	// for a unidirectional printer.
	In    endpointDesc
	HasIn bool
	// Class, SubClass and Protocol describe the interface, for messages.
	Class, SubClass, Protocol uint8
}

func (s selection) String() string {
	in := "no IN endpoint"
	if s.HasIn {
		in = fmt.Sprintf("IN 0x%02x", s.In.Address)
	}
	return fmt.Sprintf("config %d interface %d alt %d (class 0x%02x/0x%02x/0x%02x, OUT 0x%02x, %s)",
		s.Config, s.Interface, s.Alternate, s.Class, s.SubClass, s.Protocol, s.Out.Address, in)
}

// Ranks of usable interfaces; lower is better.
const (
	rankPrinterBidirectional = iota
	rankPrinterOtherProtocol // a printer-class interface with both endpoints but not protocol 2
	rankVendor
	rankPrinterWriteOnly
	unusable
)

// rank tells whether s can carry ESC/POS, and how well.
func rank(s settingDesc) (int, selection) {
	sel := selection{
		Interface: s.Interface, Alternate: s.Alternate,
		Class: s.Class, SubClass: s.SubClass, Protocol: s.Protocol,
	}
	var hasOut bool
	for _, e := range s.Endpoints {
		if e.Type != transferBulk {
			continue
		}
		// The first bulk endpoint of each direction, in descriptor order.
		switch {
		case e.in() && !sel.HasIn:
			sel.In, sel.HasIn = e, true
		case !e.in() && !hasOut:
			sel.Out, hasOut = e, true
		}
	}
	printer := s.Class == classPrinter && s.SubClass == subclassPrinter && s.Protocol != protocol1284_4
	switch {
	case !hasOut:
		return unusable, selection{}
	case printer && sel.HasIn && s.Protocol == protocolBidirectional:
		return rankPrinterBidirectional, sel
	case printer && sel.HasIn:
		return rankPrinterOtherProtocol, sel
	case s.Class == classVendor && sel.HasIn:
		return rankVendor, sel
	case printer:
		return rankPrinterWriteOnly, sel
	}
	return unusable, selection{}
}

// choose picks the interface a printer's descriptors offer for ESC/POS
// (see the package documentation). Ties go to the lowest configuration,
// interface and alternate setting numbers. Its error wraps
// ErrNoPrinterInterface and lists what the device has.
func choose(configs []configDesc) (selection, error) {
	best, bestRank := selection{}, unusable
	cfgs := slices.SortedFunc(slices.Values(configs), func(a, b configDesc) int { return cmp.Compare(a.Number, b.Number) })
	for _, c := range cfgs {
		settings := slices.SortedFunc(slices.Values(c.Settings), func(a, b settingDesc) int {
			return cmp.Or(cmp.Compare(a.Interface, b.Interface), cmp.Compare(a.Alternate, b.Alternate))
		})
		for _, s := range settings {
			if r, sel := rank(s); r < bestRank {
				sel.Config = c.Number
				best, bestRank = sel, r
			}
		}
	}
	if bestRank == unusable {
		return selection{}, fmt.Errorf("%w; the device has %s", ErrNoPrinterInterface, describe(configs))
	}
	return best, nil
}

// describe lists a device's interfaces and endpoints for an error message.
func describe(configs []configDesc) string {
	var parts []string
	for _, c := range configs {
		for _, s := range c.Settings {
			eps := make([]string, len(s.Endpoints))
			for i, e := range s.Endpoints {
				eps[i] = e.String()
			}
			list := "no endpoints"
			if len(eps) > 0 {
				list = strings.Join(eps, ", ")
			}
			parts = append(parts, fmt.Sprintf("config %d interface %d alt %d class 0x%02x/0x%02x/0x%02x (%s) with %s",
				c.Number, s.Interface, s.Alternate, s.Class, s.SubClass, s.Protocol, className(s), list))
		}
	}
	if len(parts) == 0 {
		return "no configurations"
	}
	return strings.Join(parts, "; ")
}

// className names the interface classes a printer may show.
func className(s settingDesc) string {
	switch {
	case s.Class == classPrinter && s.SubClass == subclassPrinter:
		switch s.Protocol {
		case protocolUnidirectional:
			return "printer, unidirectional"
		case protocolBidirectional:
			return "printer, bidirectional"
		case protocol1284_4:
			return "printer, IEEE 1284.4, not supported"
		}
		return "printer"
	case s.Class == classPrinter:
		return "printer class, unknown subclass"
	case s.Class == classVendor:
		return "vendor-specific"
	}
	return "not a printer"
}
