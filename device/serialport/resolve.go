package serialport

import (
	"fmt"
	"strings"

	"github.com/fiscald/fiscald/device"
)

// resolveUSB finds the device node of the adapter with identity id. It
// enumerates afresh on each call because the node changes on re-plug.
func resolveUSB(id USBID, list lister) (string, error) {
	ports, err := listWith(list)
	if err != nil {
		return "", fmt.Errorf("serialport: resolve USB %s: %w", id, err)
	}
	var matches []string
	for _, pi := range ports {
		if !pi.IsUSB || pi.VID != id.VID || pi.PID != id.PID {
			continue
		}
		if id.Serial != "" && pi.SerialNumber != id.Serial {
			continue
		}
		matches = append(matches, pi.Path)
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("serialport: no USB serial port %s among %d ports, is it plugged in? (%w, %w)",
			id, len(ports), ErrNotFound, device.ErrUnavailable)
	}
	return "", fmt.Errorf("serialport: USB %s matches %s; configure the serial number: %w",
		id, strings.Join(matches, ", "), ErrAmbiguous)
}
