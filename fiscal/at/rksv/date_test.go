package rksv_test

import (
	"testing"
	"time"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

func TestViennaDate(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"winter (CET)", utc("2016-03-11T02:57:08Z"), "2016-03-11T03:57:08"},
		{"summer (CEST)", utc("2016-06-06T10:00:00Z"), "2016-06-06T12:00:00"},
		{"last second before DST", utc("2026-03-29T00:59:59Z"), "2026-03-29T01:59:59"},
		{"DST starts, 02:00 skipped", utc("2026-03-29T01:00:00Z"), "2026-03-29T03:00:00"},
		{"DST ends, first 02:30", utc("2026-10-25T00:30:00Z"), "2026-10-25T02:30:00"},
		{"DST ends, second 02:30", utc("2026-10-25T01:30:00Z"), "2026-10-25T02:30:00"},
		{"fraction truncated, not rounded", utc("2026-12-31T22:59:59.999999999Z"), "2026-12-31T23:59:59"},
		{"new year in Vienna only", utc("2026-12-31T23:30:00Z"), "2027-01-01T00:30:00"},
		{"other zone", time.Date(2026, 7, 1, 6, 0, 0, 0, newYork), "2026-07-01T12:00:00"},
		{"fixed offset", time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 14*3600)), "2025-12-31T11:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rksv.ViennaDate(tc.in)
			if got != tc.want {
				t.Fatalf("ViennaDate(%v) = %q, want %q", tc.in, got, tc.want)
			}
			p := samplePayload()
			p.Date = got
			if err := p.Validate(); err != nil {
				t.Errorf("ViennaDate's result does not validate: %v", err)
			}
		})
	}
}
