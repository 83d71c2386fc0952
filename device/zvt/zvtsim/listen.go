package zvtsim

import (
	"context"
	"fmt"
	"net"

	"github.com/fiscald/fiscald/device/zvt"
)

// Listener accepts ECR connections on TCP for a Terminal, serving one at
// a time, as a real PT does.
type Listener struct {
	ln     net.Listener
	cancel context.CancelFunc
	done   chan struct{}
}

// ListenTCP listens on addr (e.g. "127.0.0.1:0", or ":20007") and serves
// each accepted connection with a TCP link until ctx ends or Close is
// called.
func (t *Terminal) ListenTCP(ctx context.Context, addr string) (*Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("zvtsim: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &Listener{ln: ln, cancel: cancel, done: make(chan struct{})}
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	go func() {
		defer close(l.done)
		defer stop()
		for {
			c, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil {
					t.set.Log.Error("zvtsim: accept", "err", err)
				}
				return
			}
			err = t.Serve(ctx, zvt.NewTCPLink(c))
			t.set.Log.Info("zvtsim: ECR connection ended", "remote", c.RemoteAddr().String(), "err", err)
		}
	}()
	return l, nil
}

// Addr is the address the listener accepts on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting, ends the connection being served and waits until
// both are gone.
func (l *Listener) Close() error {
	l.cancel()
	<-l.done
	return nil
}
