package zvt

import (
	"fmt"
	"strings"
)

// appendBCD appends v as size bytes of packed BCD, most significant digit
// first, zero-padded on the left.
func AppendBCD(b []byte, v uint64, size int) ([]byte, error) {
	out := make([]byte, size)
	for i := size - 1; i >= 0; i-- {
		lo := v % 10
		v /= 10
		hi := v % 10
		v /= 10
		out[i] = byte(hi<<4 | lo)
	}
	if v != 0 {
		return b, fmt.Errorf("%d BCD bytes cannot hold the value: %w", size, ErrTooLong)
	}
	return append(b, out...), nil
}

// decodeBCD decodes packed BCD into a number. Any nibble above 9 is
// malformed; at most 19 digits fit a uint64 without overflow.
func decodeBCD(b []byte) (uint64, error) {
	if len(b) > 9 {
		return 0, fmt.Errorf("%d BCD bytes overflow: %w", len(b), ErrMalformed)
	}
	var v uint64
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return 0, fmt.Errorf("BCD byte %02X: %w", c, ErrMalformed)
		}
		v = v*100 + uint64(hi)*10 + uint64(lo)
	}
	return v, nil
}

// bcdDigits decodes packed BCD into its digit string, keeping leading
// zeros (a terminal ID or a time of day is a string, not a number).
func bcdDigits(b []byte) (string, error) {
	var s strings.Builder
	s.Grow(2 * len(b))
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return "", fmt.Errorf("BCD byte %02X: %w", c, ErrMalformed)
		}
		s.WriteByte('0' + hi)
		s.WriteByte('0' + lo)
	}
	return s.String(), nil
}

// maskedDigits decodes a card number: BCD digits, E for a masked digit
// (rendered "*"), F as padding after an odd number of digits. Other
// nibbles are rendered in hex so nothing is silently dropped.
func maskedDigits(b []byte) string {
	var s strings.Builder
	s.Grow(2 * len(b))
	for _, c := range b {
		for _, n := range [2]byte{c >> 4, c & 0x0F} {
			switch {
			case n <= 9:
				s.WriteByte('0' + n)
			case n == 0x0E:
				s.WriteByte('*')
			case n == 0x0F:
				// padding
			default:
				s.WriteByte("0123456789ABCDEF"[n])
			}
		}
	}
	return s.String()
}

// latin1 turns bytes from the PT into a string. Terminals send ASCII or
// ISO 8859-1 unless told otherwise (TLV tag 14), and every byte of 8859-1
// is the Unicode code point of the same value.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
