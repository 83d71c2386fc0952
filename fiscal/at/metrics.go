package at

import (
	"github.com/prometheus/client_golang/prometheus"
)

var (
	failedReceiptsDesc = prometheus.NewDesc("fiscald_at_failed_receipts_total",
		"Receipts issued with \"Sicherheitseinrichtung ausgefallen\" over the queue's life.", []string{"queue"}, nil)
	outageStartDesc = prometheus.NewDesc("fiscald_at_outage_start_timestamp_seconds",
		"Start of the queue's current signature-device outage (Unix time; 0 when none). The outage must be reported to FinanzOnline after 48 hours.",
		[]string{"queue"}, nil)
)

// collector reads the outage metrics from the registers' published state
// at scrape time: they survive restarts because the state does.
type collector struct{ m *Market }

// Describe implements prometheus.Collector.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- failedReceiptsDesc
	ch <- outageStartDesc
}

// Collect implements prometheus.Collector.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	regs := make(map[string]*register, len(c.m.registers))
	for id, r := range c.m.registers {
		regs[id] = r
	}
	c.m.mu.Unlock()
	for id, r := range regs {
		r.mu.Lock()
		st := r.pub
		r.mu.Unlock()
		var start float64
		if st.Failed {
			start = float64(st.FailedSince.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(failedReceiptsDesc, prometheus.CounterValue, float64(st.FailedTotal), id)
		ch <- prometheus.MustNewConstMetric(outageStartDesc, prometheus.GaugeValue, start, id)
	}
}
