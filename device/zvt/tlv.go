package zvt

import "fmt"

// TLV is one BER-TLV data object of a TLV container (BMP 06). Tag holds
// the tag bytes as a big-endian number, e.g. 0x1F07 for the two-byte tag
// 1F 07. For a constructed object Value holds the encoded children.
type TLV struct {
	Tag   uint32
	Value []byte
}

// TLV tags fiscald uses (PA00P015 §9).
const (
	TagTextLines         uint32 = 0x07   // one printable line
	TagAttribute         uint32 = 0x09   // in a print text: end of receipt
	TagCommand           uint32 = 0x0A   // a ZVT command code, 2 bytes
	TagPrinterWidth      uint32 = 0x12   // characters per printer line
	TagCharset           uint32 = 0x14   // ISO character set
	TagPrintTexts        uint32 = 0x25   // constructed: 07 lines, 09 attribute
	TagPermittedCommands uint32 = 0x26   // constructed: 0A commands
	TagCardTypeID        uint32 = 0x41   // ZVT card-type ID above 255
	TagReceiptType       uint32 = 0x1F07 // 01 merchant, 02 customer, 03 administration
)

// maxTagBytes bounds multi-byte tags to what a uint32 holds.
const maxTagBytes = 4

// Constructed reports whether the object holds further objects (bit 6 of
// the first tag byte).
func (t TLV) Constructed() bool { return tagBytes(t.Tag)[0]&0x20 != 0 }

// Children parses the value of a constructed object.
func (t TLV) Children() ([]TLV, error) {
	if !t.Constructed() {
		return nil, fmt.Errorf("TLV tag %X is primitive: %w", t.Tag, ErrMalformed)
	}
	return ParseTLVs(t.Value)
}

// NewConstructed builds a constructed object from children.
func NewConstructed(tag uint32, children ...TLV) (TLV, error) {
	var v []byte
	for _, c := range children {
		var err error
		if v, err = AppendTLV(v, c); err != nil {
			return TLV{}, err
		}
	}
	return TLV{Tag: tag, Value: v}, nil
}

// FindTLV returns the first object with the given tag.
func FindTLV(objs []TLV, tag uint32) (TLV, bool) {
	for _, t := range objs {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

// ParseTLVs parses a sequence of BER-TLV objects. Values alias b.
func ParseTLVs(b []byte) ([]TLV, error) {
	var objs []TLV
	for off := 0; off < len(b); {
		tag, n, err := parseTag(b[off:])
		if err != nil {
			return nil, fmt.Errorf("TLV at offset %d: %w", off, err)
		}
		size, hdr, err := berLength(b[off+n:])
		if err != nil {
			return nil, fmt.Errorf("TLV tag %X at offset %d: %w", tag, off, err)
		}
		start := off + n + hdr
		if len(b)-start < size {
			return nil, fmt.Errorf("TLV tag %X at offset %d: value of %d bytes runs past the end: %w", tag, off, size, ErrMalformed)
		}
		objs = append(objs, TLV{Tag: tag, Value: b[start : start+size]})
		off = start + size
	}
	return objs, nil
}

// parseTag reads a tag: one byte, or, when its low five bits are all
// ones, further bytes up to and including the first without bit 8.
func parseTag(b []byte) (uint32, int, error) {
	tag := uint32(b[0])
	if b[0]&0x1F != 0x1F {
		return tag, 1, nil
	}
	for i := 1; ; i++ {
		if i >= len(b) {
			return 0, 0, fmt.Errorf("tag runs past the end: %w", ErrMalformed)
		}
		if i >= maxTagBytes {
			return 0, 0, fmt.Errorf("tag longer than %d bytes: %w", maxTagBytes, ErrMalformed)
		}
		tag = tag<<8 | uint32(b[i])
		if b[i]&0x80 == 0 {
			return tag, i + 1, nil
		}
	}
}

// tagBytes returns the tag's wire bytes: as many as its value needs.
func tagBytes(tag uint32) []byte {
	switch {
	case tag <= 0xFF:
		return []byte{byte(tag)}
	case tag <= 0xFFFF:
		return []byte{byte(tag >> 8), byte(tag)}
	case tag <= 0xFFFFFF:
		return []byte{byte(tag >> 16), byte(tag >> 8), byte(tag)}
	}
	return []byte{byte(tag >> 24), byte(tag >> 16), byte(tag >> 8), byte(tag)}
}

// AppendTLV appends one object with the shortest BER length.
func AppendTLV(b []byte, t TLV) ([]byte, error) {
	out := append(b, tagBytes(t.Tag)...)
	out, err := appendBERLength(out, len(t.Value))
	if err != nil {
		return b, fmt.Errorf("encode TLV tag %X: %w", t.Tag, err)
	}
	return append(out, t.Value...), nil
}

// PermittedCommands builds TLV tag 26 for a Registration: the commands
// the PT may send to the ECR (e.g. CodePrintTextBlock).
func PermittedCommands(codes ...Code) TLV {
	var v []byte
	for _, c := range codes {
		// Two-byte values never exceed the BER length limit.
		v, _ = AppendTLV(v, TLV{Tag: TagCommand, Value: []byte{byte(c >> 8), byte(c)}})
	}
	return TLV{Tag: TagPermittedCommands, Value: v}
}

// PrinterWidth builds TLV tag 12 for a Registration: the characters per
// line of the ECR's printer, so the PT formats receipts to fit.
func PrinterWidth(chars uint8) TLV { return TLV{Tag: TagPrinterWidth, Value: []byte{chars}} }

// tlvInt decodes a short big-endian binary value (e.g. tag 41).
func tlvInt(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		n = n<<8 | int(c)
	}
	return n, true
}
