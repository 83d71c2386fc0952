package wire

import "unicode/utf8"

// appendString appends s as a JSON string in the minimal escaping of
// RFC 8785 §3.2.2.2: '"' and '\\' escaped, the control characters U+0000 to
// U+001F as \b \t \n \f \r or \u00xx, everything else (including '<', '>',
// '&', U+007F and U+2028) written as is. The canonical form and the response
// appenders share it. Bytes that are not valid UTF-8 (possible only in
// strings not made by Parse) are written as U+FFFD so that the output is
// always valid JSON.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c-0x20 < utf8.RuneSelf-0x20 && c != '"' && c != '\\' { // printable ASCII
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
