package wire

import (
	"errors"
	"time"
)

// MaxMomentFraction is the most fractional-second digits a moment may carry
// (§1.4): .NET's DateTime resolution of 100 ns.
const MaxMomentFraction = 7

// Moment is a date-time received from a POS. NoOffset records that the POS
// sent no UTC offset: the value is then read as UTC (a fiscald rule, since
// .NET clients may emit local times without offset) and the queue notes it
// in the action journal. Time is always in UTC; the offset received is
// applied, not kept.
type Moment struct {
	Time     time.Time
	NoOffset bool
}

var errMoment = errors.New("wire: moment must be an RFC 3339 date-time (2006-01-02T15:04:05.0000000Z) with at most 7 fractional digits")

// ParseMoment parses an RFC 3339 date-time, "2020-06-29T17:45:40.505Z" or
// "2025-03-14T13:31:05+01:00", with up to seven fractional digits. The
// offset may be missing (NoOffset); 'T' and 'Z' may be lower case as RFC 3339
// allows. Leap seconds and out-of-range fields are rejected.
func ParseMoment(s string) (Moment, error) {
	// YYYY-MM-DDThh:mm:ss
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return Moment{}, errMoment
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	hour, ok4 := digits(s, 11, 2)
	minute, ok5 := digits(s, 14, 2)
	sec, ok6 := digits(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return Moment{}, errMoment
	}
	i := 19
	nsec := 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		n := i - start
		if n == 0 || n > MaxMomentFraction {
			return Moment{}, errMoment
		}
		frac, _ := digits(s, start, n)
		for ; n < 9; n++ {
			frac *= 10
		}
		nsec = frac
	}
	m := Moment{}
	offset := 0
	switch rest := s[i:]; {
	case rest == "":
		m.NoOffset = true
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits(rest, 1, 2)
		om, okm := digits(rest, 4, 2)
		if !okh || !okm || oh > 23 || om > 59 {
			return Moment{}, errMoment
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return Moment{}, errMoment
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	m.Time = t.Add(-time.Duration(offset) * time.Second)
	return m, nil
}

// digits parses s[i:i+n] as an unsigned decimal.
func digits(s string, i, n int) (int, bool) {
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// FormatMoment writes t in UTC as "2006-01-02T15:04:05.000Z" (exactly three
// fractional digits, truncated), the form fiscald sends in every response.
func FormatMoment(t time.Time) string {
	var buf [32]byte
	return string(AppendMoment(buf[:0], t))
}

// AppendMoment appends FormatMoment(t) without allocating, for the response
// appenders.
func AppendMoment(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	}
	hour, minute, sec := t.Clock()
	dst = append4(dst, year)
	dst = append(dst, '-')
	dst = append2(dst, int(month))
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, minute)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	ms := t.Nanosecond() / int(time.Millisecond)
	dst = append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return dst
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}
