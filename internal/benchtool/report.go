package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// targetRatio is the goal on the 2-core reference box: durable
// /v2/sign at half the lower ceiling or better.
const targetRatio = 0.5

// summary is everything the final table shows.
type summary struct {
	load       loadResult
	cores      int // GOMAXPROCS: the sign ceiling's goroutines
	signRate   float64
	signCPU    cpuUse
	commitRate float64
	commitCPU  cpuUse
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
	fmt.Fprintf(w, "%-17s p50 %s  p99 %s  mean %s (%d samples)\n", "  latency", ms(l.p50), ms(l.p99), ms(l.mean), len(l.counts.latency.samples))
	if t := l.server; t.err != nil {
		fmt.Fprintf(w, "%-17s unknown: %v\n", "  in fiscald", t.err)
	} else {
		fmt.Fprintf(w, "%-17s /v2/sign handler mean %s, of which WAL sync wait %s and device sign %s; %s outside the handler (client, loopback, run queues)\n",
			"  in fiscald", ms(t.handler), ms(t.sync), ms(t.sign), ms(l.mean-t.handler))
	}
	if l.memErr != nil {
		fmt.Fprintf(w, "%-17s unknown: %v\n", "  daemon RSS", l.memErr)
	} else {
		fmt.Fprintf(w, "%-17s VmRSS %.1f MiB, VmHWM %.1f MiB (end of load)\n", "  daemon RSS", float64(l.rssKiB)/1024, float64(l.hwmKiB)/1024)
	}
	fmt.Fprintf(w, "%-17s %s\n", "  CPU", l.cpu.describe(l.daemonCores, s.cores))
	if l.stopErr != nil {
		fmt.Fprintf(w, "%-17s FAILED: %v\n", "  shutdown", l.stopErr)
	} else {
		fmt.Fprintf(w, "%-17s SIGTERM → exit 0 in %.2fs\n", "  shutdown", l.stopIn.Seconds())
	}
	fmt.Fprintf(w, "%-17s %.0f signs/s (ECDSA P-256, %d goroutines)\n", "sign ceiling", s.signRate, s.cores)
	fmt.Fprintf(w, "%-17s %s\n", "  CPU", s.signCPU.describe(0, s.cores))
	fmt.Fprintf(w, "%-17s %.0f commits/s (%d writers, synced, %s)\n", "journal ceiling", s.commitRate, l.cashBoxes, l.entry.describe())
	fmt.Fprintf(w, "%-17s %s\n", "  CPU", s.commitCPU.describe(0, s.cores))
	c, name := s.ceiling()
	fmt.Fprintf(w, "%-17s %.0f/s (%s)\n", "lower ceiling", c, name)
	verdict := "met"
	if s.ratio() < targetRatio {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "%-17s ratio ≥ %.2f: %s\n", "target", targetRatio, verdict)
	var disturbed []string
	for _, p := range []struct {
		name   string
		use    cpuUse
		daemon float64
	}{{"load", l.cpu, l.daemonCores}, {"sign ceiling", s.signCPU, 0}, {"journal ceiling", s.commitCPU, 0}} {
		if p.use.disturbed(p.daemon) {
			disturbed = append(disturbed, p.name)
		}
	}
	if len(disturbed) > 0 {
		fmt.Fprintf(w, "warning: other processes took CPU during %s (see the CPU lines); those results are depressed; rerun on an idle machine\n",
			strings.Join(disturbed, ", "))
	}
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
