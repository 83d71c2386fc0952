package wire

// Number literals are analysed once here and interpreted by the canonical
// writer, Decimal, CaseValue and the integer fields. A literal denotes
// S × 10^q, where S is the run of digits from the first to the last non-zero
// digit of its mantissa (integer and fraction digits together) and q is the
// power of ten of S's last digit.

const (
	// maxNumberDigits bounds the significant digits of any number literal
	// Parse accepts; together with maxNumberExponent it keeps the canonical
	// form (written without exponent) below about 800 bytes per number.
	maxNumberDigits = 400
	// maxNumberExponent bounds the power of ten of every significant digit.
	maxNumberExponent = 400
	// expSaturation caps exponent parsing so that absurd exponents cannot
	// overflow the arithmetic below; anything this large is rejected anyway.
	expSaturation = 1 << 40
)

// numLiteral is the anatomy of a JSON number literal.
type numLiteral struct {
	neg     bool
	intPart string // digits before '.', never empty
	frac    string // digits after '.', empty when there is no fraction
	exp     int64  // explicit exponent (saturated), 0 when absent
	hasFrac bool
	hasExp  bool
}

// scanMantissa scans (0|[1-9][0-9]*)(\.[0-9]+)? starting at s[i]. It
// returns where the integer digits end and where the whole match ends.
func scanMantissa(s string, i int) (intEnd, end int, ok bool) {
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return 0, 0, false
	}
	intEnd = i
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == d {
			return 0, 0, false
		}
	}
	return intEnd, i, true
}

// splitNumber checks that s is exactly one JSON number literal
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and splits it.
func splitNumber(s string) (numLiteral, bool) {
	var n numLiteral
	i := 0
	if i < len(s) && s[i] == '-' {
		n.neg = true
		i++
	}
	start := i
	intEnd, i, ok := scanMantissa(s, i)
	if !ok {
		return n, false
	}
	n.intPart = s[start:intEnd]
	if i > intEnd {
		n.frac = s[intEnd+1 : i]
		n.hasFrac = true
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		negExp := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			negExp = s[i] == '-'
			i++
		}
		start = i
		var e int64
		for i < len(s) && isDigit(s[i]) {
			if e < expSaturation {
				e = e*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == start {
			return n, false
		}
		if negExp {
			e = -e
		}
		n.exp = e
		n.hasExp = true
	}
	return n, i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// mantissaLen is the number of digits of the integer and fraction parts.
func (n *numLiteral) mantissaLen() int { return len(n.intPart) + len(n.frac) }

// digit returns the i-th digit of the mantissa (integer digits, then
// fraction digits).
func (n *numLiteral) digit(i int) byte {
	if i < len(n.intPart) {
		return n.intPart[i]
	}
	return n.frac[i-len(n.intPart)]
}

// significant locates S: lead is the mantissa index of its first digit, sig
// its digit count (0 when the literal is zero) and q the power of ten of its
// last digit.
func (n *numLiteral) significant() (lead, sig int, q int64) {
	total := n.mantissaLen()
	for lead < total && n.digit(lead) == '0' {
		lead++
	}
	if lead == total {
		return 0, 0, 0
	}
	last := total - 1
	for n.digit(last) == '0' {
		last--
	}
	sig = last - lead + 1
	q = n.exp - int64(len(n.frac)) + int64(total-1-last)
	return lead, sig, q
}

// reasonable reports whether the literal's canonical form stays small: at
// most maxNumberDigits significant digits, each between 10^-400 and 10^400.
// Zero is always reasonable.
func (n *numLiteral) reasonable() bool {
	if !n.hasExp && n.mantissaLen() <= maxNumberDigits {
		return true // fast path: every digit lies within 10^±400 already
	}
	_, sig, q := n.significant()
	if sig == 0 {
		return true
	}
	return sig <= maxNumberDigits && q >= -maxNumberExponent && q+int64(sig)-1 <= maxNumberExponent
}

// appendSignificant appends digits [lead, lead+count) of the mantissa.
func (n *numLiteral) appendSignificant(dst []byte, lead, count int) []byte {
	end := lead + count
	if lead < len(n.intPart) {
		stop := min(end, len(n.intPart))
		dst = append(dst, n.intPart[lead:stop]...)
		lead = stop
	}
	if lead < end {
		dst = append(dst, n.frac[lead-len(n.intPart):end-len(n.intPart)]...)
	}
	return dst
}

// appendZeros appends k ASCII zeros.
func appendZeros(dst []byte, k int) []byte {
	for ; k > 0; k-- {
		dst = append(dst, '0')
	}
	return dst
}

// alreadyCanonical reports whether lit is a plain literal,
// -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?, short enough to be reasonable and not
// "-0": such a literal is its own canonical form, which covers nearly every
// number a request carries.
func alreadyCanonical(lit string) bool {
	if len(lit) == 0 || len(lit) > maxNumberDigits || lit == "-0" {
		return false
	}
	i := 0
	if lit[0] == '-' {
		i++
	}
	switch {
	case i < len(lit) && lit[i] == '0':
		i++
	case i < len(lit) && '1' <= lit[i] && lit[i] <= '9':
		for i < len(lit) && isDigit(lit[i]) {
			i++
		}
	default:
		return false
	}
	if i == len(lit) {
		return true
	}
	if lit[i] != '.' || i+1 == len(lit) || lit[len(lit)-1] == '0' {
		return false
	}
	for i++; i < len(lit); i++ {
		if !isDigit(lit[i]) {
			return false
		}
	}
	return true
}

// appendCanonicalNumber writes the exact value of a literal in the canonical
// form of §3.2: no exponent, no leading zeros, no trailing fractional zeros,
// no sign on zero. A literal that is not valid JSON or not reasonable (only
// possible for Values not made by Parse) is written as null, so that the
// output stays valid JSON of bounded size.
func appendCanonicalNumber(dst []byte, lit string) []byte {
	if alreadyCanonical(lit) {
		return append(dst, lit...)
	}
	n, ok := splitNumber(lit)
	if !ok || !n.reasonable() {
		return append(dst, "null"...)
	}
	lead, sig, q := n.significant()
	if sig == 0 {
		return append(dst, '0')
	}
	if n.neg {
		dst = append(dst, '-')
	}
	if q >= 0 {
		dst = n.appendSignificant(dst, lead, sig)
		return appendZeros(dst, int(q))
	}
	k := int(-q) // fractional digits
	if sig > k {
		dst = n.appendSignificant(dst, lead, sig-k)
		dst = append(dst, '.')
		return n.appendSignificant(dst, lead+sig-k, k)
	}
	dst = append(dst, '0', '.')
	dst = appendZeros(dst, k-sig)
	return n.appendSignificant(dst, lead, sig)
}
