//go:build linux

package escpos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escposdial"
	"github.com/fiscald/fiscald/device/escpos/escpossim"
	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/internal/ptytest"
)

// testWait bounds every test: long enough for a loaded machine running
// -race, short enough that a bug fails instead of hanging.
const testWait = 30 * time.Second

// rig is the production driver talking to the simulator over a real
// transport that can be unplugged and plugged in again.
type rig struct {
	sim *escpossim.Printer
	drv *escpos.Printer
	// plug attaches a fresh endpoint (pty pair, TCP listener) served by
	// the simulator, which the driver dials from then on; unplug removes
	// the current one as a cable pull would.
	plug   func()
	unplug func()
}

// transport makes the endpoints of one kind of link; the same test table
// runs over each.
type transport struct {
	name string
	// listen attaches a new endpoint served by sim and returns its
	// address for dial and a function that unplugs it.
	listen func(t *testing.T, ctx context.Context, sim *escpossim.Printer) (addr string, unplug func())
	dial   func(addr string) func(context.Context) (escpos.Stream, error)
}

var transports = []transport{
	{
		// A kernel pty: the simulator holds the master, the driver opens
		// the slave through device/serialport as it opens /dev/ttyUSB0.
		// Closing the master is the unplug.
		name: "pty",
		listen: func(t *testing.T, ctx context.Context, sim *escpossim.Printer) (string, func()) {
			master, slave := ptytest.Open(t)
			served := make(chan error, 1)
			go func() { served <- sim.Serve(ctx, master) }()
			var once sync.Once
			unplug := func() {
				once.Do(func() {
					master.Close()
					<-served
				})
			}
			t.Cleanup(unplug)
			return slave.Name(), unplug
		},
		dial: func(path string) func(context.Context) (escpos.Stream, error) {
			return escposdial.Serial(serialport.Config{Path: path})
		},
	},
	{
		// TCP on the loopback, as a network printer on port 9100.
		// Closing the listener and its connections is the unplug.
		name: "tcp",
		listen: func(t *testing.T, ctx context.Context, sim *escpossim.Printer) (string, func()) {
			l, err := sim.ListenTCP(ctx, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			unplug := func() { l.Close() }
			t.Cleanup(unplug)
			return l.Addr().String(), unplug
		},
		dial: func(addr string) func(context.Context) (escpos.Stream, error) {
			return escposdial.TCP(addr, 0)
		},
	},
}

func newRig(t *testing.T, ctx context.Context, tr transport, opt escpos.Options) *rig {
	t.Helper()
	sim, err := escpossim.New(escpossim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	var addr atomic.Pointer[string]
	r := &rig{sim: sim}
	r.plug = func() {
		a, unplug := tr.listen(t, ctx, sim)
		addr.Store(&a)
		r.unplug = unplug
	}
	r.plug()
	if opt.StatusTimeout == 0 {
		opt.StatusTimeout = 5 * time.Second // generous under -race
	}
	if opt.PollInterval == 0 {
		opt.PollInterval = 20 * time.Millisecond
	}
	r.drv = escpos.New(func(ctx context.Context) (escpos.Stream, error) {
		return tr.dial(*addr.Load())(ctx)
	}, opt)
	t.Cleanup(func() { r.drv.Close() })
	return r
}

// receiptJob is a job of n text lines and a cut.
func receiptJob(t *testing.T, id string, n int) device.PrintJob {
	t.Helper()
	var b escpos.Builder
	b.CodeTable(escpos.CodeTableWPC1252)
	for i := range n {
		b.Line(fmt.Sprintf("Zeile %d: 1 × Kaffee 2,60 €", i+1))
	}
	b.Cut(escpos.CutPartial, 3)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	return device.PrintJob{ID: id, Data: bytes.Clone(b.Bytes())}
}

// frame is what the driver must send for job: ESC @, the data, GS ( H.
func frame(job device.PrintJob) []byte {
	f := append([]byte{escpos.ESC, '@'}, job.Data...)
	return append(f, escpos.GS, '(', 'H', 6, 0, '0', '0', job.ID[0], job.ID[1], job.ID[2], job.ID[3])
}

// wantResult fails unless Print or Check returned want and no error.
func wantResult(t *testing.T, op string, got device.PrintResult, err error, want device.PrintResult) {
	t.Helper()
	if err != nil || got != want {
		t.Fatalf("%s = %+v, %v; want %+v", op, got, err, want)
	}
}

// wantJobs fails unless the simulator recorded exactly the jobs given,
// each once, with the driver's framing, in the given state.
func wantJobs(t *testing.T, sim *escpossim.Printer, state escpossim.JobState, jobs ...device.PrintJob) []escpossim.Job {
	t.Helper()
	got := sim.Jobs()
	if len(got) != len(jobs) {
		t.Fatalf("simulator recorded %d jobs, want %d: %+v", len(got), len(jobs), got)
	}
	for i, j := range jobs {
		if got[i].ID != j.ID || !bytes.Equal(got[i].Data, frame(j)) {
			t.Errorf("job %d = %q % X\nwant     %q % X", i, got[i].ID, got[i].Data, j.ID, frame(j))
		}
		if got[i].State != state {
			t.Errorf("job %q is %v, want %v", j.ID, got[i].State, state)
		}
	}
	return got
}

// waitSim waits until cond holds for the simulator's jobs.
func waitSim(t *testing.T, ctx context.Context, sim *escpossim.Printer, cond func([]escpossim.Job) bool) {
	t.Helper()
	for {
		ch := sim.Changed()
		if cond(sim.Jobs()) {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("simulator never reached the state wanted: %+v", sim.Jobs())
		}
	}
}

var (
	printed = device.PrintResult{State: device.PrintPrinted}
	failed  = func(d string) device.PrintResult { return device.PrintResult{State: device.PrintFailed, Detail: d} }
	pending = func(d string) device.PrintResult { return device.PrintResult{State: device.PrintPending, Detail: d} }
)

// TestPrinterAgainstSimulator runs the driver's job handling (devices.md
// §3.6) against the simulator over a kernel pty and over TCP.
func TestPrinterAgainstSimulator(t *testing.T) {
	tests := []struct {
		name string
		opt  escpos.Options
		run  func(t *testing.T, ctx context.Context, r *rig)
	}{
		{name: "printed", run: func(t *testing.T, ctx context.Context, r *rig) {
			job := receiptJob(t, "P001", 5)
			res, err := r.drv.Print(ctx, job)
			wantResult(t, "Print", res, err, printed)
			if got := wantJobs(t, r.sim, escpossim.JobPrinted, job); got[0].Lines != 5 {
				t.Errorf("simulator printed %d lines, want 5", got[0].Lines)
			}
			res, err = r.drv.Check(ctx, job.ID)
			wantResult(t, "Check", res, err, printed)
			if h := r.drv.Health(); h.State != device.StateUp || h.LastSuccess.IsZero() {
				t.Errorf("health = %+v", h)
			}
		}},
		{name: "paper out before the job", run: func(t *testing.T, ctx context.Context, r *rig) {
			r.sim.SetPaper(escpossim.PaperOut)
			job := receiptJob(t, "P002", 3)
			res, err := r.drv.Print(ctx, job)
			wantResult(t, "Print", res, err, failed(escpos.DetailPaperOut))
			wantJobs(t, r.sim, 0)
			if _, err := r.drv.Check(ctx, job.ID); !errors.Is(err, escpos.ErrUnknownJob) {
				t.Errorf("Check of a job never sent = %v, want ErrUnknownJob", err)
			}
			// Nothing was sent, so the caller may send it again.
			r.sim.SetPaper(escpossim.PaperOK)
			res, err = r.drv.Print(ctx, job)
			wantResult(t, "Print after paper change", res, err, printed)
			wantJobs(t, r.sim, escpossim.JobPrinted, job)
		}},
		{name: "near end prints", run: func(t *testing.T, ctx context.Context, r *rig) {
			r.sim.SetPaper(escpossim.PaperNearEnd)
			job := receiptJob(t, "P003", 2)
			res, err := r.drv.Print(ctx, job)
			wantResult(t, "Print", res, err, printed)
			st, err := r.drv.Status(ctx)
			if err != nil || !st.PaperNearEnd || st.Problem() != "" {
				t.Errorf("Status = %+v, %v", st, err)
			}
		}},
		{name: "cover open", run: func(t *testing.T, ctx context.Context, r *rig) {
			r.sim.SetCoverOpen(true)
			res, err := r.drv.Print(ctx, receiptJob(t, "P004", 3))
			wantResult(t, "Print", res, err, failed(escpos.DetailCoverOpen))
			wantJobs(t, r.sim, 0)
			st, err := r.drv.Status(ctx)
			if err != nil || !st.CoverOpen || !st.Offline {
				t.Errorf("Status = %+v, %v", st, err)
			}
		}},
		{name: "paper out mid-job", run: func(t *testing.T, ctx context.Context, r *rig) {
			r.sim.PaperOutAfter(3)
			job := receiptJob(t, "P005", 10)
			res, err := r.drv.Print(ctx, job)
			wantResult(t, "Print", res, err, pending(escpos.DetailPaperOut))
			if got := wantJobs(t, r.sim, escpossim.JobHeld, job); got[0].Lines != 3 {
				t.Errorf("simulator printed %d lines before the paper ran out, want 3", got[0].Lines)
			}
			// The printer still holds the job: pending, and the ID is
			// taken until the job is settled.
			res, err = r.drv.Check(ctx, job.ID)
			wantResult(t, "Check with paper out", res, err, pending(escpos.DetailPaperOut))
			if res, err := r.drv.Print(ctx, job); !errors.Is(err, escpos.ErrInvalid) || res.State != device.PrintFailed {
				t.Errorf("Print of a pending job again = %+v, %v; want failed, ErrInvalid", res, err)
			}
			// Paper replaced: the printer prints the rest and confirms.
			r.sim.SetPaper(escpossim.PaperOK)
			res, err = r.drv.Check(ctx, job.ID)
			wantResult(t, "Check after paper change", res, err, printed)
			if got := wantJobs(t, r.sim, escpossim.JobPrinted, job); got[0].Lines != 10 {
				t.Errorf("simulator printed %d lines, want 10", got[0].Lines)
			}
		}},
		{name: "not confirmed in time", opt: escpos.Options{JobTimeout: 200 * time.Millisecond, LineTimeout: time.Millisecond},
			run: func(t *testing.T, ctx context.Context, r *rig) {
				r.sim.SetStalled(true)
				job := receiptJob(t, "P006", 2)
				res, err := r.drv.Print(ctx, job)
				wantResult(t, "Print", res, err, pending(escpos.DetailNotConfirmed))
				wantJobs(t, r.sim, escpossim.JobHeld, job)
				r.sim.SetStalled(false)
				res, err = r.drv.Check(ctx, job.ID)
				wantResult(t, "Check", res, err, printed)
				wantJobs(t, r.sim, escpossim.JobPrinted, job)
			}},
		{name: "unplugged mid-job", run: func(t *testing.T, ctx context.Context, r *rig) {
			r.sim.SetStalled(true)
			job := receiptJob(t, "P007", 4)
			type result struct {
				res device.PrintResult
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := r.drv.Print(ctx, job)
				done <- result{res, err}
			}()
			// The whole job is in the printer's buffer, unprinted.
			waitSim(t, ctx, r.sim, func(js []escpossim.Job) bool { return len(js) == 1 && js[0].ID == job.ID })
			r.unplug()
			got := <-done
			wantResult(t, "Print", got.res, got.err, pending(escpos.DetailUnreachable))
			if h := r.drv.Health(); h.State != device.StateFailed || !errors.Is(h.LastError, device.ErrUnavailable) {
				t.Errorf("health after unplug = %+v", h)
			}
			res, err := r.drv.Check(ctx, job.ID)
			wantResult(t, "Check while unplugged", res, err, pending(escpos.DetailUnreachable))

			// Plugged in again: the driver reconnects, the printer
			// finishes the job it held and its late confirmation
			// settles it; the driver never sent it again.
			r.plug()
			if st, err := r.drv.Status(ctx); err != nil || st.Problem() != "" {
				t.Fatalf("Status after replug = %+v, %v", st, err)
			}
			if h := r.drv.Health(); h.State != device.StateUp {
				t.Errorf("health after replug = %+v", h)
			}
			r.sim.SetStalled(false)
			res, err = r.drv.Check(ctx, job.ID)
			wantResult(t, "Check after replug", res, err, printed)
			next := receiptJob(t, "P008", 2)
			res, err = r.drv.Print(ctx, next)
			wantResult(t, "Print after replug", res, err, printed)
			wantJobs(t, r.sim, escpossim.JobPrinted, job, next)
		}},
		{name: "reconnect after unplug", run: func(t *testing.T, ctx context.Context, r *rig) {
			first := receiptJob(t, "P009", 2)
			res, err := r.drv.Print(ctx, first)
			wantResult(t, "Print", res, err, printed)
			r.unplug()
			if res, err := r.drv.Print(ctx, receiptJob(t, "P010", 2)); err != nil || res != failed(escpos.DetailUnreachable) {
				t.Errorf("Print while unplugged = %+v, %v; want failed, unreachable", res, err)
			}
			if h := r.drv.Health(); h.State != device.StateFailed {
				t.Errorf("health while unplugged = %+v", h)
			}
			r.plug()
			second := receiptJob(t, "P011", 2)
			res, err = r.drv.Print(ctx, second)
			wantResult(t, "Print after replug", res, err, printed)
			wantJobs(t, r.sim, escpossim.JobPrinted, first, second)
			if h := r.drv.Health(); h.State != device.StateUp {
				t.Errorf("health after replug = %+v", h)
			}
		}},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(t.Context(), testWait)
					defer cancel()
					r := newRig(t, ctx, tr, tt.opt)
					tt.run(t, ctx, r)
				})
			}
		})
	}
}

// TestPrinterClose: a closed driver refuses jobs with ErrClosed.
func TestPrinterClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), testWait)
	defer cancel()
	r := newRig(t, ctx, transports[1], escpos.Options{})
	res, err := r.drv.Print(ctx, receiptJob(t, "C001", 1))
	wantResult(t, "Print", res, err, printed)
	if err := r.drv.Close(); err != nil {
		t.Fatal(err)
	}
	res, err = r.drv.Print(ctx, receiptJob(t, "C002", 1))
	if !errors.Is(err, escpos.ErrClosed) || !errors.Is(err, device.ErrUnavailable) || res.State != device.PrintFailed {
		t.Errorf("Print after Close = %+v, %v", res, err)
	}
	wantJobs(t, r.sim, escpossim.JobPrinted, receiptJob(t, "C001", 1))
}
