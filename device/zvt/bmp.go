package zvt

import "fmt"

// BMP identifies a field ("bitmap") in a data block: one byte followed by
// the value, whose length is fixed per BMP or given by an LLVAR, LLLVAR
// or BER prefix.
type BMP byte

// BMPs used by /pay (§1.5). The full length table, including BMPs fiscald
// only skips, is in formatOf.
const (
	BMPTimeout         BMP = 0x01 // 1 byte binary, seconds
	BMPMaxStatusInfos  BMP = 0x02 // 1 byte binary
	BMPServiceByte     BMP = 0x03 // 1 byte bit field
	BMPAmount          BMP = 0x04 // 6 bytes BCD, minor units
	BMPTLV             BMP = 0x06 // TLV container, BER length
	BMPTrace           BMP = 0x0B // 3 bytes BCD
	BMPTime            BMP = 0x0C // 3 bytes BCD HHMMSS
	BMPDate            BMP = 0x0D // 2 bytes BCD MMDD
	BMPExpiry          BMP = 0x0E // 2 bytes BCD YYMM
	BMPCardSequence    BMP = 0x17 // 2 bytes BCD
	BMPPaymentType     BMP = 0x19 // 1 byte; also the status byte of a Completion
	BMPPAN             BMP = 0x22 // LLVAR BCD, E = masked digit, F = padding
	BMPResultCode      BMP = 0x27 // 1 byte binary
	BMPTerminalID      BMP = 0x29 // 4 bytes BCD
	BMPVUNumber        BMP = 0x2A // 15 bytes ASCII
	BMPOriginalTrace   BMP = 0x37 // 3 bytes BCD
	BMPAID             BMP = 0x3B // 8 bytes, authorisation attribute
	BMPAdditionalText  BMP = 0x3C // LLLVAR
	BMPCurrency        BMP = 0x49 // 2 bytes BCD ISO 4217
	BMPReceipt         BMP = 0x87 // 2 bytes BCD
	BMPTurnoverRecord  BMP = 0x88 // 3 bytes BCD
	BMPCardType        BMP = 0x8A // 1 byte binary ZVT card-type ID
	BMPCardName        BMP = 0x8B // LLVAR ASCII
	BMPNetworkCardType BMP = 0x8C // 1 byte binary
	BMPHostResult      BMP = 0xA0 // 1 byte binary
	BMPDateYYMMDD      BMP = 0xAA // 3 bytes BCD
)

// Field is one BMP and its value. For LLVAR/LLLVAR fields Value excludes
// the length prefix; for BMP 06 it is the TLV objects without the
// container's length.
type Field struct {
	ID    BMP
	Value []byte
}

type lengthRule uint8

const (
	fixedLen lengthRule = iota + 1
	llvar               // Fx Fy: decimal length 0…99
	lllvar              // Fx Fy Fz: decimal length 0…999
	berLen              // BER length: 0…7F, 81 xx, 82 hi lo
)

type fieldFormat struct {
	rule lengthRule
	size int // for fixedLen
}

// formatOf returns the length rule of a BMP (PA00P015 "Summary of utilised
// BMPs", rev. 13). An unknown BMP cannot be skipped, so the table must
// list everything a terminal may send.
func formatOf(id BMP) (fieldFormat, bool) {
	switch id {
	case 0x01, 0x02, 0x03, 0x05, 0x19, 0x27, 0x8A, 0x8C, 0xA0,
		0x72, 0x73, 0x74, 0x75, 0xD0, 0xD2, 0xD3, 0xE0, 0xE9, 0xEA,
		0xF0, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD:
		return fieldFormat{fixedLen, 1}, true
	case 0x0D, 0x0E, 0x17, 0x3A, 0x49, 0x87:
		return fieldFormat{fixedLen, 2}, true
	case 0x0B, 0x0C, 0x37, 0x3D, 0x88, 0xAA:
		return fieldFormat{fixedLen, 3}, true
	case 0x29, 0x70, 0x71:
		return fieldFormat{fixedLen, 4}, true
	case 0xBA:
		return fieldFormat{fixedLen, 5}, true
	case 0x04:
		return fieldFormat{fixedLen, 6}, true
	case 0x3B, 0xEB:
		return fieldFormat{fixedLen, 8}, true
	case 0x2A:
		return fieldFormat{fixedLen, 15}, true
	case 0x22, 0x23, 0x2D, 0x8B, 0xA7, 0xD1,
		0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
		0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8:
		return fieldFormat{rule: llvar}, true
	case 0x24, 0x2E, 0x3C, 0x60, 0x92, 0x9A, 0xAF:
		return fieldFormat{rule: lllvar}, true
	case 0x06:
		return fieldFormat{rule: berLen}, true
	}
	return fieldFormat{}, false
}

