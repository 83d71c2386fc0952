package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// reservoirSize bounds the latency samples one terminal keeps. At the rates
// a 2-core box reaches, a terminal stays below it and every sample is kept.
const reservoirSize = 20_000

// reservoir keeps a uniform random sample of at most reservoirSize
// latencies (Vitter's algorithm R). It is owned by one goroutine.
type reservoir struct {
	samples []time.Duration
	seen    int
	rng     *rand.Rand
}

func newReservoir(seed uint64) *reservoir {
	return &reservoir{rng: rand.New(rand.NewPCG(seed, 0x66697363616c64))}
}

// add records one latency.
func (r *reservoir) add(d time.Duration) {
	r.seen++
	if len(r.samples) < reservoirSize {
		r.samples = append(r.samples, d)
		return
	}
	if i := r.rng.IntN(r.seen); i < reservoirSize {
		r.samples[i] = d
	}
}

// percentiles returns the p-quantiles (0 < p ≤ 1, nearest rank) of the
// samples, or zeros if there are none; it sorts samples. Merged samples of
// reservoirs that overflowed are weighted by their size, not by what each
// saw; see reservoirSize.
func percentiles(samples []time.Duration, ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	if len(samples) == 0 {
		return out
	}
	slices.Sort(samples)
	for i, p := range ps {
		rank := int(math.Ceil(p*float64(len(samples)))) - 1
		out[i] = samples[min(max(rank, 0), len(samples)-1)]
	}
	return out
}

// mean is the arithmetic mean of samples, or zero.
func mean(samples []time.Duration) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return sum / time.Duration(len(samples))
}
