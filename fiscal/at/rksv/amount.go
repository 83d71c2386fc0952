package rksv

import (
	"errors"
	"strconv"
)

// Column indexes of the five tax-rate sums, fields 5–9 of the payload. The
// register sorts each item into a column by its VAT rate (spec §1.2), so the
// names follow the regulation's columns rather than today's rates.
const (
	Normal   = iota // field 5, Betrag-Satz-Normal (20 %)
	Reduced1        // field 6, Betrag-Satz-Ermaessigt-1 (10 %)
	Reduced2        // field 7, Betrag-Satz-Ermaessigt-2 (13 %)
	Zero            // field 8, Betrag-Satz-Null (0 %)
	Special         // field 9, Betrag-Satz-Besonders (19 %, 4,9 % and any other rate)
)

// Amounts holds a receipt's five gross tax-rate sums in euro cents, indexed
// by Normal … Special. Integer cents are used end to end so that the value
// printed in the payload is exactly the value added to the turnover counter.
type Amounts [5]int64

// maxAmountLen is the length of the longest formatted amount,
// "-92233720368547758,08".
const maxAmountLen = 21

// FormatAmount renders cents the way fields 5–9 require: "," as decimal
// mark, exactly two decimals, a leading "-" for negative values and no
// thousands separator (the demo code's grouping is a known bug, spec §1.2).
// Every int64, math.MinInt64 included, has a representation.
func FormatAmount(cents int64) string {
	var buf [maxAmountLen]byte
	return string(appendAmount(buf[:0], cents))
}

// appendAmount is FormatAmount without the allocation, for Payload.AppendTo.
func appendAmount(dst []byte, cents int64) []byte {
	u := uint64(cents)
	if cents < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: also right for math.MinInt64
	}
	dst = strconv.AppendUint(dst, u/100, 10)
	c := byte(u % 100)
	return append(dst, ',', '0'+c/10, '0'+c%10)
}

var (
	errAmountShape    = errors.New(`amount is not of the form [-]<euros>,<2 digits> without grouping`)
	errAmountZeros    = errors.New("amount has a leading zero")
	errAmountNegZero  = errors.New(`amount "-0,00" is not canonical`)
	errAmountOverflow = errors.New("amount does not fit in int64 cents")
)

// parseAmount is the strict inverse of FormatAmount: it accepts exactly the
// strings FormatAmount produces, so that parsing and re-encoding a payload
// reproduces it byte for byte.
func parseAmount(s string) (int64, error) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	comma := len(s) - 3
	if comma < 1 || s[comma] != ',' {
		return 0, errAmountShape
	}
	if comma > 1 && s[0] == '0' {
		return 0, errAmountZeros
	}
	const limit = uint64(1) << 63 // |math.MinInt64|
	var u uint64
	for i := 0; i < len(s); i++ {
		if i == comma {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errAmountShape
		}
		if u > limit/10 {
			return 0, errAmountOverflow
		}
		u = u*10 + uint64(c-'0') // cannot wrap: u*10+9 <= limit+1
	}
	switch {
	case neg && u == 0:
		return 0, errAmountNegZero
	case neg && u <= limit:
		return int64(-u), nil
	case !neg && u < limit:
		return int64(u), nil
	}
	return 0, errAmountOverflow
}
