package zvtsim

import (
	"context"
	"net"

	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/internal/simnet"
)

// Listener accepts ECR connections on TCP for a Terminal and serves each
// on its own; the Terminal runs their sequences one at a time.
type Listener struct {
	l *simnet.Listener
}

// ListenTCP listens on addr (e.g. "127.0.0.1:0", or ":20007") and serves
// each accepted connection with a TCP link until ctx ends or Close is
// called. Connections are served concurrently, so an ECR that keeps its
// connection open does not lock out the next one.
func (t *Terminal) ListenTCP(ctx context.Context, addr string) (*Listener, error) {
	l, err := simnet.Listen(ctx, addr, "zvtsim", t.set.Log, func(ctx context.Context, c net.Conn) {
		err := t.Serve(ctx, zvt.NewTCPLink(c))
		t.set.Log.Info("zvtsim: ECR connection ended", "remote", c.RemoteAddr().String(), "err", err)
	})
	if err != nil {
		return nil, err
	}
	return &Listener{l: l}, nil
}

// Addr is the address the listener accepts on.
func (l *Listener) Addr() net.Addr { return l.l.Addr() }

// Close stops accepting, ends the connections being served and waits
// until all are gone.
func (l *Listener) Close() error { return l.l.Close() }
