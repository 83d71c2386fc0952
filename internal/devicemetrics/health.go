package devicemetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
)

var (
	upDesc = prometheus.NewDesc("fiscald_device_up",
		"1 while the device is up, 0 while it is failed (its driver probes it in the background).", []string{"device"}, nil)
	busySecondsDesc = prometheus.NewDesc("fiscald_device_busy_seconds_total",
		"Time the device spent signing, divided by the calls it runs at once.", []string{"device"}, nil)
	busyRatioDesc = prometheus.NewDesc("fiscald_device_busy_ratio",
		"Share of the device's capacity in use since the previous scrape (measured over at least one second).", []string{"device"}, nil)
)

// minWindow keeps scrapes in quick succession from measuring noise.
const minWindow = time.Second

// healthCollector reads every wrapped device's health at scrape time.
type healthCollector struct{ m *Metrics }

// Describe implements prometheus.Collector.
func (c healthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- upDesc
	ch <- busySecondsDesc
	ch <- busyRatioDesc
}

// Collect implements prometheus.Collector.
func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	now := c.m.now()
	for _, s := range c.m.signers {
		h := s.Signer.Health()
		up := 0.0
		if h.State == device.StateUp {
			up = 1
		}
		if s.prevAt.IsZero() {
			s.prevAt, s.prevBusy = now, h.Busy
		} else if window := now.Sub(s.prevAt); window >= minWindow {
			s.ratio = min(1, max(0, float64(h.Busy-s.prevBusy)/float64(window)))
			s.prevAt, s.prevBusy = now, h.Busy
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up, s.name)
		ch <- prometheus.MustNewConstMetric(busySecondsDesc, prometheus.CounterValue, h.Busy.Seconds(), s.name)
		ch <- prometheus.MustNewConstMetric(busyRatioDesc, prometheus.GaugeValue, s.ratio, s.name)
	}
}
