//go:build usb

package main

import (
	"context"
	"fmt"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escposusb"
	"github.com/fiscald/fiscald/internal/config"
)

// usbDial reaches a USB printer-class printer through libusb, found by
// its identity on every connect.
func usbDial(c config.Printer) (func(context.Context) (escpos.Stream, error), error) {
	vid, pid, err := c.USB.IDs()
	if err != nil {
		return nil, fmt.Errorf("printer %s: usb %w", c.Name, err)
	}
	return escposusb.Dial(escposusb.Identity{VID: vid, PID: pid, Serial: c.USB.Serial}), nil
}
