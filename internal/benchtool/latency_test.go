package main

import (
	"testing"
	"time"
)

func TestPercentilesNearestRank(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	got := percentiles(samples, 0.5, 0.99, 1)
	want := []time.Duration{50 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("quantile %d = %v, want %v", i, got[i], want[i])
		}
	}
	if got := percentiles(nil, 0.5); got[0] != 0 {
		t.Errorf("no samples: %v, want 0", got[0])
	}
}

func TestReservoirIsBounded(t *testing.T) {
	r := newReservoir(1)
	const n = 3 * reservoirSize
	for i := range n {
		r.add(time.Duration(i))
	}
	if len(r.samples) != reservoirSize || r.seen != n {
		t.Fatalf("kept %d of %d, want %d of %d", len(r.samples), r.seen, reservoirSize, n)
	}
	// A uniform sample of 0..n-1 keeps about two thirds from beyond the
	// first reservoirSize values.
	late := 0
	for _, d := range r.samples {
		if d >= reservoirSize {
			late++
		}
	}
	if frac := float64(late) / reservoirSize; frac < 0.6 || frac > 0.73 {
		t.Fatalf("%.2f of the samples come from the later values, want about 0.67", frac)
	}
}

func TestTallyCountsAndMerges(t *testing.T) {
	a, b := newTally(1), newTally(2)
	a.record(signResult{status: 200, state: stateSuccess}, time.Millisecond)
	a.record(signResult{status: 200, state: stateSuccess | 2}, time.Millisecond)
	b.record(signResult{status: 503}, time.Millisecond)
	b.record(signResult{status: 200, state: stateSuccess}, 3*time.Millisecond)
	m := merge([]*tally{a, b})
	if m.ok != 2 || m.errors() != 2 || len(m.latency.samples) != 2 {
		t.Fatalf("ok %d errors %d samples %d, want 2 2 2", m.ok, m.errors(), len(m.latency.samples))
	}
	if got, want := m.describeErrors(), "HTTP 503×1, ftState≠success×1"; got != want {
		t.Fatalf("describeErrors = %q, want %q", got, want)
	}
}
