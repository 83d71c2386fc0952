package issue

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/internal/devicemetrics"
)

// metrics are the issue layer's Prometheus series.
type metrics struct {
	jobs   *prometheus.CounterVec
	issued *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, printers map[string]*Printer, pending func() float64) *metrics {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_issue_print_jobs_total",
			Help: "Print job results by printer and state (printed, pending, failed); a pending job printed later counts again as printed.",
		}, []string{"printer", "state"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_issue_receipts_total",
			Help: "Receipts handed over by /v2/issue, by channel (url, print).",
		}, []string{"channel"}),
	}
	if reg == nil {
		return m
	}
	devicemetrics.Register(reg, m.jobs)
	devicemetrics.Register(reg, m.issued)
	devicemetrics.Register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fiscald_issue_pending_print_jobs",
		Help: "Print jobs sent but not confirmed by their printer; they are never resent automatically.",
	}, pending))
	seen := map[*Printer]bool{}
	for _, p := range printers {
		if seen[p] {
			continue
		}
		seen[p] = true
		devicemetrics.Register(reg, devicemetrics.Up("fiscald_issue_printer_up",
			"1 while the printer answered its last status request, 0 after a failure.",
			prometheus.Labels{"printer": p.Name}, p.Device.Health))
	}
	return m
}
