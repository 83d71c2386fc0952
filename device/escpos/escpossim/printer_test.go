package escpossim_test

import (
	"bytes"
	"testing"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escpossim"
)

var (
	dleEOT = func(n byte) []byte { return []byte{escpos.DLE, escpos.EOT, n} }
	pidOf  = func(id string) []byte { return append(append([]byte{0x37, 0x22}, id...), 0) }
)

// job builds ESC @ + lines + partial cut + GS ( H id, as the driver frames
// a receipt.
func job(id string, lines ...string) []byte {
	var b escpos.Builder
	b.Init()
	b.CodeTable(escpos.CodeTableWPC1252)
	for _, l := range lines {
		b.Line(l)
	}
	b.Cut(escpos.CutPartial, 3)
	b.ConfirmationRequest(id)
	return b.Bytes()
}

func TestRealtimeStatus(t *testing.T) {
	tests := []struct {
		name  string
		setup func(sim *escpossim.Printer)
		want  [4]byte
	}{
		{"ready", func(*escpossim.Printer) {}, [4]byte{0x12, 0x12, 0x12, 0x12}},
		{"near end", func(s *escpossim.Printer) { s.SetPaper(escpossim.PaperNearEnd) }, [4]byte{0x12, 0x12, 0x12, 0x1E}},
		{"paper out", func(s *escpossim.Printer) { s.SetPaper(escpossim.PaperOut) }, [4]byte{0x1A, 0x32, 0x12, 0x72}},
		{"cover open", func(s *escpossim.Printer) { s.SetCoverOpen(true) }, [4]byte{0x1A, 0x16, 0x12, 0x12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			sim := newSim(t)
			tt.setup(sim)
			h := connect(t, ctx, sim)
			for n := byte(1); n <= 4; n++ {
				h.send(t, dleEOT(n))
				h.expect(t, ctx, tt.want[n-1])
			}
			if jobs := sim.Jobs(); len(jobs) != 0 {
				t.Errorf("real-time requests recorded as jobs: %+v", jobs)
			}
		})
	}
}

func TestJobConfirmedAfterPrinting(t *testing.T) {
	ctx := testCtx(t)
	sim := newSim(t)
	h := connect(t, ctx, sim)
	data := job("A001", "one", "two", "three")
	h.send(t, data)
	h.expect(t, ctx, pidOf("A001")...)
	jobs := sim.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("jobs = %+v", jobs)
	}
	if j := jobs[0]; j.ID != "A001" || j.State != escpossim.JobPrinted || j.Lines != 3 || !bytes.Equal(j.Data, data) {
		t.Errorf("job = %+v", j)
	}
}

// TestPaperOutMidJob: the printer stops after two lines, answers DLE EOT
// from its state while it holds the rest, and confirms the job once
// paper is back.
func TestPaperOutMidJob(t *testing.T) {
	ctx := testCtx(t)
	sim := newSim(t)
	sim.PaperOutAfter(2)
	h := connect(t, ctx, sim)
	h.send(t, job("B002", "1", "2", "3", "4", "5"))
	jobs := waitJobs(t, ctx, sim, func(js []escpossim.Job) bool { return len(js) == 1 && js[0].State == escpossim.JobHeld })
	if jobs[0].Lines != 2 {
		t.Errorf("printed %d lines before the paper ran out, want 2", jobs[0].Lines)
	}
	h.send(t, dleEOT(1))
	h.expect(t, ctx, 0x1A)
	h.send(t, dleEOT(4))
	h.expect(t, ctx, 0x72)
	h.quiet(t)

	sim.SetPaper(escpossim.PaperOK)
	h.expect(t, ctx, pidOf("B002")...)
	if j := sim.Jobs()[0]; j.State != escpossim.JobPrinted || j.Lines != 5 {
		t.Errorf("job = %+v", j)
	}
}

func TestCoverOpenHoldsJob(t *testing.T) {
	ctx := testCtx(t)
	sim := newSim(t)
	sim.SetCoverOpen(true)
	h := connect(t, ctx, sim)
	h.send(t, job("C003", "x"))
	waitJobs(t, ctx, sim, func(js []escpossim.Job) bool { return len(js) == 1 && js[0].State == escpossim.JobHeld })
	h.quiet(t)
	sim.SetCoverOpen(false)
	h.expect(t, ctx, pidOf("C003")...)
}

// TestJobBoundaries: a job runs from ESC @ to GS ( H or a cut; a GS ( H
// right behind a cut names the cut job; a repeated ESC @ does not split
// a job; queries outside jobs are answered but not recorded.
func TestJobBoundaries(t *testing.T) {
	ctx := testCtx(t)
	sim := newSim(t)
	h := connect(t, ctx, sim)

	var b escpos.Builder
	b.Init()
	b.Init()
	b.Line("first")
	b.Cut(escpos.CutFull, 0)
	b.Line("second, no ESC @")
	b.Cut(escpos.CutPartial, 0)
	b.ConfirmationRequest("ID02")
	b.Init()
	b.Line("third, ended by the next ESC @")
	b.Init()
	b.Line("fourth")
	b.ConfirmationRequest("ID04")
	h.send(t, b.Bytes())
	h.expect(t, ctx, pidOf("ID02")...)
	h.expect(t, ctx, pidOf("ID04")...)

	h.send(t, []byte{escpos.GS, 'r', 1})
	h.expect(t, ctx, 0x00)
	h.send(t, []byte{escpos.GS, 'I', 66})
	h.expect(t, ctx, append(append([]byte{0x5F}, "FISCALD"...), 0)...)

	jobs := sim.Jobs()
	wantIDs := []string{"", "ID02", "", "ID04"}
	if len(jobs) != len(wantIDs) {
		t.Fatalf("jobs = %+v", jobs)
	}
	for i, j := range jobs {
		if j.ID != wantIDs[i] || j.State != escpossim.JobPrinted || j.Lines != 1 {
			t.Errorf("job %d = %+v, want ID %q printed, 1 line", i, j, wantIDs[i])
		}
	}
	var all []byte
	for _, j := range jobs {
		all = append(all, j.Data...)
	}
	if !bytes.Equal(all, b.Bytes()) {
		t.Errorf("jobs hold % X\nsent       % X", all, b.Bytes())
	}
}

// TestStatusRequestInOrder: GS r 1 is answered after the data before it,
// and reports near end.
func TestStatusRequestInOrder(t *testing.T) {
	ctx := testCtx(t)
	sim := newSim(t)
	sim.SetPaper(escpossim.PaperNearEnd)
	sim.SetStalled(true)
	h := connect(t, ctx, sim)
	h.send(t, append(job("D004", "x"), escpos.GS, 'r', 1))
	h.send(t, dleEOT(4))
	// The real-time answer overtakes the stalled buffer.
	h.expect(t, ctx, 0x1E)
	sim.SetStalled(false)
	h.expect(t, ctx, append(pidOf("D004"), 0x0C)...)
}
