package wire

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// The limits of a decimal in a request (§1.4, a fiscald rule matching what a
// .NET decimal can hold).
const (
	MaxDecimalDigits = 28
	MaxDecimalScale  = 10
)

// Decimal is an exact decimal number. Money must never pass through binary
// floating point, so a Decimal is parsed straight from a JSON literal and
// added exactly.
//
// The representation is canonical: one value has one representation (4.50
// and 4.5 are the same Decimal), so == and Equal agree and a Decimal can be
// a map key (e.g. to group charge items by VAT rate). It holds no pointers
// and is safe to copy. Coefficients that fit in an int64 cost no allocation;
// larger ones (such as sums of thousands of 28-digit amounts) are held as
// decimal text and computed with math/big. The zero value is 0.
type Decimal struct {
	// small is the coefficient when it fits in an int64 (big == ""). It is
	// never math.MinInt64, so negation cannot overflow.
	small int64
	// big is the coefficient in base 10 with an optional '-' when its
	// magnitude exceeds math.MaxInt64; "" otherwise.
	big string
	// scale is the number of fractional digits: the value is
	// coefficient × 10^-scale. When scale > 0 the coefficient does not end in 0.
	scale int32
}

// decimalProblem classifies why a literal is not an acceptable decimal, so
// that decoders can report "format" or "range".
type decimalProblem uint8

const (
	decimalOK decimalProblem = iota
	decimalSyntax
	decimalDigits
	decimalScale
)

// ParseDecimal parses a JSON number literal (exponent notation included)
// into an exact Decimal. It fails for anything that is not a JSON number
// literal (a leading '+', ".5", " 1", "1." …) and for values with more than
// MaxDecimalDigits significant digits or more than MaxDecimalScale
// fractional digits. Both limits apply to the exact value, so trailing
// fractional zeros do not count: "1.00000000000000" is 1.
func ParseDecimal(literal string) (Decimal, error) {
	d, p := parseDecimal(literal)
	switch p {
	case decimalSyntax:
		return Decimal{}, fmt.Errorf("wire: %q is not a JSON number literal", literal)
	case decimalDigits:
		return Decimal{}, fmt.Errorf("wire: %q has more than %d significant digits", literal, MaxDecimalDigits)
	case decimalScale:
		return Decimal{}, fmt.Errorf("wire: %q has more than %d fractional digits", literal, MaxDecimalScale)
	}
	return d, nil
}

func parseDecimal(literal string) (Decimal, decimalProblem) {
	n, ok := splitNumber(literal)
	if !ok {
		return Decimal{}, decimalSyntax
	}
	lead, sig, q := n.significant()
	if sig == 0 {
		return Decimal{}, decimalOK
	}
	if q < -MaxDecimalScale {
		return Decimal{}, decimalScale
	}
	scale := int32(0)
	zeros := 0
	if q < 0 {
		scale = int32(-q)
	} else {
		if q > MaxDecimalDigits {
			return Decimal{}, decimalDigits
		}
		zeros = int(q)
	}
	digits := sig + zeros
	if digits > MaxDecimalDigits {
		return Decimal{}, decimalDigits
	}
	if digits <= 19 {
		var u uint64 // 19 digits < 1.9e19 < 2^64
		for i := lead; i < lead+sig; i++ {
			u = u*10 + uint64(n.digit(i)-'0')
		}
		for range zeros {
			u *= 10
		}
		if u <= math.MaxInt64 {
			c := int64(u)
			if n.neg {
				c = -c
			}
			return Decimal{small: c, scale: scale}, decimalOK
		}
	}
	buf := make([]byte, 0, digits+1)
	if n.neg {
		buf = append(buf, '-')
	}
	buf = n.appendSignificant(buf, lead, sig)
	buf = appendZeros(buf, zeros)
	return Decimal{big: string(buf), scale: scale}, decimalOK
}

// NewDecimal returns unscaled × 10^-scale; NewDecimal(450, 2) is 4.5. It
// lets code that counts in cents return to an exact amount.
func NewDecimal(unscaled int64, scale uint8) Decimal {
	if unscaled == math.MinInt64 {
		return fromBig(big.NewInt(unscaled), int32(scale))
	}
	return makeSmall(unscaled, int32(scale))
}

