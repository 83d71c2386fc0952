package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Limits of the environment knobs; they keep every phase bounded.
const (
	defaultSeconds   = 10
	maxSeconds       = 3600
	defaultCashBoxes = 16
	maxCashBoxes     = 1000 // fiscald's own --demo-cashboxes limit
	defaultTerminals = 4
	maxTerminals     = 64
)

// config is one run of the benchmark, read from the environment.
type config struct {
	// phase bounds each phase (BENCH_SECONDS).
	phase time.Duration
	// cashBoxes is N, the demo CashBoxes (one queue each) and the journal
	// ceiling's writers (BENCH_CASHBOXES).
	cashBoxes int
	// terminals is M, the concurrent terminals per CashBox (BENCH_TERMINALS).
	terminals int
	// fiscald is the daemon binary (BENCH_FISCALD, default bin/fiscald).
	fiscald string
	// outDir receives cpu.pprof and daemon.log (BENCH_OUT, default bench-out).
	outDir string
	// tempDir is the parent of the daemon's data directory and of the
	// journal ceiling's directory, so both share one filesystem (BENCH_DIR,
	// default the system temp directory).
	tempDir string
	// goCmd runs `go tool pprof` (GO, default go).
	goCmd string
}

// configFromEnv reads the configuration; getenv is os.Getenv outside tests.
func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		fiscald: orDefault(getenv("BENCH_FISCALD"), "bin/fiscald"),
		outDir:  orDefault(getenv("BENCH_OUT"), "bench-out"),
		tempDir: orDefault(getenv("BENCH_DIR"), os.TempDir()),
		goCmd:   orDefault(getenv("GO"), "go"),
	}
	secs, err := intVar(getenv, "BENCH_SECONDS", defaultSeconds, 1, maxSeconds)
	if err != nil {
		return c, err
	}
	c.phase = time.Duration(secs) * time.Second
	if c.cashBoxes, err = intVar(getenv, "BENCH_CASHBOXES", defaultCashBoxes, 1, maxCashBoxes); err != nil {
		return c, err
	}
	if c.terminals, err = intVar(getenv, "BENCH_TERMINALS", defaultTerminals, 1, maxTerminals); err != nil {
		return c, err
	}
	return c, nil
}

// warmup is how long the load runs unmeasured before the measured phase.
func (c config) warmup() time.Duration {
	return min(max(c.phase/5, 500*time.Millisecond), 2*time.Second)
}

// profileSeconds is the length of the CPU profile: inside the measured
// phase, at most 10 s.
func (c config) profileSeconds() int {
	return max(1, min(int(c.phase/time.Second)-1, 10))
}

func intVar(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
