package payment

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
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
	register(reg, m.payments)
	register(reg, m.duration)
	register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fiscald_payment_outcome_unknown_payments",
		Help: "Payments whose outcome is unknown until their terminal answers a status enquiry.",
	}, unresolved))
	for t := range terms {
		register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "fiscald_payment_terminal_up",
			Help:        "1 while the payment terminal answered its last command or probe, 0 after a failure.",
			ConstLabels: prometheus.Labels{"terminal": t.Name, "protocol": t.Protocol},
		}, func() float64 {
			if t.Device.Health().State == device.StateFailed {
				return 0
			}
			return 1
		}))
	}
	return m
}

// register adds a collector; one registered before (a terminal shared by
// several CashBoxes) is fine.
func register(reg prometheus.Registerer, c prometheus.Collector) {
	var are prometheus.AlreadyRegisteredError
	if err := reg.Register(c); err != nil && !errors.As(err, &are) {
		panic(err)
	}
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
