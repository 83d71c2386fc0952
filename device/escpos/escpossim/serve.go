package escpossim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// session is one stream the printer serves.
type session struct {
	s  io.ReadWriteCloser
	mu sync.Mutex // one writer at a time: real-time answers and the engine's
}

// write sends an answer. A failed write means the stream is going away,
// which its reader will notice.
func (s *session) write(log *slog.Logger, b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.s.Write(b); err != nil {
		log.Debug("escpossim: answer lost", "err", err)
	}
}

// Serve reads the ESC/POS stream s (a pty master, a TCP connection) until
// it fails, the host closes it, or ctx ends; it closes s before
// returning, which also ends a Serve blocked in Read when ctx ends.
// Closing s from outside (a pty master, to simulate an unplug) ends it
// too.
//
// Several streams may be served at once: they feed the same receive
// buffer, and answers go back on the stream a request came on, or on the
// newest one if that is gone. While any Serve runs, one of them works off
// the buffer; with none running, the printer keeps its data until the
// next Serve.
//
// It returns nil when the host closed the stream, ctx's error when ctx
// ended, and the read error otherwise.
func (p *Printer) Serve(ctx context.Context, s io.ReadWriteCloser) error {
	ctx, cancel := context.WithCancel(ctx)
	sess := &session{s: s}
	p.attach(sess)
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	var engine sync.WaitGroup
	engine.Go(func() { p.run(ctx) })

	err := p.read(sess)
	ctxErr := ctx.Err()
	cancel()
	engine.Wait()
	stop()
	p.detach(sess)
	_ = s.Close()
	switch {
	case ctxErr != nil:
		return ctxErr
	case errors.Is(err, io.EOF):
		return nil
	}
	return fmt.Errorf("escpossim: read: %w", err)
}

// read parses the stream until Read fails, and returns that error.
func (p *Printer) read(sess *session) error {
	buf := make([]byte, 4096)
	var in []byte
	for {
		n, err := sess.s.Read(buf)
		in = append(in, buf[:n]...)
		used := 0
		for {
			c, k, perr := parse(in[used:])
			if perr != nil {
				break
			}
			p.receive(sess, c)
			used += k
		}
		in = in[:copy(in, in[used:])]
		if err != nil {
			return err
		}
	}
}

func (p *Printer) attach(s *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions = append(p.sessions, s)
	p.signalLocked()
}

func (p *Printer) detach(s *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions = slices.DeleteFunc(p.sessions, func(x *session) bool { return x == s })
	p.signalLocked()
}

// run is the print mechanism: it works off the receive buffer one
// command at a time, taking LineDelay per line, while the printer can
// print, until ctx ends. Only one run holds the mechanism at a time.
func (p *Printer) run(ctx context.Context) {
	select {
	case p.mech <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-p.mech }()
	for {
		p.mu.Lock()
		if len(p.queue) == 0 || !p.canWorkLocked() {
			ch := p.changed
			p.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return
			}
		}
		lines := p.queue[0].c.lines()
		p.mu.Unlock()
		// Only this goroutine removes commands from the buffer, so the
		// front command is still there after the delay. A line being
		// printed when the paper runs out is finished.
		if !sleep(ctx, p.set.scale(time.Duration(lines)*p.set.LineDelay)) {
			return
		}
		if answer, dst := p.carryOut(); dst != nil {
			dst.write(p.set.Log, answer)
		}
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
