package device

import (
	"sync"
	"time"
)

// Monitor keeps a device's Health for its driver: it counts outcomes,
// accumulates busy time and closes the Changed channel at every change of
// state. The zero value is a device that is up. It is safe for concurrent
// use.
type Monitor struct {
	mu      sync.Mutex
	h       Health
	changed chan struct{}
}

// Health returns the current snapshot.
func (m *Monitor) Health() Health {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	return m.h
}

func (m *Monitor) init() {
	if m.changed == nil {
		m.changed = make(chan struct{})
		m.h.Changed = m.changed
	}
}

// set moves to state s; the caller holds mu.
func (m *Monitor) set(s State, now time.Time) {
	m.init()
	if m.h.State == s {
		if m.h.Since.IsZero() {
			m.h.Since = now
		}
		return
	}
	m.h.State, m.h.Since = s, now
	close(m.changed)
	m.changed = make(chan struct{})
	m.h.Changed = m.changed
}

// Succeeded records a good signature or probe at now: the device is up.
func (m *Monitor) Succeeded(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.h.LastSuccess, m.h.Failures, m.h.LastError = now, 0, nil
	m.set(StateUp, now)
}

// Failed records a failure of the device itself (not of the caller's
// input) at now: the device is failed until Succeeded is called.
func (m *Monitor) Failed(err error, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.h.Failures++
	m.h.LastError = err
	m.set(StateFailed, now)
}

// AddBusy adds time the device spent working, already divided by the
// number of calls it runs at once.
func (m *Monitor) AddBusy(d time.Duration) {
	m.mu.Lock()
	m.h.Busy += d
	m.mu.Unlock()
}
