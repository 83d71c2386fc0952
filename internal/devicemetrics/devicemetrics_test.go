package devicemetrics

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
)

// fakeSigner answers with a fixed result; the wrapper, not a device, is
// under test.
type fakeSigner struct {
	err    error
	health func() device.Health
}

func (f fakeSigner) Health() device.Health {
	if f.health == nil {
		return device.Health{}
	}
	return f.health()
}

func (f fakeSigner) Sign(context.Context, []byte) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	return make([]byte, 64), nil
}

func (f fakeSigner) Identity() device.SignerIdentity { return device.SignerIdentity{Name: "card1"} }

func TestWrapCountsLatencyAndErrorKinds(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	ok := m.Wrap(fakeSigner{})
	if _, err := ok.Sign(t.Context(), make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		fmt.Errorf("slow: %w", device.ErrTimeout), context.DeadlineExceeded,
		fmt.Errorf("gone: %w", device.ErrUnavailable), device.ErrAuth, errors.New("odd"),
	} {
		if _, got := m.Wrap(fakeSigner{err: err}).Sign(t.Context(), nil); !errors.Is(got, err) {
			t.Fatalf("Sign error %v, want it passed through", got)
		}
	}
	got := gather(t, reg)
	want := map[string]float64{
		"fiscald_device_sign_duration_seconds{device=card1}":         6, // sample count
		"fiscald_device_errors_total{device=card1,kind=timeout}":     2,
		"fiscald_device_errors_total{device=card1,kind=unavailable}": 1,
		"fiscald_device_errors_total{device=card1,kind=auth}":        1,
		"fiscald_device_errors_total{device=card1,kind=other}":       1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if got["fiscald_device_last_sign_timestamp_seconds{device=card1}"] == 0 {
		t.Error("last sign timestamp not set after a successful signature")
	}
}

// gather flattens a registry into "name{label=value,…}" → value (the
// sample count for histograms).
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for i, l := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += l.GetName() + "=" + l.GetValue()
			}
			key += "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// The health metrics are read at scrape time: up follows the device's
// state, and the busy ratio is the busy time added between two scrapes
// over the time between them.
func TestHealthAtScrapeTime(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	clock := time.Unix(1000, 0)
	m.now = func() time.Time { return clock }
	h := device.Health{State: device.StateUp}
	m.Wrap(fakeSigner{health: func() device.Health { return h }})
	got := gather(t, reg)
	if got["fiscald_device_up{device=card1}"] != 1 || got["fiscald_device_busy_ratio{device=card1}"] != 0 {
		t.Fatalf("first scrape: %v", got)
	}
	h.Busy = 1500 * time.Millisecond
	clock = clock.Add(2 * time.Second)
	got = gather(t, reg)
	if r := got["fiscald_device_busy_ratio{device=card1}"]; r != 0.75 {
		t.Errorf("busy ratio = %v, want 0.75 (1.5 s busy in 2 s)", r)
	}
	if s := got["fiscald_device_busy_seconds_total{device=card1}"]; s != 1.5 {
		t.Errorf("busy seconds = %v, want 1.5", s)
	}
	h.State, h.Busy = device.StateFailed, 1600*time.Millisecond
	clock = clock.Add(100 * time.Millisecond) // too short a window: the ratio stays
	got = gather(t, reg)
	if got["fiscald_device_up{device=card1}"] != 0 || got["fiscald_device_busy_ratio{device=card1}"] != 0.75 {
		t.Errorf("failed device, short window: %v", got)
	}
}
