package wire

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Member names are compared with strings.EqualFold, which treats two runes as
// equal when they lie in the same unicode.SimpleFold orbit. The helpers below
// map every rune to the smallest rune of its orbit, which gives a key that is
// equal for two names exactly when EqualFold says they are equal. For ASCII
// letters that key is the upper-case letter; the Kelvin sign and the long s
// fold onto 'K' and 'S' as EqualFold requires.

// isASCII reports whether s holds only ASCII bytes; for two such names
// equal length is a precondition of EqualFold, which lets lookups skip most
// comparisons.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldRune returns the smallest rune of r's case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return least
}

// foldKey returns the folded form of s as a string, for map-based duplicate
// detection in large objects.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// matchName returns the index of the entry of names that equals name ignoring
// case, or -1. names are the canonical spellings of a schema's fields, which
// differ from each other even ignoring case, so an exact match (what nearly
// every client sends) settles the lookup before any case folding.
func matchName(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	ascii := isASCII(name)
	for i, n := range names {
		if ascii && len(n) != len(name) {
			continue
		}
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}
