package zvt

import (
	"fmt"
	"time"
)

// Application timeouts (§1.9, §7.5). The links do not apply them: T3 and
// T4 are deadlines the state machine puts on its contexts.
const (
	// DefaultT3 bounds the wait for the answer (80 00 / 84 xx) to a
	// command. Over TCP its expiry means closing the socket.
	DefaultT3 = 5 * time.Second
	// DefaultT4 bounds the wait from 80 00 to the Completion; every
	// Intermediate-Status and Status-Information restarts it.
	DefaultT4 = 180 * time.Second
)

// SerialOptions are the timers of the serial transport (§1.8).
type SerialOptions struct {
	// T1 is the longest gap between two bytes of a frame; after it the
	// receiver drops the frame and answers NAK.
	T1 time.Duration
	// T2 is the longest wait for ACK/NAK after a frame; after it the
	// sender repeats the frame. The receiver waits as long for the
	// repeat of a frame it NAKed.
	T2 time.Duration
	// Repeats is how often a frame is sent again after a NAK or T2
	// before the link reports ErrTransmission; a receiver gives up after
	// as many bad frames in a row plus one.
	Repeats int
}

// DefaultSerialOptions returns the specification's values: T1 200 ms,
// T2 5 s, two repeats.
func DefaultSerialOptions() SerialOptions {
	return SerialOptions{T1: 200 * time.Millisecond, T2: 5 * time.Second, Repeats: 2}
}

// Validate reports the first field out of range, by name.
func (o SerialOptions) Validate() error {
	switch {
	case o.T1 <= 0:
		return fmt.Errorf("zvt serial options: T1 %v must be positive: %w", o.T1, ErrInvalid)
	case o.T2 <= 0:
		return fmt.Errorf("zvt serial options: T2 %v must be positive: %w", o.T2, ErrInvalid)
	case o.Repeats < 0:
		return fmt.Errorf("zvt serial options: repeats %d must not be negative: %w", o.Repeats, ErrInvalid)
	}
	return nil
}
