package device

import (
	"errors"
	"testing"
	"time"
)

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestMonitorSignalsEveryStateChangeOnce(t *testing.T) {
	var m Monitor
	t0 := time.Unix(1000, 0)
	h := m.Health()
	if h.State != StateUp || closed(h.Changed) {
		t.Fatalf("zero monitor: %+v", h)
	}
	m.Succeeded(t0)
	m.Succeeded(t0.Add(time.Second))
	if closed(h.Changed) || !m.Health().Since.Equal(t0) {
		t.Fatalf("successes while up: changed=%v since=%v", closed(h.Changed), m.Health().Since)
	}
	boom := errors.New("token removed")
	m.Failed(boom, t0.Add(2*time.Second))
	if !closed(h.Changed) {
		t.Fatal("up → failed did not close Changed")
	}
	f := m.Health()
	if f.State != StateFailed || !f.Since.Equal(t0.Add(2*time.Second)) || f.LastError != boom || f.Failures != 1 || closed(f.Changed) {
		t.Fatalf("after failure: %+v", f)
	}
	m.Failed(boom, t0.Add(3*time.Second))
	if g := m.Health(); closed(f.Changed) || g.Failures != 2 || !g.Since.Equal(f.Since) {
		t.Fatalf("failed → failed: changed=%v %+v", closed(f.Changed), g)
	}
	m.AddBusy(time.Millisecond)
	m.Succeeded(t0.Add(4 * time.Second))
	u := m.Health()
	if !closed(f.Changed) || u.State != StateUp || u.Failures != 0 || u.LastError != nil || u.Busy != time.Millisecond || !u.LastSuccess.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("after recovery: %+v", u)
	}
}
