package httpapi

import (
	"strconv"
	"sync"
	"time"
)

// ThrottleOptions configure authentication throttling (§2 rule 2).
type ThrottleOptions struct {
	// Failures within Window from one source address block it (default 10).
	Failures int
	// Window is the counting window (default 60 s).
	Window time.Duration
	// Block is how long a blocked address gets 429 (default 60 s).
	Block time.Duration
}

// throttle counts failed authentications per source address.
type throttle struct {
	opt ThrottleOptions
	now func() time.Time

	mu    sync.Mutex
	addrs map[string]*failures
}

type failures struct {
	start        time.Time
	count        int
	blockedUntil time.Time
}

func newThrottle(o ThrottleOptions) *throttle {
	if o.Failures <= 0 {
		o.Failures = 10
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.Block <= 0 {
		o.Block = time.Minute
	}
	return &throttle{opt: o, now: time.Now, addrs: map[string]*failures{}}
}

// blocked reports whether an address is currently refused.
func (t *throttle) blocked(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.addrs[addr]
	return f != nil && t.now().Before(f.blockedUntil)
}

func (t *throttle) retryAfter(addr string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.addrs[addr]; f != nil {
		if s := int(time.Until(f.blockedUntil).Seconds()) + 1; s > 0 {
			return strconv.Itoa(s)
		}
	}
	return "1"
}

// fail records a failed authentication.
func (t *throttle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.addrs[addr]
	if f == nil {
		if len(t.addrs) > 4096 {
			t.sweep(now)
		}
		f = &failures{start: now}
		t.addrs[addr] = f
	}
	if now.Sub(f.start) > t.opt.Window {
		f.start, f.count = now, 0
	}
	f.count++
	if f.count >= t.opt.Failures {
		f.blockedUntil = now.Add(t.opt.Block)
		f.start, f.count = now, 0
	}
}

// sweep forgets addresses that are neither blocked nor counting, so the map
// stays bounded under a spray of source addresses.
func (t *throttle) sweep(now time.Time) {
	for a, f := range t.addrs {
		if now.After(f.blockedUntil) && now.Sub(f.start) > t.opt.Window {
			delete(t.addrs, a)
		}
	}
}
