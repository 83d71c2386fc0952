package main

import (
	"fmt"
	"io"
	"time"
)

// targetRatio is the goal on the 2-core reference box: durable
// /v2/sign at half the lower ceiling or better.
const targetRatio = 0.5

// summary is everything the final table shows.
type summary struct {
	load       loadResult
	signRate   float64
	signProcs  int
	commitRate float64
}

// ceiling is the lower of the two ceilings and its name.
func (s summary) ceiling() (float64, string) {
	if s.signRate <= s.commitRate {
		return s.signRate, "sign"
	}
	return s.commitRate, "journal"
}

// ratio is receipts/s over the lower ceiling.
func (s summary) ratio() float64 {
	c, _ := s.ceiling()
	if c <= 0 {
		return 0
	}
	return s.load.receiptsPerSecond() / c
}

// write prints the summary table; the ratio line is left to the caller.
func (s summary) write(w io.Writer) {
	l := s.load
	fmt.Fprintln(w, "== summary")
	fmt.Fprintf(w, "%-17s %.1f receipts/s (%d CashBoxes × %d terminals; %d durable receipts in %.2fs)\n",
		"load", l.receiptsPerSecond(), l.cashBoxes, l.terminals, l.counts.ok, l.elapsed.Seconds())
	fmt.Fprintf(w, "%-17s %d (%s)\n", "  errors", l.counts.errors(), l.counts.describeErrors())
	fmt.Fprintf(w, "%-17s p50 %s  p99 %s (%d samples)\n", "  latency", ms(l.p50), ms(l.p99), len(l.counts.latency.samples))
	if l.memErr != nil {
		fmt.Fprintf(w, "%-17s unknown: %v\n", "  daemon RSS", l.memErr)
	} else {
		fmt.Fprintf(w, "%-17s VmRSS %.1f MiB, VmHWM %.1f MiB (end of load)\n", "  daemon RSS", float64(l.rssKiB)/1024, float64(l.hwmKiB)/1024)
	}
	fmt.Fprintf(w, "%-17s daemon %.2f cores, bench client %.2f cores (of %d)\n", "  CPU",
		l.daemonCPU.Seconds()/l.elapsed.Seconds(), l.selfCPU.Seconds()/l.elapsed.Seconds(), s.signProcs)
	if l.stopErr != nil {
		fmt.Fprintf(w, "%-17s FAILED: %v\n", "  shutdown", l.stopErr)
	} else {
		fmt.Fprintf(w, "%-17s SIGTERM → exit 0 in %.2fs\n", "  shutdown", l.stopIn.Seconds())
	}
	fmt.Fprintf(w, "%-17s %.0f signs/s (ECDSA P-256, %d goroutines)\n", "sign ceiling", s.signRate, s.signProcs)
	fmt.Fprintf(w, "%-17s %.0f commits/s (%d writers, synced, %s)\n", "journal ceiling", s.commitRate, l.cashBoxes, l.entry.describe())
	c, name := s.ceiling()
	fmt.Fprintf(w, "%-17s %.0f/s (%s)\n", "lower ceiling", c, name)
	verdict := "met"
	if s.ratio() < targetRatio {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "%-17s ratio ≥ %.2f: %s\n", "target", targetRatio, verdict)
}

// describe says how large the ceiling's entries were and where the size
// came from.
func (e entrySize) describe() string {
	if e.err != nil {
		return fmt.Sprintf("%d-byte entries, fallback size: %v", e.bytes, e.err)
	}
	return fmt.Sprintf("%d-byte entries = mean of %d queue items of the load", e.bytes, e.entries)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
