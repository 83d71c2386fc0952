package simnet_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fiscald/fiscald/internal/simnet"
)

// echo serves c the way a simulator does: it answers each line until the
// peer hangs up or ctx ends, and closes c.
func echo(served *atomic.Int32) func(context.Context, net.Conn) {
	return func(ctx context.Context, c net.Conn) {
		served.Add(1)
		stop := context.AfterFunc(ctx, func() { _ = c.Close() })
		defer stop()
		defer c.Close()
		_, _ = io.Copy(c, c)
	}
}

// TestListen: two connections are served at once, and Close ends both and
// returns only when they are gone.
func TestListen(t *testing.T) {
	var served atomic.Int32
	l, err := simnet.Listen(t.Context(), "127.0.0.1:0", "simnettest", slog.New(slog.DiscardHandler), echo(&served))
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for i := range 2 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		msg := []string{"first\n", "second\n"}[i]
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		got, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("connection %d echoes %q, %v; want %q", i, got, err, msg)
		}
		conns = append(conns, c)
	}
	if n := served.Load(); n != 2 {
		t.Errorf("served %d connections, want 2", n)
	}

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Errorf("connection %d after Close: read %d, %v; want it ended", i, n, err)
		}
	}
	if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("listener still accepts after Close")
	}
}

// TestListenCtx: the listener stops when its ctx ends, as when Close is
// called.
func TestListenCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var served atomic.Int32
	l, err := simnet.Listen(ctx, "127.0.0.1:0", "simnettest", slog.New(slog.DiscardHandler), echo(&served))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("connection after the ctx ended: %v; want it ended", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestListenError(t *testing.T) {
	_, err := simnet.Listen(t.Context(), "127.0.0.1:-1", "simnettest", slog.New(slog.DiscardHandler), func(context.Context, net.Conn) {})
	if err == nil {
		t.Fatal("listening on port -1 succeeded")
	}
	if got := err.Error(); !strings.HasPrefix(got, "simnettest: listen: ") {
		t.Errorf("error %q lacks the name prefix", got)
	}
}

// isReset reports a connection the peer reset, which a closed TCP
// connection with unread data gives instead of EOF.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
