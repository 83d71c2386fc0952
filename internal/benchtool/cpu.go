package main

import (
	"errors"
	"fmt"
	"time"
)

// disturbedCores is how much CPU others may take before a phase is
// reported as disturbed.
const disturbedCores = 0.25

// cpuSample is a reading of the machine's and this process's CPU counters.
// On a shared machine the other processes' share tells how far a phase's
// result is depressed by work that is not the benchmark's.
type cpuSample struct {
	at    time.Time
	busy  time.Duration // all CPUs, everything but idle, iowait and steal
	steal time.Duration // taken by the hypervisor
	self  time.Duration // this process
	err   error
}

func sampleCPU() cpuSample {
	busy, steal, err := machineCPU()
	return cpuSample{at: time.Now(), busy: busy, steal: steal, self: processCPU(), err: err}
}

// cpuUse is the CPU used between two samples, in cores.
type cpuUse struct {
	busy, steal, self float64
	err               error
}

// cpuBetween is the use from a to b.
func cpuBetween(a, b cpuSample) cpuUse {
	if err := errors.Join(a.err, b.err); err != nil {
		return cpuUse{err: fmt.Errorf("cpu accounting: %w", err)}
	}
	wall := b.at.Sub(a.at).Seconds()
	cores := func(d time.Duration) float64 { return d.Seconds() / wall }
	return cpuUse{busy: cores(b.busy - a.busy), steal: cores(b.steal - a.steal), self: cores(b.self - a.self)}
}

// describe reports the use, with daemon the cores fiscald used (zero when
// it was not running): "1.95 of 2 cores busy: bench 0.31, fiscald 1.21,
// other processes 0.43; steal 0.02".
func (u cpuUse) describe(daemon float64, cores int) string {
	if u.err != nil {
		return u.err.Error()
	}
	s := fmt.Sprintf("%.2f of %d cores busy: bench %.2f", u.busy, cores, u.self)
	if daemon > 0 {
		s += fmt.Sprintf(", fiscald %.2f", daemon)
	}
	return s + fmt.Sprintf(", other processes %.2f; steal %.2f", u.others(daemon), u.steal)
}

// others is the cores used by neither this process nor fiscald.
func (u cpuUse) others(daemon float64) float64 { return max(u.busy-u.self-daemon, 0) }

// disturbed reports whether other processes (or the hypervisor) took
// enough CPU to depress a phase's result noticeably.
func (u cpuUse) disturbed(daemon float64) bool {
	return u.err == nil && u.others(daemon)+u.steal > disturbedCores
}
