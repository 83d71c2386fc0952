package journal

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics observes the journal for Prometheus. A nil *Metrics is valid and
// records nothing.
type Metrics struct {
	syncSeconds prometheus.Histogram
	entries     prometheus.Counter
}

// NewMetrics creates the journal's metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		syncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fiscald_journal_sync_duration_seconds",
			Help:    "Time from applying a journal batch until its write-ahead log sync completed.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		entries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fiscald_journal_batches_total",
			Help: "Journal batches applied.",
		}),
	}
	reg.MustRegister(m.syncSeconds, m.entries)
	return m
}

func (m *Metrics) applied(int) {
	if m != nil {
		m.entries.Inc()
	}
}

func (m *Metrics) synced(start time.Time) {
	if m != nil && !start.IsZero() {
		m.syncSeconds.Observe(sinceSeconds(start))
	}
}
