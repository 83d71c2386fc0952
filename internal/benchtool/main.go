// Command benchtool is the harness behind `make bench`: it measures how
// many durable receipts per second fiscald's /v2/sign delivers and sets the
// result against the two ceilings it cannot beat on the same machine.
//
// Phases, each bounded by BENCH_SECONDS (default 10):
//
//   - load: bin/fiscald --demo with BENCH_CASHBOXES CashBoxes (default 16),
//     BENCH_TERMINALS terminals each (default 4) sending POS receipts back
//     to back over loopback; receipts/s, p50/p99 latency, the daemon's RSS,
//     and a CPU profile of the daemon (bench-out/cpu.pprof, top functions
//     printed). It runs first so that the journal ceiling can use the mean
//     size of the queue items it wrote.
//   - journal-ceiling: synced journal commits per second of one such entry,
//     one writer per CashBox, in a journal on the daemon's filesystem.
//   - sign-ceiling: raw ECDSA P-256 signatures per second on all cores.
//   - pkcs11: a throw-away SoftHSM2 token's raw sign rate on the driver's
//     default number of sessions, then fiscald with 8 CashBoxes sharing
//     that token; pkcs11_ratio=<receipts/s ÷ raw rate> is printed just
//     before the last line.
//
// The last line printed is exactly ratio=<receipts/s ÷ lower ceiling>.
// BENCH_FISCALD, BENCH_OUT, BENCH_DIR and GO override the daemon binary,
// the output directory, the temporary directory's parent and the go
// command. Run from the module root: go run ./internal/benchtool
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

// run executes the phases and prints the report, ending with the ratio
// line; it prints no ratio when a phase failed.
func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	parent, err := os.MkdirTemp(cfg.tempDir, "fiscald-bench-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(parent)
	progress := func(format string, args ...any) { fmt.Fprintf(w, "bench: "+format+"\n", args...) }
	progress("%d s per phase; GOMAXPROCS=%d, %d CPUs; data in %s on %s", int(cfg.phase.Seconds()),
		runtime.GOMAXPROCS(0), runtime.NumCPU(), parent, filesystemType(parent))

	load, err := runLoad(ctx, cfg, parent, progress)
	if err != nil {
		return err
	}
	printProfile(ctx, w, cfg.goCmd, load.profile)

	progress("journal-ceiling: %d writers, %d-byte entries, for %v", load.cashBoxes, load.entry.bytes, cfg.phase)
	before := sampleCPU()
	commits, err := journalCeiling(ctx, filepath.Join(parent, "ceiling-journal"), load.cashBoxes, load.entry.bytes, cfg.phase)
	if err != nil {
		return err
	}
	commitCPU := cpuBetween(before, sampleCPU())
	progress("sign-ceiling: %d goroutines for %v", runtime.GOMAXPROCS(0), cfg.phase)
	before = sampleCPU()
	signs, procs, err := signCeiling(ctx, cfg.phase)
	if err != nil {
		return err
	}
	signCPU := cpuBetween(before, sampleCPU())

	p11, err := runPKCS11(ctx, cfg, parent, progress)
	if err != nil {
		return err
	}

	s := summary{load: load, cores: procs, signRate: signs, signCPU: signCPU, commitRate: commits, commitCPU: commitCPU}
	s.write(w)
	p11.write(w)
	if load.stopErr != nil {
		return load.stopErr
	}
	fmt.Fprintf(w, "pkcs11_ratio=%.2f\n", p11.ratio())
	fmt.Fprintf(w, "ratio=%.2f\n", s.ratio())
	return nil
}

// printProfile prints the top functions of the load phase's CPU profile by
// flat and by cumulative time; a failure is reported and the run goes on.
func printProfile(ctx context.Context, w io.Writer, goCmd string, p profileResult) {
	if p.err != nil {
		fmt.Fprintf(w, "== CPU profile of fiscald: not taken: %v\n", p.err)
		return
	}
	for _, cum := range []bool{false, true} {
		order := "flat"
		if cum {
			order = "cumulative"
		}
		fmt.Fprintf(w, "== CPU profile of fiscald during the load (%s), top %d by %s time\n", p.path, topFunctions, order)
		out, err := pprofTop(ctx, goCmd, p.path, cum)
		fmt.Fprint(w, out)
		if err != nil {
			fmt.Fprintf(w, "(pprof failed: %v)\n", err)
		}
	}
}
