package escpossim

import (
	"context"
	"net"

	"github.com/fiscald/fiscald/internal/simnet"
)

// Listener accepts host connections on TCP for a Printer, as a network
// printer does on port 9100, and serves each on its own.
type Listener struct {
	l *simnet.Listener
}

// ListenTCP listens on addr (e.g. "127.0.0.1:0", or ":9100") and serves
// each accepted connection until ctx ends or Close is called.
func (p *Printer) ListenTCP(ctx context.Context, addr string) (*Listener, error) {
	l, err := simnet.Listen(ctx, addr, "escpossim", p.set.Log, func(ctx context.Context, c net.Conn) {
		err := p.Serve(ctx, c)
		p.set.Log.Info("escpossim: host connection ended", "remote", c.RemoteAddr().String(), "err", err)
	})
	if err != nil {
		return nil, err
	}
	return &Listener{l: l}, nil
}

// Addr is the address the listener accepts on.
func (l *Listener) Addr() net.Addr { return l.l.Addr() }

// Close stops accepting, closes the connections being served (an unplug,
// as the host sees it) and waits until all are gone.
func (l *Listener) Close() error { return l.l.Close() }
