package receipt

import (
	"strings"
)

// Text renders the printing layout as plain text of the given width
// (Lines' columns), one line per Line and no trailing spaces. Double-size
// lines are written at normal size in their place, a QR code as its payload
// broken into lines, a cut as nothing: what a text-only channel can show.
func Text(doc *Document, columns int) string {
	lines := Lines(doc, columns)
	w := effectiveColumns(columns)
	var b strings.Builder
	for _, ln := range lines {
		switch ln.Kind {
		case LineText:
			writeAligned(&b, ln.Text, ln.Align, w)
		case LineQR:
			for _, part := range chunk(clean(ln.QR.Payload), w) {
				writeAligned(&b, part, AlignLeft, w)
			}
		}
	}
	return b.String()
}

// effectiveColumns is the width Lines uses for a requested width.
func effectiveColumns(columns int) int {
	if columns <= 0 {
		return defaultColumns
	}
	return max(columns, minColumns)
}

func writeAligned(b *strings.Builder, s string, a Align, w int) {
	switch a {
	case AlignCenter:
		s = strings.Repeat(" ", max(w-runeLen(s), 0)/2) + s
	case AlignRight:
		s = padLeft(s, w)
	}
	b.WriteString(strings.TrimRight(s, " "))
	b.WriteByte('\n')
}

// chunk cuts s into pieces of w characters: a code has no word breaks.
func chunk(s string, w int) []string {
	var out []string
	for runeLen(s) > w {
		i := byteIndex(s, w)
		out = append(out, s[:i])
		s = s[i:]
	}
	return append(out, s)
}
