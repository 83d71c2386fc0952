package escpossim

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// Listener accepts host connections on TCP for a Printer, as a network
// printer does on port 9100, and serves each on its own.
type Listener struct {
	ln     net.Listener
	cancel context.CancelFunc
	done   chan struct{}
}

// ListenTCP listens on addr (e.g. "127.0.0.1:0", or ":9100") and serves
// each accepted connection until ctx ends or Close is called.
func (p *Printer) ListenTCP(ctx context.Context, addr string) (*Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("escpossim: listen: %w", err)
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
					p.set.Log.Error("escpossim: accept", "err", err)
				}
				return
			}
			conns.Go(func() {
				err := p.Serve(ctx, c)
				p.set.Log.Info("escpossim: host connection ended", "remote", c.RemoteAddr().String(), "err", err)
			})
		}
	}()
	return l, nil
}

// Addr is the address the listener accepts on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting, closes the connections being served (an unplug,
// as the host sees it) and waits until all are gone.
func (l *Listener) Close() error {
	l.cancel()
	<-l.done
	return nil
}
