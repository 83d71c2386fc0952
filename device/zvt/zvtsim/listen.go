package zvtsim

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/fiscald/fiscald/device/zvt"
)

// Listener accepts ECR connections on TCP for a Terminal and serves each
// on its own; the Terminal runs their sequences one at a time.
type Listener struct {
	ln     net.Listener
	cancel context.CancelFunc
	done   chan struct{}
}

// ListenTCP listens on addr (e.g. "127.0.0.1:0", or ":20007") and serves
// each accepted connection with a TCP link until ctx ends or Close is
// called. Connections are served concurrently, so an ECR that keeps its
// connection open does not lock out the next one.
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
		var conns sync.WaitGroup
		defer close(l.done)
		defer conns.Wait()
		defer stop()
		for {
			c, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil {
					t.set.Log.Error("zvtsim: accept", "err", err)
				}
				return
			}
			conns.Go(func() {
				err := t.Serve(ctx, zvt.NewTCPLink(c))
				t.set.Log.Info("zvtsim: ECR connection ended", "remote", c.RemoteAddr().String(), "err", err)
			})
		}
	}()
	return l, nil
}

// Addr is the address the listener accepts on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting, ends the connections being served and waits
// until all are gone.
func (l *Listener) Close() error {
	l.cancel()
	<-l.done
	return nil
}
