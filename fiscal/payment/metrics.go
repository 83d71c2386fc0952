package payment

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/internal/devicemetrics"
)

// metrics are the payment layer's Prometheus series.
type metrics struct {
	payments *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer, terms map[*Terminal]bool, unresolved func() float64) *metrics {
	m := &metrics{
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_payment_transactions_total",
			Help: "Finished /v2/pay transactions by protocol, action and outcome (approved, declined, cancelled, timeout, unreachable, failed, not_booked; unknown counts each time an outcome became unknown).",
		}, []string{"protocol", "action", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fiscald_payment_terminal_duration_seconds",
			Help:    "Time a payment terminal took for one transaction, from the command to its result.",
			Buckets: []float64{0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
		}, []string{"terminal", "protocol"}),
	}
	if reg == nil {
		return m
	}
	devicemetrics.Register(reg, m.payments)
	devicemetrics.Register(reg, m.duration)
	devicemetrics.Register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fiscald_payment_outcome_unknown_payments",
		Help: "Payments whose outcome is unknown until their terminal answers a status enquiry.",
	}, unresolved))
	for t := range terms {
		devicemetrics.Register(reg, devicemetrics.Up("fiscald_payment_terminal_up",
			"1 while the payment terminal answered its last command or probe, 0 after a failure.",
			prometheus.Labels{"terminal": t.Name, "protocol": t.Protocol}, t.Device.Health))
	}
	return m
}

func (m *metrics) observe(t *Terminal, d time.Duration) {
	m.duration.WithLabelValues(t.Name, t.Protocol).Observe(d.Seconds())
}

func (m *metrics) count(p *payment, outcome string) {
	protocol := p.f.Terminal
	if p.term != nil {
		protocol = p.term.Protocol
	}
	m.payments.WithLabelValues(protocol, p.f.Action, outcome).Inc()
}