// makeSmall normalises an int64 coefficient (never math.MinInt64).
func makeSmall(c int64, scale int32) Decimal {
	if c == 0 {
		return Decimal{}
	}
	for scale > 0 && c%10 == 0 {
		c /= 10
		scale--
	}
	return Decimal{small: c, scale: scale}
}

// fromBig normalises a big coefficient; c may be modified.
func fromBig(c *big.Int, scale int32) Decimal {
	if c.Sign() == 0 {
		return Decimal{}
	}
	if scale > 0 {
		ten := big.NewInt(10)
		q, r := new(big.Int), new(big.Int)
		for scale > 0 {
			q.QuoRem(c, ten, r)
			if r.Sign() != 0 {
				break
			}
			c.Set(q)
			scale--
		}
	}
	if c.IsInt64() && c.Int64() != math.MinInt64 {
		return Decimal{small: c.Int64(), scale: scale}
	}
	return Decimal{big: c.String(), scale: scale}
}

// coef returns the coefficient as a new big.Int.
func (d Decimal) coef() *big.Int {
	if d.big == "" {
		return big.NewInt(d.small)
	}
	c, _ := new(big.Int).SetString(d.big, 10) // always valid: written by this file
	return c
}

func pow10Big(n int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// pow10 returns 10^n for 0 ≤ n ≤ 18.
func pow10(n int32) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// mulPow10 returns a × 10^n, or false when that leaves the int64 range
// (math.MinInt64 excluded).
func mulPow10(a int64, n int32) (int64, bool) {
	if n == 0 {
		return a, true
	}
	if n > 18 {
		return 0, a == 0
	}
	p := pow10(n)
	if a > math.MaxInt64/p || a < -math.MaxInt64/p {
		return 0, false
	}
	return a * p, true
}

// aligned returns both coefficients at the larger scale when they fit.
func aligned(d, e Decimal) (a, b int64, scale int32, ok bool) {
	if d.big != "" || e.big != "" {
		return 0, 0, 0, false
	}
	a, b, scale = d.small, e.small, d.scale
	switch {
	case d.scale < e.scale:
		a, ok = mulPow10(a, e.scale-d.scale)
		scale = e.scale
	case e.scale < d.scale:
		b, ok = mulPow10(b, d.scale-e.scale)
	default:
		ok = true
	}
	return a, b, scale, ok
}

// alignedBig returns both coefficients as big.Ints at the larger scale.
func alignedBig(d, e Decimal) (a, b *big.Int, scale int32) {
	a, b, scale = d.coef(), e.coef(), d.scale
	switch {
	case d.scale < e.scale:
		a.Mul(a, pow10Big(e.scale-d.scale))
		scale = e.scale
	case e.scale < d.scale:
		b.Mul(b, pow10Big(d.scale-e.scale))
	}
	return a, b, scale
}

// Add returns d + e, exactly.
func (d Decimal) Add(e Decimal) Decimal {
	if a, b, s, ok := aligned(d, e); ok {
		sum := a + b
		overflow := (a > 0 && b > 0 && sum < 0) || (a < 0 && b < 0 && sum >= 0) || sum == math.MinInt64
		if !overflow {
			return makeSmall(sum, s)
		}
	}
	a, b, s := alignedBig(d, e)
	return fromBig(a.Add(a, b), s)
}

// Sub returns d - e, exactly.
func (d Decimal) Sub(e Decimal) Decimal { return d.Add(e.Neg()) }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	switch {
	case d.big == "":
		d.small = -d.small
	case d.big[0] == '-':
		d.big = d.big[1:]
	default:
		d.big = "-" + d.big
	}
	return d
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.big != "" && d.big[0] == '-', d.big == "" && d.small < 0:
		return -1
	case d.big == "" && d.small == 0:
		return 0
	}
	return 1
}

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

