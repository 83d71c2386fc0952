//go:build !linux

package serialport

// holderOf cannot name the holder of a lock outside Linux, which has no
// /proc/locks.
func holderOf(string) string { return "" }
