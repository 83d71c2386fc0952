//go:build linux

// Package ptytest opens kernel pseudo-terminal pairs for tests of serial
// protocols: the driver under test gets a real tty, the test (or a
// simulator) the other end. Only tests import it; the work is done by
// internal/pty.
package ptytest

import (
	"os"
	"testing"

	"github.com/fiscald/fiscald/internal/pty"
)

// Open opens a kernel pseudo-terminal pair in raw mode, the way a
// USB-serial adapter looks to the driver: master and slave pass every byte
// value unchanged. Both are closed at the end of the test.
func Open(t testing.TB) (master, slave *os.File) {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		m.Close()
	})
	return m, s
}
