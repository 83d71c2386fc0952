package config

import (
	"strings"
	"testing"
)

// goodPrinters is good with three printers, one per transport, the
// CashBox printing on the first.
var goodPrinters = strings.Replace(good, "    queues:\n", "    printer: counter\n    queues:\n", 1) + `printers:
  - name: counter
    tcp: 192.168.1.60
  - name: kitchen
    serial:
      path: /dev/serial/by-id/usb-Prolific-if00
      baud: 19200
    columns: 32
  - name: bar
    usb: {vid: "0x04b8", pid: "0x0e28", serial: X5ZN012345}
`

func TestPrinters(t *testing.T) {
	c, err := Parse([]byte(goodPrinters))
	if err != nil {
		t.Fatal(err)
	}
	if c.CashBoxes[0].Printer != "counter" || len(c.Printers) != 3 {
		t.Fatalf("printers %+v, cashbox printer %q", c.Printers, c.CashBoxes[0].Printer)
	}
	tcp, ser, usb := c.Printers[0], c.Printers[1], c.Printers[2]
	if tcp.TCP != "192.168.1.60:9100" || tcp.Columns != 48 {
		t.Errorf("tcp printer defaults: %+v", tcp)
	}
	if ser.Serial.Baud != 19200 || ser.Columns != 32 {
		t.Errorf("serial printer: %+v", ser.Serial)
	}
	if vid, pid, err := usb.USB.IDs(); err != nil || vid != 0x04b8 || pid != 0x0e28 || usb.USB.Serial != "X5ZN012345" {
		t.Errorf("usb printer %04x:%04x %v", vid, pid, err)
	}
}

func TestPrinterValidation(t *testing.T) {
	cases := []problemCase{
		{"unknown printer", "printer: counter", "printer: office", `cashboxes[0].printer (line 10): "office" is not a configured printer`},
		{"bad name", "name: kitchen", "name: Kitchen!", "printers[1].name"},
		{"name twice", "name: bar", "name: counter", `printers[2].name (line 25): "counter" is used twice`},
		{"two transports", "tcp: 192.168.1.60", "tcp: 192.168.1.60\n    usb: {vid: \"0x04b8\", pid: \"0x0202\"}", "printers[0] (line 18): give exactly one of tcp, serial and usb"},
		{"bad port", "tcp: 192.168.1.60", "tcp: 192.168.1.60:0", "printers[0].tcp (line 19): must be host or host:port"},
		{"serial path and usb", "      baud: 19200\n", "      baud: 19200\n      usb: {vid: \"0x0403\", pid: \"0x6001\"}\n", "printers[1].serial (line 21): give exactly one of path and usb"},
		{"baud", "baud: 19200", "baud: 7", "printers[1].serial.baud (line 23)"},
		{"columns", "columns: 32", "columns: 40", "printers[1].columns (line 24): must be 48"},
		{"usb pid", `pid: "0x0e28"`, `pid: "0x0"`, "printers[2].usb"},
	}
	checkProblems(t, goodPrinters, cases)
}

func TestPublicURL(t *testing.T) {
	c, err := Parse([]byte(good + "public_url: https://receipts.example.com/shop-1\n"))
	if err != nil || c.PublicURL != "https://receipts.example.com/shop-1" {
		t.Fatalf("public_url: %v %+v", err, c)
	}
	for _, bad := range []string{"receipts.example.com", "ftp://x", "https://x/?a=1", "https:///path"} {
		if _, err := Parse([]byte(good + "public_url: " + bad + "\n")); err == nil || !strings.Contains(err.Error(), "public_url") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
