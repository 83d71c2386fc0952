//go:build !linux

// Package pty opens kernel pseudo-terminal pairs in raw mode; only Linux
// is supported.
package pty

import (
	"errors"
	"os"
)

// Open reports that pseudo-terminals are not supported on this system.
func Open() (master, slave *os.File, err error) {
	return nil, nil, errors.New("pty: not supported on this system")
}
