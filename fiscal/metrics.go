package fiscal

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics observes the fiscal core. A nil *Metrics records nothing.
type Metrics struct {
	receipts  *prometheus.CounterVec
	replays   *prometheus.CounterVec
	conflicts *prometheus.CounterVec
	depth     *prometheus.GaugeVec
}

// NewMetrics creates the core's metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		receipts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_receipts_total",
			Help: "Queue items processed, by market, receipt case and outcome.",
		}, []string{"market", "case", "outcome"}),
		replays: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_idempotency_replays_total",
			Help: "Requests answered from a stored or running operation with the same x-operation-id.",
		}, []string{"mode"}),
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_idempotency_conflicts_total",
			Help: "Requests refused because their x-operation-id was used with another request.",
		}, []string{"mode"}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fiscald_queue_pending_requests",
			Help: "Receipts waiting for their queue, by market.",
		}, []string{"market"}),
	}
	reg.MustRegister(m.receipts, m.replays, m.conflicts, m.depth)
	return m
}

func modeLabel(mode Replayable) string {
	if mode == Stored {
		return "stored"
	}
	return "fresh"
}

func (m *Metrics) replay(mode Replayable) {
	if m != nil {
		m.replays.WithLabelValues(modeLabel(mode)).Inc()
	}
}

func (m *Metrics) conflict(mode Replayable) {
	if m != nil {
		m.conflicts.WithLabelValues(modeLabel(mode)).Inc()
	}
}

func (m *Metrics) queued(c Country, delta float64) {
	if m != nil {
		m.depth.WithLabelValues(c.String()).Add(delta)
	}
}

func (m *Metrics) receipt(c Country, rc uint16, state uint32, res *Result) {
	if m == nil {
		return
	}
	outcome := "receipt"
	switch {
	case state == StateOutOfOperation:
		outcome = "out-of-operation"
	case state != 0:
		outcome = "error"
	case res != nil && res.Kind != "":
		outcome = res.Kind
	}
	m.receipts.WithLabelValues(c.String(), ReceiptCaseName(rc), outcome).Inc()
}
