package escpos

import (
	"log/slog"
	"time"
)

// Timeout defaults (devices.md §7.5).
const (
	// DefaultStatusTimeout bounds the wait for the answer to one DLE EOT.
	// It is the serial value (1 s); USB and TCP printers answer within
	// 500 ms, so it covers them too.
	DefaultStatusTimeout = time.Second
	// DefaultJobTimeout and DefaultLineTimeout make the wait for a job's
	// confirmation: 5 s plus 50 ms for every line feed in the job.
	DefaultJobTimeout  = 5 * time.Second       // base wait for a confirmation
	DefaultLineTimeout = 50 * time.Millisecond // added per line feed
	// DefaultPollInterval is how often the driver asks DLE EOT 1 while it
	// waits for a confirmation, so that paper running out mid-job ends the
	// wait at once instead of at the deadline.
	DefaultPollInterval = time.Second
)

// Options configure a Printer. The zero value is usable.
type Options struct {
	// Name is the configured device name, for errors and logs.
	Name string
	// StatusTimeout bounds the answer to each DLE EOT request; default
	// DefaultStatusTimeout. A printer that misses it counts as
	// unreachable.
	StatusTimeout time.Duration
	// JobTimeout and LineTimeout bound the wait for a job's confirmation:
	// JobTimeout plus LineTimeout per line feed in the job; defaults
	// DefaultJobTimeout and DefaultLineTimeout.
	JobTimeout, LineTimeout time.Duration
	// PollInterval is how often the printer's status is polled while a
	// job is awaited; default DefaultPollInterval, negative: never (only
	// once, at the deadline).
	PollInterval time.Duration
	// Log receives connection events; default discards.
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.StatusTimeout <= 0 {
		o.StatusTimeout = DefaultStatusTimeout
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = DefaultJobTimeout
	}
	if o.LineTimeout <= 0 {
		o.LineTimeout = DefaultLineTimeout
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// jobWait is how long a job of the given number of lines may take to
// print.
func (o Options) jobWait(lines int) time.Duration {
	return o.JobTimeout + time.Duration(lines)*o.LineTimeout
}

// CountLines estimates how many lines a job feeds: every LF byte, plus n
// for every ESC d n. It is an estimate (a QR payload may hold a 0A byte),
// good enough for a deadline.
func CountLines(data []byte) int {
	n := 0
	for i, b := range data {
		switch {
		case b == LF:
			n++
		case b == ESC && i+2 < len(data) && data[i+1] == 'd':
			n += int(data[i+2])
		}
	}
	return n
}
