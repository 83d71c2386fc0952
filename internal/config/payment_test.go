package config

import (
	"strings"
	"testing"
	"time"
)

// goodPay is good with two payment terminals, one on TCP and one on a
// USB-serial adapter, both used by the CashBox.
var goodPay = strings.Replace(good, "    queues:\n", "    payment_terminals: [counter-1, counter-2]\n    queues:\n", 1) + `payment_terminals:
  - name: counter-1
    protocol: zvt
    zvt:
      tcp: 192.168.1.50
  - name: counter-2
    protocol: zvt
    zvt:
      serial:
        usb:
          vid: 0x0403
          pid: "6001"
          serial: A50285BI
      password: 012345
      t3: 10s
      probe_interval: 30s
payment_limit: 300s
`

func TestPaymentTerminals(t *testing.T) {
	c, err := Parse([]byte(goodPay))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CashBoxes[0].PaymentTerminals; len(got) != 2 || got[0] != "counter-1" || got[1] != "counter-2" {
		t.Fatalf("cashbox terminals %v", got)
	}
	if c.PaymentLimit != 300*time.Second {
		t.Errorf("payment_limit %v", c.PaymentLimit)
	}
	tcp := c.PaymentTerminals[0].ZVT
	if tcp.TCP != "192.168.1.50:20007" || tcp.Password != "123456" || tcp.ProbeInterval != time.Minute || tcp.T3 != 0 {
		t.Errorf("tcp terminal defaults: %+v", tcp)
	}
	ser := c.PaymentTerminals[1].ZVT
	if ser.Serial == nil || ser.Serial.USB == nil || ser.Password != "012345" || ser.T3 != 10*time.Second || ser.ProbeInterval != 30*time.Second {
		t.Fatalf("serial terminal: %+v", ser)
	}
	vid, pid, err := ser.Serial.USB.IDs()
	if err != nil || vid != 0x0403 || pid != 0x6001 || ser.Serial.USB.Serial != "A50285BI" {
		t.Errorf("usb identity %04x:%04x %v", vid, pid, err)
	}
}

func TestPaymentDefaults(t *testing.T) {
	c, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.PaymentLimit != 600*time.Second || len(c.PaymentTerminals) != 0 {
		t.Fatalf("payment defaults: %v %v", c.PaymentLimit, c.PaymentTerminals)
	}
	for in, want := range map[string]string{
		"pt.local": "pt.local:20007", "10.0.0.7:4100": "10.0.0.7:4100", "[fe80::1]": "[fe80::1]:20007", "[::1]:9": "[::1]:9",
	} {
		doc := strings.Replace(goodPay, "tcp: 192.168.1.50", "tcp: \""+in+"\"", 1)
		c, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("tcp %s: %v", in, err)
		}
		if got := c.PaymentTerminals[0].ZVT.TCP; got != want {
			t.Errorf("tcp %s became %s, want %s", in, got, want)
		}
	}
	path := strings.Replace(goodPay, `        usb:
          vid: 0x0403
          pid: "6001"
          serial: A50285BI
`, "        path: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0\n", 1)
	c, err = Parse([]byte(path))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.PaymentTerminals[1].ZVT.Serial; s.USB != nil || !strings.HasPrefix(s.Path, "/dev/serial/by-id/") {
		t.Errorf("serial by path: %+v", s)
	}
}

func TestPaymentValidation(t *testing.T) {
	cases := []problemCase{
		{"unknown terminal", "payment_terminals: [counter-1, counter-2]", "payment_terminals: [counter-1, counter-9]", `cashboxes[0].payment_terminals[1] (line 10): "counter-9" is not a configured payment terminal`},
		{"terminal twice on a cashbox", "payment_terminals: [counter-1, counter-2]", "payment_terminals: [counter-1, counter-1]", `cashboxes[0].payment_terminals[1] (line 10): "counter-1" is listed twice`},
		{"bad name", "name: counter-1", "name: Counter 1", "payment_terminals[0].name (line 18): must be 1-63 characters"},
		{"name used twice", "name: counter-2", "name: counter-1", `payment_terminals[1].name (line 22): "counter-1" is used twice`},
		{"reserved name", "name: counter-2", "name: sandbox", `payment_terminals[1].name (line 22): "sandbox" is the name`},
		{"protocol", "protocol: zvt\n    zvt:\n      tcp", "protocol: opi\n    zvt:\n      tcp", "payment_terminals[0].protocol (line 19): must be zvt"},
		{"no zvt block", "    zvt:\n      tcp: 192.168.1.50\n", "", "payment_terminals[0].zvt: a zvt terminal needs its zvt: block"},
		{"tcp and serial", "tcp: 192.168.1.50", "tcp: 192.168.1.50\n      serial: {path: /dev/ttyS0}", "payment_terminals[0].zvt.tcp (line 21): give exactly one of tcp and serial"},
		{"bad port", "tcp: 192.168.1.50", "tcp: 192.168.1.50:99999", "payment_terminals[0].zvt.tcp (line 21): must be host or host:port"},
		{"bare ipv6", "tcp: 192.168.1.50", "tcp: fe80::1", "payment_terminals[0].zvt.tcp (line 21): must be host or host:port"},
		{"path and usb", "      serial:\n", "      serial:\n        path: /dev/ttyUSB0\n", "payment_terminals[1].zvt.serial (line 25): give exactly one of path and usb"},
		{"relative path", "        usb:\n          vid: 0x0403\n          pid: \"6001\"\n          serial: A50285BI\n", "        path: ttyUSB0\n", "payment_terminals[1].zvt.serial.path (line 26): must be an absolute path"},
		{"vid not hex", "vid: 0x0403", "vid: ftdi", "payment_terminals[1].zvt.serial.usb.vid (line 27)"},
		{"no pid", "          pid: \"6001\"\n", "", "payment_terminals[1].zvt.serial.usb.pid"},
		{"password", "password: 012345", "password: 12345", "payment_terminals[1].zvt.password (line 30): must be 6 digits"},
		{"t3", "t3: 10s", "t3: 2m", "payment_terminals[1].zvt.t3 (line 31)"},
		{"t4", "t3: 10s", "t4: 1s", "payment_terminals[1].zvt.t4 (line 31)"},
		{"probe interval", "probe_interval: 30s", "probe_interval: 5m", "payment_terminals[1].zvt.probe_interval (line 32)"},
		{"payment limit", "payment_limit: 300s", "payment_limit: 2h", "payment_limit (line 33): must be between 10s and 1h"},
	}
	checkProblems(t, goodPay, cases)
}

// The password never appears in an error.
func TestPaymentPasswordNotEchoed(t *testing.T) {
	_, err := Parse([]byte(strings.Replace(goodPay, "password: 012345", "password: 98765x", 1)))
	if err == nil || strings.Contains(err.Error(), "98765") {
		t.Fatalf("err = %v", err)
	}
}
