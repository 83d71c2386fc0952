//go:build !linux

package main

import (
	"errors"
	"time"
)

// processCPU is not measured outside Linux.
func processCPU() time.Duration { return 0 }

// filesystemType is not known outside Linux.
func filesystemType(string) string { return "unknown" }

// machineCPU is not measured outside Linux.
func machineCPU() (busy, steal time.Duration, err error) {
	return 0, 0, errors.New("not measured on this system")
}
