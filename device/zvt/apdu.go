package zvt

import (
	"bytes"
	"fmt"
)

// Sizes of the APDU length rules (§1.2): a one-byte length covers 0…254
// data bytes; FF announces a two-byte little-endian extended length.
const (
	maxShortData = 0xFE
	extendedLen  = 0xFF
	maxData      = 0xFFFF
	// maxAPDU is the longest encoded APDU: control field, FF, two length
	// bytes and the data block.
	maxAPDU = 5 + maxData
)

// APDU is one ZVT application protocol data unit: a command (Class and
// Instr, e.g. 06 01) or a response (CCRC and APRC, e.g. 80 00), and its
// data block. The length field is not stored; it follows from Data when
// the APDU is encoded.
type APDU struct {
	Class, Instr byte
	Data         []byte
}

// Code returns the control field as one value, for switches.
func (a APDU) Code() Code { return Code(uint16(a.Class)<<8 | uint16(a.Instr)) }

// String names the APDU without its data, so that logging it never
// leaks a password or card data.
func (a APDU) String() string {
	return fmt.Sprintf("%02X %02X (%s, %d bytes)", a.Class, a.Instr, a.Code(), len(a.Data))
}

// Equal reports whether a and b encode to the same bytes.
func (a APDU) Equal(b APDU) bool {
	return a.Class == b.Class && a.Instr == b.Instr && bytes.Equal(a.Data, b.Data)
}

// AppendBinary appends the encoded APDU to b. Data blocks up to 254 bytes
// get a one-byte length; longer ones FF and a little-endian 16-bit length.
// It fails with ErrTooLong above 65,535 data bytes.
func (a APDU) AppendBinary(b []byte) ([]byte, error) {
	n := len(a.Data)
	switch {
	case n > maxData:
		return b, fmt.Errorf("encode APDU %02X %02X with %d data bytes: %w", a.Class, a.Instr, n, ErrTooLong)
	case n > maxShortData:
		b = append(b, a.Class, a.Instr, extendedLen, byte(n), byte(n>>8))
	default:
		b = append(b, a.Class, a.Instr, byte(n))
	}
	return append(b, a.Data...), nil
}

// MarshalBinary encodes the APDU; see AppendBinary.
func (a APDU) MarshalBinary() ([]byte, error) {
	return a.AppendBinary(make([]byte, 0, 5+len(a.Data)))
}

// UnmarshalBinary decodes exactly one APDU; trailing bytes are an error.
func (a *APDU) UnmarshalBinary(b []byte) error {
	d, n, err := DecodeAPDU(b)
	if err != nil {
		return err
	}
	if n != len(b) {
		return fmt.Errorf("decode APDU %02X %02X: %d bytes after the data block: %w", d.Class, d.Instr, len(b)-n, ErrMalformed)
	}
	*a = d
	return nil
}

// DecodeAPDU decodes the APDU at the start of b and returns it with the
// number of bytes it took. If b ends inside the APDU it returns an error
// wrapping ErrTruncated; the caller may read more and try again. Data is
// a copy, so b may be reused.
func DecodeAPDU(b []byte) (APDU, int, error) {
	if len(b) < 3 {
		return APDU{}, 0, fmt.Errorf("decode APDU: %d of 3 header bytes: %w", len(b), ErrTruncated)
	}
	n, hdr := int(b[2]), 3
	if b[2] == extendedLen {
		if len(b) < 5 {
			return APDU{}, 0, fmt.Errorf("decode APDU %02X %02X: %d of 5 header bytes: %w", b[0], b[1], len(b), ErrTruncated)
		}
		n, hdr = int(b[3])|int(b[4])<<8, 5
	}
	if len(b)-hdr < n {
		return APDU{}, 0, fmt.Errorf("decode APDU %02X %02X: %d of %d data bytes: %w", b[0], b[1], len(b)-hdr, n, ErrTruncated)
	}
	var data []byte
	if n > 0 {
		data = append(make([]byte, 0, n), b[hdr:hdr+n]...)
	}
	return APDU{Class: b[0], Instr: b[1], Data: data}, hdr + n, nil
}
