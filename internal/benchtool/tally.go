package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// tally counts the outcomes of one terminal's requests; merged, of all.
type tally struct {
	ok         int         // 200 with ftState success: a durable receipt
	notSuccess int         // 200 with another ftState
	status     map[int]int // non-200 responses by status code
	transport  int         // no response (connection or decoding error)
	firstErr   error       // the first transport error, for the report
	latency    *reservoir  // latencies of the ok requests
}

func newTally(seed uint64) *tally {
	return &tally{status: map[int]int{}, latency: newReservoir(seed)}
}

// record counts one request that took d.
func (t *tally) record(r signResult, d time.Duration) {
	switch {
	case r.err != nil:
		t.transport++
		if t.firstErr == nil {
			t.firstErr = r.err
		}
	case r.status != 200:
		t.status[r.status]++
	case r.state != stateSuccess:
		t.notSuccess++
	default:
		t.ok++
		t.latency.add(d)
	}
}

// errors is the number of requests that did not yield a durable receipt.
func (t *tally) errors() int {
	n := t.notSuccess + t.transport
	for _, c := range t.status {
		n += c
	}
	return n
}

// describeErrors lists the error kinds, e.g. "503×12, ftState≠success×1".
func (t *tally) describeErrors() string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(t.status)) {
		parts = append(parts, fmt.Sprintf("HTTP %d×%d", code, t.status[code]))
	}
	if t.notSuccess > 0 {
		parts = append(parts, fmt.Sprintf("ftState≠success×%d", t.notSuccess))
	}
	if t.transport > 0 {
		parts = append(parts, fmt.Sprintf("transport×%d (first: %v)", t.transport, t.firstErr))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// merge adds the counts and latency samples of ts into a new tally.
func merge(ts []*tally) *tally {
	out := newTally(0)
	for _, t := range ts {
		out.latency.samples = append(out.latency.samples, t.latency.samples...)
		out.latency.seen += t.latency.seen
		out.ok += t.ok
		out.notSuccess += t.notSuccess
		out.transport += t.transport
		if out.firstErr == nil {
			out.firstErr = t.firstErr
		}
		for code, n := range t.status {
			out.status[code] += n
		}
	}
	return out
}
