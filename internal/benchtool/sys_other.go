//go:build !linux

package main

import "time"

// processCPU is not measured outside Linux.
func processCPU() time.Duration { return 0 }

// filesystemType is not known outside Linux.
func filesystemType(string) string { return "unknown" }
