package zvtsim

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

// Options configure a Terminal. The zero value is usable: it simulates
// terminal 12345678 with password 123456, in memory, in real time.
type Options struct {
	// TerminalID is the eight-digit terminal ID (BMP 29); default
	// "12345678".
	TerminalID string
	// Password is the six-digit PT password the ECR must send; default
	// "123456".
	Password string
	// StateFile holds the transaction log as JSON, rewritten atomically
	// after every change. Empty keeps the state in memory only.
	StateFile string
	// TimeScale multiplies every simulated delay (the one-minute
	// payment, the terminal's own timeout, the Intermediate-Status
	// interval); tests use e.g. 0.0001. Zero means 1.
	TimeScale float64
	// Clock gives the time printed on receipts and recorded in the
	// ledger; default time.Now.
	Clock func() time.Time
	// Log receives one record per command; default discards.
	Log *slog.Logger
}

// Defaults applied by New.
const (
	defaultTerminalID = "12345678"
	defaultPassword   = "123456"
)

// settings are the validated Options in wire form.
type settings struct {
	Options
	password zvt.Password
	tid      []byte // BMP 29 value, 4 BCD bytes
}

func (o Options) settings() (settings, error) {
	if o.TerminalID == "" {
		o.TerminalID = defaultTerminalID
	}
	if o.Password == "" {
		o.Password = defaultPassword
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := settings{Options: o}
	if o.TimeScale < 0 {
		return s, fmt.Errorf("zvtsim: time scale %v must not be negative: %w", o.TimeScale, zvt.ErrInvalid)
	}
	id, err := strconv.ParseUint(o.TerminalID, 10, 32)
	if len(o.TerminalID) != 8 || err != nil {
		return s, fmt.Errorf("zvtsim: terminal ID %q must be 8 digits: %w", o.TerminalID, zvt.ErrInvalid)
	}
	s.tid = bcd(id, 4)
	if s.password, err = zvt.ParsePassword(o.Password); err != nil {
		return s, fmt.Errorf("zvtsim: %w", err)
	}
	return s, nil
}

// scale converts simulated time into real time.
func (s settings) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.TimeScale)
}
