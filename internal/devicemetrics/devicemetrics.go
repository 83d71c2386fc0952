// Package devicemetrics instruments signature devices for Prometheus: it
// wraps a device.Signer and records the latency and the errors of every
// signature, and reads each device's health at scrape time (up, busy
// share), labelled by the device's configured name (bounded by
// configuration, never by traffic).
package devicemetrics

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
)

// Metrics holds the device metrics of one registry.
type Metrics struct {
	signSeconds *prometheus.HistogramVec
	errors      *prometheus.CounterVec
	lastSign    *prometheus.GaugeVec

	mu      sync.Mutex
	signers map[string]*signer // by name: names are unique per daemon
	now     func() time.Time
}

// New creates the metrics and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		signSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fiscald_device_sign_duration_seconds",
			Help:    "Latency of signature-device sign calls.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5},
		}, []string{"device"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiscald_device_errors_total",
			Help: "Failed signature-device calls by kind (unavailable, timeout, auth, other).",
		}, []string{"device", "kind"}),
		lastSign: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fiscald_device_last_sign_timestamp_seconds",
			Help: "Unix time of the last successful signature.",
		}, []string{"device"}),
	}
	m.now, m.signers = time.Now, map[string]*signer{}
	reg.MustRegister(m.signSeconds, m.errors, m.lastSign, healthCollector{m})
	return m
}

// Wrap returns a signer that records every Sign call of s.
func (m *Metrics) Wrap(s device.Signer) device.Signer {
	name := s.Identity().Name
	w := &signer{Signer: s, m: m, name: name, hist: m.signSeconds.WithLabelValues(name), last: m.lastSign.WithLabelValues(name)}
	m.mu.Lock()
	m.signers[name] = w
	m.mu.Unlock()
	return w
}

type signer struct {
	device.Signer
	m    *Metrics
	name string
	hist prometheus.Observer
	last prometheus.Gauge

	// The busy share is measured between scrapes; guarded by m.mu.
	prevAt   time.Time
	prevBusy time.Duration
	ratio    float64
}

func (s *signer) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	start := time.Now()
	sig, err := s.Signer.Sign(ctx, digest)
	s.hist.Observe(time.Since(start).Seconds())
	if err != nil {
		s.m.errors.WithLabelValues(s.name, Kind(err)).Inc()
		return nil, err
	}
	s.last.Set(float64(time.Now().UnixNano()) / 1e9)
	return sig, nil
}

// Kind classifies a device error for the "kind" label.
func Kind(err error) string {
	switch {
	case errors.Is(err, device.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, device.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, device.ErrAuth):
		return "auth"
	}
	return "other"
}
