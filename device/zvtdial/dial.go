// Package zvtdial opens the links the ZVT driver (device/zvt) runs on:
// TCP to a terminal's ECR port, and serial ports found by path or by USB
// identity. Each returns a dial function for zvt.NewECR, which calls it on
// every (re)connect: a USB terminal plugged back in on another port is
// found again.
package zvtdial

import (
	"context"
	"net"
	"time"

	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/device/zvt"
)

// DefaultConnectTimeout bounds a TCP connect (devices.md §7.5).
const DefaultConnectTimeout = 3 * time.Second

// TCP dials addr ("host:port"; ZVT terminals listen on 20007) with the
// connect timeout (DefaultConnectTimeout when zero).
func TCP(addr string, timeout time.Duration) func(context.Context) (zvt.Link, error) {
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	return func(ctx context.Context) (zvt.Link, error) {
		d := net.Dialer{Timeout: timeout}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return zvt.NewTCPLink(c), nil
	}
}

// Serial opens the port cfg names on every dial and frames ZVT on it
// (DLE/STX, CRC, ACK/NAK).
func Serial(cfg serialport.Config) func(context.Context) (zvt.Link, error) {
	return func(ctx context.Context) (zvt.Link, error) {
		port, err := serialport.Open(ctx, cfg)
		if err != nil {
			return nil, err
		}
		l, err := zvt.NewSerialLink(port, zvt.DefaultSerialOptions())
		if err != nil {
			port.Close()
			return nil, err
		}
		return l, nil
	}
}
