//go:build !usb

package main

import (
	"context"
	"fmt"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/internal/config"
)

// usbDial refuses USB printers in a build without libusb: building with
// -tags usb (make does when libusb-1.0-0-dev is installed) adds them.
func usbDial(c config.Printer) (func(context.Context) (escpos.Stream, error), error) {
	return nil, fmt.Errorf("printer %s: this fiscald was built without USB printer support; install libusb-1.0-0-dev and rebuild with make (or go build -tags usb), or use the printer's serial or network interface", c.Name)
}