// ParseBMPs splits a data block into its fields, in wire order. Values
// alias data. An unknown BMP stops parsing with ErrUnknownBMP; a field
// running past the end, or a bad length prefix, with ErrMalformed.
func ParseBMPs(data []byte) ([]Field, error) {
	var fields []Field
	for off := 0; off < len(data); {
		id := BMP(data[off])
		f, ok := formatOf(id)
		if !ok {
			return nil, fmt.Errorf("BMP %02X at offset %d: %w", byte(id), off, ErrUnknownBMP)
		}
		v, n, err := f.split(data[off+1:])
		if err != nil {
			return nil, fmt.Errorf("BMP %02X at offset %d: %w", byte(id), off, err)
		}
		fields = append(fields, Field{ID: id, Value: v})
		off += 1 + n
	}
	return fields, nil
}

// split returns the value at the start of b and how many bytes, prefix
// included, it took.
func (f fieldFormat) split(b []byte) (value []byte, n int, err error) {
	var hdr, size int
	switch f.rule {
	case fixedLen:
		size = f.size
	case llvar, lllvar:
		hdr = 2
		if f.rule == lllvar {
			hdr = 3
		}
		if len(b) < hdr {
			return nil, 0, fmt.Errorf("length prefix: %w", ErrMalformed)
		}
		size, err = varLength(b[:hdr])
	case berLen:
		size, hdr, err = berLength(b)
	}
	if err != nil {
		return nil, 0, err
	}
	if len(b)-hdr < size {
		return nil, 0, fmt.Errorf("value of %d bytes runs past the end (%d left): %w", size, len(b)-hdr, ErrMalformed)
	}
	return b[hdr : hdr+size], hdr + size, nil
}

// varLength decodes an LLVAR/LLLVAR prefix: each byte Fx carries one
// decimal digit x.
func varLength(p []byte) (int, error) {
	n := 0
	for _, c := range p {
		if c>>4 != 0x0F || c&0x0F > 9 {
			return 0, fmt.Errorf("length prefix byte %02X is not Fx: %w", c, ErrMalformed)
		}
		n = n*10 + int(c&0x0F)
	}
	return n, nil
}

// berLength decodes a BER length (§1.2: big-endian, unlike the APDU's).
func berLength(b []byte) (size, hdr int, err error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("BER length: %w", ErrMalformed)
	}
	switch c := b[0]; {
	case c < 0x80:
		return int(c), 1, nil
	case c == 0x81 && len(b) >= 2:
		return int(b[1]), 2, nil
	case c == 0x82 && len(b) >= 3:
		return int(b[1])<<8 | int(b[2]), 3, nil
	}
	return 0, 0, fmt.Errorf("BER length %02X: %w", b[0], ErrMalformed)
}

// appendBERLength appends the shortest BER length for n.
func appendBERLength(b []byte, n int) ([]byte, error) {
	switch {
	case n < 0x80:
		return append(b, byte(n)), nil
	case n <= 0xFF:
		return append(b, 0x81, byte(n)), nil
	case n <= 0xFFFF:
		return append(b, 0x82, byte(n>>8), byte(n)), nil
	}
	return b, fmt.Errorf("BER length %d: %w", n, ErrTooLong)
}

// AppendBMP appends one field with the length rule of its BMP. A fixed
// field must have exactly its size; variable fields must fit their
// prefix (99 or 999 bytes, 65,535 for BMP 06).
func AppendBMP(b []byte, f Field) ([]byte, error) {
	ff, ok := formatOf(f.ID)
	if !ok {
		return b, fmt.Errorf("encode BMP %02X: %w", byte(f.ID), ErrUnknownBMP)
	}
	n := len(f.Value)
	out := append(b, byte(f.ID))
	switch ff.rule {
	case fixedLen:
		if n != ff.size {
			return b, fmt.Errorf("encode BMP %02X: %d bytes, want %d: %w", byte(f.ID), n, ff.size, ErrInvalid)
		}
	case llvar:
		if n > 99 {
			return b, fmt.Errorf("encode BMP %02X: %d bytes in an LLVAR: %w", byte(f.ID), n, ErrTooLong)
		}
		out = append(out, 0xF0|byte(n/10), 0xF0|byte(n%10))
	case lllvar:
		if n > 999 {
			return b, fmt.Errorf("encode BMP %02X: %d bytes in an LLLVAR: %w", byte(f.ID), n, ErrTooLong)
		}
		out = append(out, 0xF0|byte(n/100), 0xF0|byte(n/10%10), 0xF0|byte(n%10))
	case berLen:
		var err error
		if out, err = appendBERLength(out, n); err != nil {
			return b, fmt.Errorf("encode BMP %02X: %w", byte(f.ID), err)
		}
	}
	return append(out, f.Value...), nil
}

// appendTLVContainer appends BMP 06 holding the given TLV objects; with
// none it appends nothing.
func appendTLVContainer(b []byte, objs []TLV) ([]byte, error) {
	if len(objs) == 0 {
		return b, nil
	}
	var body []byte
	for _, t := range objs {
		var err error
		if body, err = AppendTLV(body, t); err != nil {
			return b, err
		}
	}
	return AppendBMP(b, Field{ID: BMPTLV, Value: body})
}

// lookup returns the first field with the given BMP.
func lookup(fields []Field, id BMP) ([]byte, bool) {
	for _, f := range fields {
		if f.ID == id {
			return f.Value, true
		}
	}
	return nil, false
}
