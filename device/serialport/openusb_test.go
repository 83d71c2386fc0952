//go:build linux

package serialport

import (
	"bytes"
	"strings"
	"testing"
)

// TestOpenByUSB runs the whole Open path for a USB identity, with a lister
// that reports a pty as the adapter: the kernel of the test machines has no
// USB, so this is as close to a re-plugged FTDI cable as they get.
func TestOpenByUSB(t *testing.T) {
	master, slave := newPTY(t)
	list := fixedList(
		usbPort("/dev/ttyUSB7", "0403", "6001", "OTHER"),
		usbPort(slave, "0403", "6001", "A50285BI"),
	)
	p, err := open(t.Context(), Config{USB: USBID{VID: 0x0403, PID: 0x6001, Serial: "A50285BI"}}, list)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Path() != slave {
		t.Errorf("Path = %s, want %s", p.Path(), slave)
	}
	if _, err := p.Write([]byte{0x06, 0x0f}); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, master, 2); !bytes.Equal(got, []byte{0x06, 0x0f}) {
		t.Errorf("device read % x", got)
	}
}

// TestListMachine enumerates this machine's real ports. Test machines have
// no USB, so it can only check what List must never return.
func TestListMachine(t *testing.T) {
	ports, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range ports {
		if !strings.HasPrefix(pi.Path, "/dev/") || strings.HasPrefix(pi.Path, "/dev/pts/") {
			t.Errorf("List returned %+v", pi)
		}
		if !pi.IsUSB && (pi.VID != 0 || pi.PID != 0 || pi.SerialNumber != "") {
			t.Errorf("non-USB port with USB identity: %+v", pi)
		}
	}
	t.Logf("%d ports: %+v", len(ports), ports)
}
