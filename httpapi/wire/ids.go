package wire

import (
	"errors"
	"math"
	"strings"
)

// ParseUUID accepts a UUID in 8-4-4-4-12 hex form in any case and returns it
// in lower case, the spelling fiscald stores and writes (§1.4), so that ids
// differing only in case are one id. It allocates only when s has upper-case
// letters.
func ParseUUID(s string) (string, error) {
	if len(s) != 36 {
		return "", errors.New("wire: a UUID must have the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", errors.New("wire: a UUID must have the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
			}
			continue
		}
		switch {
		case isDigit(c), 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return "", errors.New("wire: a UUID must consist of hexadecimal digits and hyphens")
		}
	}
	if upper {
		return strings.ToLower(s), nil
	}
	return s, nil
}

// caseProblem classifies why a value is not a case value, so that decoders
// can tell "type" from "format" from "range".
type caseProblem uint8

const (
	caseOK caseProblem = iota
	caseType
	caseFormat
	caseRange
)

// CaseValue reads a number literal as an unsigned 64-bit case value
// (ftReceiptCase, ftState …). These values exceed 2^53, so they are taken
// digit by digit from the literal, never through a float. Only plain digits
// are accepted: no sign, fraction or exponent, no leading zeros (except "0"
// itself), and the value must fit in a uint64 (§1.4).
func CaseValue(v *Value) (uint64, error) {
	u, p := caseValue(v)
	switch p {
	case caseType:
		return 0, errors.New("wire: a case value must be a JSON number")
	case caseFormat:
		return 0, errors.New("wire: a case value must be an unsigned decimal integer without fraction or exponent")
	case caseRange:
		return 0, errors.New("wire: a case value must lie between 0 and 18446744073709551615")
	}
	return u, nil
}

func caseValue(v *Value) (uint64, caseProblem) {
	if v == nil || v.Kind != Number {
		return 0, caseType
	}
	s := v.Num
	if s == "" {
		return 0, caseFormat
	}
	if s[0] == '-' {
		if n, ok := splitNumber(s); ok && !n.hasFrac && !n.hasExp && strings.Trim(n.intPart, "0") != "" {
			return 0, caseRange // a negative integer
		}
		return 0, caseFormat
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, caseFormat
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, caseFormat
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			// Keep scanning so that a malformed literal is reported as such.
			for ; i < len(s); i++ {
				if !isDigit(s[i]) {
					return 0, caseFormat
				}
			}
			return 0, caseRange
		}
		u = u*10 + d
	}
	return u, caseOK
}

// int64Literal reads an integer field (ftQueueRow, From, To …): an optional
// '-', digits, no fraction or exponent, within the int64 range.
func int64Literal(v *Value) (int64, caseProblem) {
	if v == nil || v.Kind != Number {
		return 0, caseType
	}
	n, ok := splitNumber(v.Num)
	if !ok || n.hasFrac || n.hasExp {
		return 0, caseFormat
	}
	var u uint64
	for i := 0; i < len(n.intPart); i++ {
		d := uint64(n.intPart[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, caseRange
		}
		u = u*10 + d
	}
	switch {
	case !n.neg && u <= math.MaxInt64:
		return int64(u), caseOK
	case n.neg && u <= math.MaxInt64:
		return -int64(u), caseOK
	case n.neg && u == math.MaxInt64+1:
		return math.MinInt64, caseOK
	}
	return 0, caseRange
}
