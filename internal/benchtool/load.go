package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// maxRequestsPerTerminal bounds a terminal's loop in count; the phase's
// time bound normally ends it first.
const maxRequestsPerTerminal = 1_000_000

// loadResult is what the load phase measured.
type loadResult struct {
	cashBoxes, terminals int
	elapsed              time.Duration
	counts               *tally
	p50, p99             time.Duration
	rssKiB, hwmKiB       int64
	memErr               error
	cpu                  cpuUse        // machine and bench CPU during the measured phase
	daemonCores          float64       // fiscald's CPU during the measured phase
	mean                 time.Duration // client-observed mean latency of the ok requests
	server               serverTimes
	profile              profileResult
	stopIn               time.Duration
	stopErr              error
	entry                entrySize
}

// receiptsPerSecond is the durable receipt rate.
func (r loadResult) receiptsPerSecond() float64 {
	return float64(r.counts.ok) / r.elapsed.Seconds()
}

// runLoad is the load phase: fiscald with cfg.cashBoxes demo CashBoxes,
// cfg.terminals terminals each, sending receipts back to back for
// cfg.phase after a warm-up, with a CPU profile of the daemon taken
// meanwhile. The daemon's data directory is parent/data.
func runLoad(ctx context.Context, cfg config, parent string, progress func(string, ...any)) (res loadResult, err error) {
	data := filepath.Join(parent, "data")
	d, err := startDaemon(ctx, cfg.fiscald, data, filepath.Join(cfg.outDir, "daemon.log"), cfg.cashBoxes)
	if err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			d.kill()
		}
	}()
	boxes := atCashBoxes(d.creds, cfg.cashBoxes)
	terms := newTerminals(d.creds.BaseURL, boxes, cfg.terminals, "B")
	defer closeTerminals(terms)
	if err := startQueues(ctx, terms, cfg.terminals); err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	progress("load: %d CashBoxes started; warming up for %v", len(boxes), cfg.warmup())
	if warm, _ := drive(ctx, terms, cfg.warmup()); warm.ok == 0 {
		return res, fmt.Errorf("load: no receipt succeeded during the warm-up (%s); see %s", warm.describeErrors(), d.log.Name())
	}

	progress("load: %d CashBoxes × %d terminals for %v; CPU profile %ds", len(boxes), cfg.terminals, cfg.phase, cfg.profileSeconds())
	res = measure(ctx, d, terms, cfg)
	res.cashBoxes, res.terminals = len(boxes), cfg.terminals
	res.rssKiB, res.hwmKiB, res.memErr = d.memory()

	stopped = true
	res.stopIn, res.stopErr = d.stop()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	queues := make([]string, len(boxes))
	for i, b := range boxes {
		queues[i] = b.QueueID
	}
	if res.stopErr == nil {
		res.entry = measureEntrySize(filepath.Join(data, "journal"), queues)
	} else {
		res.entry = entrySize{bytes: fallbackEntryBytes, err: res.stopErr}
	}
	return res, nil
}

// measure is the measured part of the load phase: the terminals run for
// cfg.phase while the daemon's CPU profile is taken and its CPU time and
// latency histograms are read before and after.
func measure(ctx context.Context, d *daemon, terms []*terminal, cfg config) (res loadResult) {
	profc := make(chan profileResult, 1)
	profPath := filepath.Join(cfg.outDir, "cpu.pprof")
	go func() { profc <- takeProfile(ctx, d.debugURL, cfg.profileSeconds(), profPath) }()
	metricsURL := strings.TrimSuffix(d.creds.BaseURL, "/v2") + "/metrics"
	mc := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	defer mc.CloseIdleConnections()

	metrics0, merr0 := scrapeMetrics(ctx, mc, metricsURL)
	daemon0, err0 := d.cpuTime()
	sample0 := sampleCPU()
	res.counts, res.elapsed = drive(ctx, terms, cfg.phase)
	daemon1, err1 := d.cpuTime()
	res.cpu = cpuBetween(sample0, sampleCPU())
	metrics1, merr1 := scrapeMetrics(ctx, mc, metricsURL)

	res.server = serverTimesBetween(metrics0, metrics1, errors.Join(merr0, merr1))
	if err := errors.Join(err0, err1); err != nil {
		res.cpu.err = err
	}
	res.daemonCores = (daemon1 - daemon0).Seconds() / res.elapsed.Seconds()
	res.mean = mean(res.counts.latency.samples)
	q := percentiles(res.counts.latency.samples, 0.50, 0.99)
	res.p50, res.p99 = q[0], q[1]
	res.profile = <-profc
	return res
}

// atCashBoxes returns the first n AT CashBoxes (credentials.check made
// sure there are as many).
func atCashBoxes(c credentials, n int) []cashBox {
	var out []cashBox
	for _, b := range c.CashBoxes {
		if b.Market == "AT" && len(out) < n {
			out = append(out, b)
		}
	}
	return out
}

// newTerminals makes perBox terminals for each CashBox, in order, named
// <prefix><box>-T<n>.
func newTerminals(baseURL string, boxes []cashBox, perBox int, prefix string) []*terminal {
	terms := make([]*terminal, 0, len(boxes)*perBox)
	for i, b := range boxes {
		for j := range perBox {
			terms = append(terms, newTerminal(baseURL, b, fmt.Sprintf("%s%02d-T%d", prefix, i+1, j+1)))
		}
	}
	return terms
}

func closeTerminals(terms []*terminal) {
	for _, t := range terms {
		t.close()
	}
}

// startQueues sends each CashBox's initial operation through its first
// terminal; terms holds perBox terminals per CashBox, in order.
func startQueues(ctx context.Context, terms []*terminal, perBox int) error {
	for i := 0; i < len(terms); i += perBox {
		t := terms[i]
		r := t.sign(ctx, t.initialOperation(time.Now()))
		if !r.ok() {
			return fmt.Errorf("initial operation of CashBox %s: HTTP %d, ftState %#x, %v", t.box.CashBoxID, r.status, r.state, r.err)
		}
	}
	return nil
}

// drive runs every terminal in its own goroutine, sending receipts back to
// back for d, and returns the merged counts and the wall time until the
// last request finished.
func drive(ctx context.Context, terms []*terminal, d time.Duration) (*tally, time.Duration) {
	start := time.Now()
	until := start.Add(d)
	parts := make([]*tally, len(terms))
	var wg sync.WaitGroup
	for i, t := range terms {
		parts[i] = newTally(uint64(i) + 1)
		wg.Go(func() {
			for n := 0; n < maxRequestsPerTerminal && ctx.Err() == nil; n++ {
				sent := time.Now()
				if !sent.Before(until) {
					return
				}
				r := t.sign(ctx, t.posReceipt(sent))
				parts[i].record(r, time.Since(sent))
				if r.err != nil {
					pause(ctx, errorPause)
				}
			}
		})
	}
	wg.Wait()
	return merge(parts), time.Since(start)
}

// pause sleeps for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
