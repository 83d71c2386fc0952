// Package simnet serves a simulator's streams on a TCP listener: each
// accepted connection is handed to the simulator on its own goroutine, and
// Close stops accepting, ends the connections and waits until all are
// gone. The device simulators (escpossim, zvtsim) build their ListenTCP on
// it.
package simnet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
)

// Listener accepts TCP connections and serves each on its own.
type Listener struct {
	ln     net.Listener
	cancel context.CancelFunc
	done   chan struct{}
}

// Listen listens on addr (e.g. "127.0.0.1:0") and calls serve with each
// accepted connection, concurrently, until ctx ends or Close is called.
// serve owns the connection: it must close it, and return once its ctx
// ends. name prefixes the listen error and the log record of a failed
// Accept, which goes to log.
func Listen(ctx context.Context, addr, name string, log *slog.Logger, serve func(ctx context.Context, c net.Conn)) (*Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen: %w", name, err)
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
					log.Error(name+": accept", "err", err)
				}
				return
			}
			conns.Go(func() { serve(ctx, c) })
		}
	}()
	return l, nil
}

// Addr is the address the listener accepts on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting, ends the connections being served (their serve
// sees its ctx end) and waits until all are gone.
func (l *Listener) Close() error {
	l.cancel()
	<-l.done
	return nil
}
