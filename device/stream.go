package device

import (
	"io"
	"time"
)

// Stream is the byte stream a driver talks over: a serial port or
// pseudo-terminal opened by device/serialport (an *os.File qualifies), a
// net.Conn, or a USB pipe. Drivers never open one themselves; they get it
// from a dial function and close it when the link fails.
type Stream interface {
	io.ReadWriteCloser
	// SetReadDeadline bounds Read; the zero time removes the bound. A
	// Read blocked when the deadline passes, or is moved into the past,
	// must return an error wrapping os.ErrDeadlineExceeded (or one whose
	// Timeout method reports true): drivers rely on it for their protocol
	// timeouts and to honour a context's cancellation.
	SetReadDeadline(t time.Time) error
}

// WriteDeadliner is the optional part of a Stream that bounds writes
// (net.Conn, *os.File and serialport.Port have it). Without it a write
// is not interrupted by a context.
type WriteDeadliner interface {
	SetWriteDeadline(t time.Time) error
}
