package escpossim_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/escpos/escpossim"
)

// testWait bounds every wait: long enough for a loaded machine running
// -race, short enough that a bug fails instead of hanging.
const testWait = 10 * time.Second

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testWait)
	t.Cleanup(cancel)
	return ctx
}

func newSim(t *testing.T) *escpossim.Printer {
	t.Helper()
	sim, err := escpossim.New(escpossim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// host is the computer end of a net.Pipe the simulator serves.
type host struct {
	conn net.Conn
	in   chan byte
}

func connect(t *testing.T, ctx context.Context, sim *escpossim.Printer) *host {
	t.Helper()
	a, b := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- sim.Serve(ctx, b) }()
	h := &host{conn: a, in: make(chan byte, 1024)}
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 256)
		for {
			n, err := a.Read(buf)
			for _, c := range buf[:n] {
				h.in <- c
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		a.Close()
		<-read
		if err := <-served; err != nil && err != context.Canceled {
			t.Errorf("Serve: %v", err)
		}
	})
	return h
}

func (h *host) send(t *testing.T, p []byte) {
	t.Helper()
	if _, err := h.conn.Write(p); err != nil {
		t.Fatal(err)
	}
}

// expect reads len(want) bytes and compares them.
func (h *host) expect(t *testing.T, ctx context.Context, want ...byte) {
	t.Helper()
	got := make([]byte, 0, len(want))
	for len(got) < len(want) {
		select {
		case b := <-h.in:
			got = append(got, b)
		case <-ctx.Done():
			t.Fatalf("got % X, then nothing; want % X", got, want)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % X, want % X", got, want)
	}
}

// quiet checks that nothing arrived so far.
func (h *host) quiet(t *testing.T) {
	t.Helper()
	select {
	case b := <-h.in:
		t.Fatalf("unexpected byte %#02x", b)
	default:
	}
}

// waitJobs waits until cond holds for the simulator's jobs.
func waitJobs(t *testing.T, ctx context.Context, sim *escpossim.Printer, cond func([]escpossim.Job) bool) []escpossim.Job {
	t.Helper()
	for {
		ch := sim.Changed()
		jobs := sim.Jobs()
		if cond(jobs) {
			return jobs
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("jobs never reached the state wanted: %+v", jobs)
		}
	}
}
