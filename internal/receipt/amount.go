package receipt

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// Money is an amount in cents. A receipt prints what RKSV counts: exact
// sums rounded once to cents, half away from zero (rksv.md §1.2).
type Money int64

// Format writes m with exactly two decimals, the given decimal mark and no
// grouping: 1250 → "12,50", -5 → "-0,05" (rksv.md §1.2).
func (m Money) Format(mark byte) string {
	sign, u := "", uint64(m)
	if m < 0 {
		sign, u = "-", uint64(-m) // -MinInt64 wraps to its own magnitude as uint64
	}
	frac := strconv.FormatUint(100+u%100, 10)[1:]
	return sign + strconv.FormatUint(u/100, 10) + string(mark) + frac
}

// money formats an amount in the document's language.
func (l *Labels) money(m Money) string { return m.Format(l.Decimal) }

// number formats a quantity or rate: the canonical decimal ("2", "4.9")
// with the language's decimal mark.
func (l *Labels) number(d wire.Decimal) string {
	return strings.Replace(d.String(), ".", string(l.Decimal), 1)
}

// percent formats a VAT rate: "20%", "4,9%".
func (l *Labels) percent(d wire.Decimal) string { return l.number(d) + "%" }

// cents rounds an exact amount once to Money.
func cents(d wire.Decimal) (Money, error) {
	c, err := d.Cents()
	return Money(c), err
}

// vatOf is the VAT contained in gross at rate percent,
// gross × rate / (100 + rate), rounded half away from zero. Computing it
// from the gross sum of a rate (not per line) rounds once per rate, as the
// printed VAT summary must add up.
func vatOf(gross Money, rate wire.Decimal) Money {
	r, ok := new(big.Rat).SetString(rate.String())
	if !ok || r.Sign() <= 0 {
		return 0
	}
	v := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(gross)), r)
	v.Quo(v, r.Add(r, big.NewRat(100, 1)))
	return roundRat(v)
}

// roundRat rounds to the nearest integer, halves away from zero.
func roundRat(r *big.Rat) Money {
	num := new(big.Int).Abs(r.Num())
	q, m := new(big.Int).QuoRem(num, r.Denom(), new(big.Int))
	if m.Lsh(m, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return Money(q.Int64())
}
