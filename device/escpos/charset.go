package escpos

// Code tables for ESC t n (devices.md §3.3). fiscald prints in WPC1252,
// where the euro sign is a single byte (0x80).
const (
	CodeTablePC437   byte = 0  // the printers' default, no euro sign
	CodeTablePC850   byte = 2  // multilingual Latin-1, no euro sign
	CodeTableWPC1252 byte = 16 // Windows-1252: € is 0x80
	CodeTablePC858   byte = 19 // PC850 with € at 0xD5
)

const (
	// replacementByte stands for a character the code page lacks.
	replacementByte byte = '?'
	// firstLatin1Direct is where Windows-1252 and Unicode coincide again.
	firstLatin1Direct = 0xA0
)

// EncodeWPC1252 converts UTF-8 text to Windows-1252 (the printer's code
// table 16). Characters the code page lacks, and invalid UTF-8, become
// '?': a receipt with a question mark is better than a refused one.
// Control characters pass through unchanged; Builder.Text filters them.
func EncodeWPC1252(s string) []byte {
	return appendWPC1252(make([]byte, 0, len(s)), s)
}

func appendWPC1252(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < 0x80:
			dst = append(dst, byte(r))
		case r >= firstLatin1Direct && r <= 0xFF:
			// Windows-1252 agrees with Latin-1 (and Unicode) from 0xA0 on.
			dst = append(dst, byte(r))
		default:
			if b, ok := wpc1252Byte(r); ok {
				dst = append(dst, b)
			} else {
				dst = append(dst, replacementByte)
			}
		}
	}
	return dst
}

// DecodeWPC1252 converts Windows-1252 bytes to UTF-8. The five bytes the
// code page leaves undefined become U+FFFD.
func DecodeWPC1252(p []byte) string {
	rs := make([]rune, 0, len(p))
	for _, b := range p {
		rs = append(rs, RuneWPC1252(b))
	}
	return string(rs)
}

// RuneWPC1252 is the character byte b stands for in Windows-1252; U+FFFD
// for the five undefined bytes.
func RuneWPC1252(b byte) rune {
	if b < 0x80 || b >= firstLatin1Direct {
		return rune(b)
	}
	switch b {
	case 0x80:
		return '€'
	case 0x82:
		return '‚'
	case 0x83:
		return 'ƒ'
	case 0x84:
		return '„'
	case 0x85:
		return '…'
	case 0x86:
		return '†'
	case 0x87:
		return '‡'
	case 0x88:
		return 'ˆ'
	case 0x89:
		return '‰'
	case 0x8A:
		return 'Š'
	case 0x8B:
		return '‹'
	case 0x8C:
		return 'Œ'
	case 0x8E:
		return 'Ž'
	case 0x91:
		return '\u2018'
	case 0x92:
		return '\u2019'
	case 0x93:
		return '\u201C'
	case 0x94:
		return '\u201D'
	case 0x95:
		return '•'
	case 0x96:
		return '–'
	case 0x97:
		return '—'
	case 0x98:
		return '˜'
	case 0x99:
		return '™'
	case 0x9A:
		return 'š'
	case 0x9B:
		return '›'
	case 0x9C:
		return 'œ'
	case 0x9E:
		return 'ž'
	case 0x9F:
		return 'Ÿ'
	}
	return '\uFFFD'
}

// wpc1252Byte is the inverse of RuneWPC1252 for 0x80–0x9F.
func wpc1252Byte(r rune) (byte, bool) {
	for b := 0x80; b < firstLatin1Direct; b++ {
		if RuneWPC1252(byte(b)) == r && r != '\uFFFD' {
			return byte(b), true
		}
	}
	return 0, false
}
