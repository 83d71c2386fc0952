// Package escposdial opens the streams the ESC/POS driver (device/escpos)
// runs on: TCP to a network printer's raw port, and serial ports found by
// path or by USB identity. Each returns a dial function for escpos.New,
// which calls it on every (re)connect: a USB-serial printer plugged back
// in on another port is found again.
//
// It is a package of its own so that device/escpos stays free of
// transport packages (STYLE.md); a USB printer-class transport, when it
// comes, belongs here too.
package escposdial

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/serialport"
)

// Defaults of the two transports.
const (
	// DefaultPort is the raw printing port every network printer (and
	// every ESC/POS emulator) listens on.
	DefaultPort = "9100"
	// DefaultConnectTimeout bounds a TCP connect (devices.md §7.5).
	DefaultConnectTimeout = 3 * time.Second
	// DefaultBaudRate is the line speed of a serial printer unless the
	// Config says otherwise: 38400 is the factory setting of Epson's TM
	// series serial interfaces and the fastest speed most printers'
	// DIP switches offer without a memory switch change (§3.2).
	DefaultBaudRate = 38400
)

// TCP dials addr ("host:port", or just "host" for port 9100) with the
// connect timeout (DefaultConnectTimeout when zero).
func TCP(addr string, timeout time.Duration) func(context.Context) (escpos.Stream, error) {
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	addr = withDefaultPort(addr)
	return func(ctx context.Context) (escpos.Stream, error) {
		d := net.Dialer{Timeout: timeout}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("escposdial: %w", err)
		}
		return c, nil
	}
}

// withDefaultPort adds port 9100 to an address without a port.
func withDefaultPort(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	// No port (or an IPv6 literal in brackets without one).
	host := addr
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return net.JoinHostPort(host, DefaultPort)
}

// Serial opens the port cfg selects on every dial. Line settings left zero
// in cfg become a printer's usual 8N1 at DefaultBaudRate, not
// serialport's ZVT default of 9600 8N2; set StopBits to
// serialport.StopBitsTwo explicitly for a printer that wants two.
//
// go.bug.st/serial switches hardware and software flow control off
// (§3.2): configure the printer for DTR/DSR or no handshake. The driver
// waits for each job's confirmation before sending the next, which keeps
// receipts within the printer's receive buffer.
func Serial(cfg serialport.Config) func(context.Context) (escpos.Stream, error) {
	if cfg.BaudRate == 0 {
		cfg.BaudRate = DefaultBaudRate
	}
	if cfg.StopBits == serialport.StopBitsDefault {
		cfg.StopBits = serialport.StopBitsOne
	}
	return func(ctx context.Context) (escpos.Stream, error) {
		port, err := serialport.Open(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("escposdial: %w", err)
		}
		return port, nil
	}
}
