package wire

import (
	"testing"
	"time"
)

func TestParseMoment(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in       string
		want     time.Time
		noOffset bool
		err      bool
	}{
		{in: "2020-06-29T17:45:40.505Z", want: utc(2020, 6, 29, 17, 45, 40, 505000000)},
		{in: "2020-06-29T17:45:40Z", want: utc(2020, 6, 29, 17, 45, 40, 0)},
		{in: "2020-06-29t17:45:40z", want: utc(2020, 6, 29, 17, 45, 40, 0)},
		{in: "2025-03-14T13:31:05+01:00", want: utc(2025, 3, 14, 12, 31, 5, 0)},
		{in: "2025-03-14T13:31:05.1234567+01:00", want: utc(2025, 3, 14, 12, 31, 5, 123456700)},
		{in: "2025-03-14T00:30:00-02:30", want: utc(2025, 3, 14, 3, 0, 0, 0)},
		{in: "2025-03-14T23:59:59+23:59", want: utc(2025, 3, 14, 0, 0, 59, 0)},
		{in: "2025-01-01T00:00:00-00:00", want: utc(2025, 1, 1, 0, 0, 0, 0)},
		{in: "2020-06-29T17:45:40.1234567Z", want: utc(2020, 6, 29, 17, 45, 40, 123456700)},
		{in: "2020-06-29T17:45:40.1Z", want: utc(2020, 6, 29, 17, 45, 40, 100000000)},
		{in: "2024-02-29T12:00:00Z", want: utc(2024, 2, 29, 12, 0, 0, 0)},
		{in: "2000-02-29T12:00:00Z", want: utc(2000, 2, 29, 12, 0, 0, 0)},
		{in: "2020-06-29T17:45:40.505", want: utc(2020, 6, 29, 17, 45, 40, 505000000), noOffset: true},
		{in: "2020-06-29T17:45:40", want: utc(2020, 6, 29, 17, 45, 40, 0), noOffset: true},
		{in: "2020-06-29T17:45:40.12345678Z", err: true}, // 8 fractional digits
		{in: "2020-06-29T17:45:40.Z", err: true},
		{in: "2020-06-29T17:45:40.", err: true},
		{in: "2020-06-29 17:45:40Z", err: true},
		{in: "2020-06-29", err: true},
		{in: "2020-6-29T17:45:40Z", err: true},
		{in: "2020-06-29T17:45Z", err: true},
		{in: "2020-13-01T00:00:00Z", err: true},
		{in: "2020-00-01T00:00:00Z", err: true},
		{in: "2023-02-29T00:00:00Z", err: true},
		{in: "1900-02-29T00:00:00Z", err: true},
		{in: "2020-04-31T00:00:00Z", err: true},
		{in: "2020-01-00T00:00:00Z", err: true},
		{in: "2020-01-01T24:00:00Z", err: true},
		{in: "2020-01-01T00:60:00Z", err: true},
		{in: "2020-01-01T00:00:60Z", err: true},
		{in: "2020-01-01T00:00:00+24:00", err: true},
		{in: "2020-01-01T00:00:00+01:60", err: true},
		{in: "2020-01-01T00:00:00+0100", err: true},
		{in: "2020-01-01T00:00:00+01", err: true},
		{in: "2020-01-01T00:00:00ZZ", err: true},
		{in: "2020-01-01T00:00:00 Z", err: true},
		{in: "2020-01-01T00:00:00Z ", err: true},
		{in: "+2020-01-01T00:00:00Z", err: true},
		{in: "2020-01-01T0a:00:00Z", err: true},
		{in: "", err: true},
		{in: "{{current_moment}}", err: true},
	}
	for _, tt := range tests {
		m, err := ParseMoment(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("ParseMoment(%q) = %v, want error", tt.in, m)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMoment(%q): %v", tt.in, err)
			continue
		}
		if !m.Time.Equal(tt.want) || m.Time.Location() != time.UTC || m.NoOffset != tt.noOffset {
			t.Errorf("ParseMoment(%q) = %v (loc %v, NoOffset %v), want %v (UTC, NoOffset %v)", tt.in, m.Time, m.Time.Location(), m.NoOffset, tt.want, tt.noOffset)
		}
	}
}

func TestFormatMoment(t *testing.T) {
	vienna := time.FixedZone("CET", 3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, 3, 14, 12, 31, 5, 412000000, time.UTC), "2025-03-14T12:31:05.412Z"},
		{time.Date(2025, 3, 14, 13, 31, 5, 412999999, vienna), "2025-03-14T12:31:05.412Z"}, // truncated, converted
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "2025-01-01T00:00:00.000Z"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "0001-01-01T00:00:00.000Z"},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), "9999-12-31T23:59:59.999Z"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "10000-01-01T00:00:00.000Z"},
		{time.Date(2020, 6, 29, 17, 45, 40, 5000000, time.UTC), "2020-06-29T17:45:40.005Z"},
	}
	for _, tt := range tests {
		if got := FormatMoment(tt.in); got != tt.want {
			t.Errorf("FormatMoment(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(AppendMoment([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("AppendMoment(x, %v) = %q, want %q", tt.in, got, "x"+tt.want)
		}
		if got := tt.in.UTC().Format("2006-01-02T15:04:05.000Z"); tt.in.Year() < 10000 && got != tt.want {
			t.Errorf("test table disagrees with time.Format: %q vs %q", got, tt.want)
		}
	}
	// FormatMoment's output parses back to the same millisecond.
	now := time.Date(2025, 3, 14, 12, 31, 5, 412345678, time.UTC)
	m, err := ParseMoment(FormatMoment(now))
	if err != nil || !m.Time.Equal(now.Truncate(time.Millisecond)) || m.NoOffset {
		t.Errorf("ParseMoment(FormatMoment(%v)) = %v, %v", now, m, err)
	}
}