// Cmp returns -1, 0 or +1 as d is less than, equal to or greater than e.
func (d Decimal) Cmp(e Decimal) int {
	if a, b, _, ok := aligned(d, e); ok {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	a, b, _ := alignedBig(d, e)
	return a.Cmp(b)
}

// Equal reports whether d and e are the same number; because the
// representation is canonical this is the same as d == e.
func (d Decimal) Equal(e Decimal) bool { return d == e }

// Cents returns d in hundredths, rounded once, half away from zero
// (0.005 → 1, -0.005 → -1), the rounding receipts and RKSV turnover counters
// use. It fails when the result does not fit in an int64.
func (d Decimal) Cents() (int64, error) {
	if d.big == "" {
		if d.scale <= 2 {
			if c, ok := mulPow10(d.small, 2-d.scale); ok {
				return c, nil
			}
		} else if d.scale-2 <= 18 {
			p := pow10(d.scale - 2)
			q, r := d.small/p, d.small%p
			if r < 0 {
				r = -r
			}
			if r >= p-r { // r ≥ p/2 without rounding p/2 down
				if d.small < 0 {
					q--
				} else {
					q++
				}
			}
			return q, nil
		}
	}
	c := d.coef()
	if d.scale <= 2 {
		c.Mul(c, pow10Big(2-d.scale))
	} else {
		p := pow10Big(d.scale - 2)
		neg := c.Sign() < 0
		c.Abs(c)
		r := new(big.Int)
		c.QuoRem(c, p, r)
		if r.Lsh(r, 1).Cmp(p) >= 0 {
			c.Add(c, big.NewInt(1))
		}
		if neg {
			c.Neg(c)
		}
	}
	if !c.IsInt64() {
		return 0, errors.New("wire: " + d.String() + " does not fit in int64 cents")
	}
	return c.Int64(), nil
}

// String returns the canonical form (the same text AppendCanonical writes
// for a number of this value): no exponent, no trailing fractional zeros,
// no sign on zero.
func (d Decimal) String() string {
	var buf [48]byte
	return string(d.appendTo(buf[:0]))
}

// MarshalJSON writes the canonical number, so Decimals embedded in structs
// encoded by encoding/json stay exact.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return d.appendTo(nil), nil
}

// appendTo appends the canonical form of d.
func (d Decimal) appendTo(dst []byte) []byte {
	var tmp [20]byte
	var digits []byte
	if d.big == "" {
		u := uint64(d.small)
		if d.small < 0 {
			dst = append(dst, '-')
			u = uint64(-d.small)
		}
		digits = strconv.AppendUint(tmp[:0], u, 10)
	} else {
		s := d.big
		if s[0] == '-' {
			dst = append(dst, '-')
			s = s[1:]
		}
		digits = []byte(s)
	}
	scale := int(d.scale)
	switch {
	case scale == 0:
		return append(dst, digits...)
	case len(digits) > scale:
		dst = append(dst, digits[:len(digits)-scale]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-scale:]...)
	default:
		dst = append(dst, '0', '.')
		dst = appendZeros(dst, scale-len(digits))
		return append(dst, digits...)
	}
}

// rat returns d as a big.Rat.
func (d Decimal) rat() *big.Rat {
	return new(big.Rat).SetFrac(d.coef(), pow10Big(d.scale))
}

// WithinCent reports whether |a-b| ≤ 0.01, the tolerance of the balance and
// total rules (R1, cbReceiptAmount).
func WithinCent(a, b Decimal) bool {
	return a.Sub(b).Abs().Cmp(Decimal{small: 1, scale: 2}) <= 0
}

// VATConsistent reports whether vatAmount is the VAT contained in the gross
// amount at rate percent, within 0.01: |amount·rate/(100+rate) − vatAmount|
// ≤ 0.01 (rule R3), computed exactly. A rate of -100 has no contained VAT
// and is never consistent.
func VATConsistent(amount, rate, vatAmount Decimal) bool {
	den := rate.Add(Decimal{small: 100})
	if den.Sign() == 0 {
		return false
	}
	r := new(big.Rat).Mul(amount.rat(), rate.rat())
	r.Quo(r, den.rat())
	r.Sub(r, vatAmount.rat())
	r.Abs(r)
	return r.Cmp(big.NewRat(1, 100)) <= 0
}
