package zvt

import (
	"fmt"
	"time"
)

// Password is the PT password as sent on the wire: six digits in three
// BCD bytes ("123456" → 12 34 56). The protocol sends it in plain text.
type Password [3]byte

// ParsePassword converts a six-digit string into a Password.
func ParsePassword(s string) (Password, error) {
	var p Password
	if len(s) != 6 {
		return p, fmt.Errorf("password must be 6 digits, got %d characters: %w", len(s), ErrInvalid)
	}
	for i := 0; i < 6; i++ {
		d := s[i]
		if d < '0' || d > '9' {
			return p, fmt.Errorf("password must be 6 digits: %w", ErrInvalid)
		}
		p[i/2] |= (d - '0') << (4 * (1 - i%2))
	}
	return p, nil
}

// Currency is an ISO 4217 numeric currency code, sent as two BCD bytes.
type Currency uint16

// EUR is the currency the PT assumes when none is sent.
const EUR Currency = 978

func (c Currency) AppendBCD(b []byte) ([]byte, error) {
	if c > 9999 {
		return b, fmt.Errorf("currency %d: %w", c, ErrInvalid)
	}
	return AppendBCD(b, uint64(c), 2)
}

// maxAmount is the largest amount BMP 04 carries: 12 BCD digits.
const maxAmount = 999_999_999_999

// appendAmount appends BMP 04: the amount in minor units as 6 BCD bytes.
func appendAmount(b []byte, minor int64) ([]byte, error) {
	if minor < 0 || minor > maxAmount {
		return b, fmt.Errorf("amount %d: must be 0…%d minor units: %w", minor, int64(maxAmount), ErrInvalid)
	}
	b = append(b, byte(BMPAmount))
	return AppendBCD(b, uint64(minor), 6)
}

// bcdMinutes decodes a one-byte BCD count of minutes (the T4 override in
// an Intermediate-Status).
func bcdMinutes(c byte) (time.Duration, error) {
	v, err := decodeBCD([]byte{c})
	if err != nil {
		return 0, err
	}
	return time.Duration(v) * time.Minute, nil
}
