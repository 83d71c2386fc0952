package escpossim

import (
	"fmt"
	"log/slog"
	"time"
)

// DefaultLineDelay is the simulated time to print one line: about what a
// thermal printer at 250 mm/s takes for a 4 mm line of text.
const DefaultLineDelay = 15 * time.Millisecond

// Options configure a Printer. The zero value is usable: a printer with
// paper, cover closed, printing in real time.
type Options struct {
	// LineDelay is the simulated time to print one line; default
	// DefaultLineDelay.
	LineDelay time.Duration
	// TimeScale multiplies every simulated delay; tests use e.g. 0.001.
	// Zero means 1.
	TimeScale float64
	// Log receives one record per job and connection; default discards.
	Log *slog.Logger
}

// settings are the validated Options.
type settings struct{ Options }

func (o Options) settings() (settings, error) {
	if o.LineDelay == 0 {
		o.LineDelay = DefaultLineDelay
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.TimeScale < 0:
		return settings{}, fmt.Errorf("escpossim: time scale %v must not be negative", o.TimeScale)
	case o.LineDelay < 0:
		return settings{}, fmt.Errorf("escpossim: line delay %v must not be negative", o.LineDelay)
	}
	return settings{o}, nil
}

// scale converts simulated time into real time.
func (s settings) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.TimeScale)
}
