package wire

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func dec(t testing.TB, s string) Decimal {
	t.Helper()
	d, err := ParseDecimal(s)
	if err != nil {
		t.Fatalf("ParseDecimal(%q): %v", s, err)
	}
	return d
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		lit  string
		want string // canonical String(); "" = error expected
	}{
		{"0", "0"},
		{"-0", "0"},
		{"-0.000", "0"},
		{"0e-99999", "0"},
		{"4.50", "4.5"},
		{"2.0", "2"},
		{"2", "2"},
		{"19.00", "19"},
		{"-2.50", "-2.5"},
		{"1.5E1", "15"},
		{"1.5e+1", "15"},
		{"15E-1", "1.5"},
		{"1e-3", "0.001"},
		{"1E3", "1000"},
		{"0.0000000001", "0.0000000001"}, // scale 10
		{"1.00000000000000000000", "1"},  // trailing zeros do not count
		{"123456789.0123456789", "123456789.0123456789"}, // 19 digits, scale 10
		{"9223372036854775807", "9223372036854775807"},
		{"-9223372036854775807", "-9223372036854775807"},
		{"9223372036854775808", "9223372036854775808"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"9999999999999999999999999999", "9999999999999999999999999999"},     // 28 digits
		{"-999999999999999999.9999999999", "-999999999999999999.9999999999"}, // 28 digits, scale 10
		{"1e27", "1000000000000000000000000000"},                             // 28 digits
		{"0.1234567891e-0", "0.1234567891"},
		// errors
		{"99999999999999999999999999999", ""}, // 29 digits
		{"1e28", ""},                          // 29 digits
		{"1e99999999999999999999", ""},
		{"0.00000000001", ""},                  // scale 11
		{"1e-11", ""},                          // scale 11
		{"1.00000000001", ""},                  // scale 11
		{"99999999999999999999.999999999", ""}, // 29 digits
		{"", ""},
		{"+1", ""},
		{".5", ""},
		{"5.", ""},
		{"01", ""},
		{"1e", ""},
		{" 1", ""},
		{"1 ", ""},
		{"\"4.50\"", ""},
		{"NaN", ""},
		{"Infinity", ""},
		{"0x10", ""},
		{"1,5", ""},
	}
	for _, tt := range tests {
		d, err := ParseDecimal(tt.lit)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseDecimal(%q) = %s, want error", tt.lit, d)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDecimal(%q): %v, want %s", tt.lit, err, tt.want)
			continue
		}
		if got := d.String(); got != tt.want {
			t.Errorf("ParseDecimal(%q).String() = %q, want %q", tt.lit, got, tt.want)
		}
	}
}

func TestDecimalCanonicalRepresentation(t *testing.T) {
	pairs := [][2]string{
		{"4.50", "4.5"}, {"2.0", "2"}, {"1.5E1", "15"}, {"-0", "0"}, {"0.10", "1e-1"},
		{"12345678901234567890.5", "123456789012345678905e-1"},
	}
	for _, p := range pairs {
		a, b := dec(t, p[0]), dec(t, p[1])
		if a != b || !a.Equal(b) || a.Cmp(b) != 0 {
			t.Errorf("%s and %s: ==%v Equal=%v Cmp=%d, want equal", p[0], p[1], a == b, a.Equal(b), a.Cmp(b))
		}
	}
	m := map[Decimal]int{}
	m[dec(t, "19.00")]++
	m[dec(t, "19")]++
	m[dec(t, "1.9e1")]++
	if len(m) != 1 || m[dec(t, "19.0")] != 3 {
		t.Errorf("map keyed by Decimal = %v, want one key with count 3", m)
	}
	if (Decimal{}).String() != "0" || (Decimal{}) != dec(t, "0.00") {
		t.Errorf("zero value is not 0")
	}
}

func TestDecimalArithmetic(t *testing.T) {
	tests := []struct {
		a, b       string
		sum, diff  string
		cmp        int
		negA, absA string
		signA      int
	}{
		{"4.50", "2", "6.5", "2.5", 1, "-4.5", "4.5", 1},
		{"0.1", "0.2", "0.3", "-0.1", -1, "-0.1", "0.1", 1},
		{"1.25", "-1.25", "0", "2.5", 1, "-1.25", "1.25", 1},
		{"-3", "-3.000", "-6", "0", 0, "3", "3", -1},
		{"0", "0", "0", "0", 0, "0", "0", 0},
		{"0.0000000001", "999999999", "999999999.0000000001", "-999999998.9999999999", -1, "-0.0000000001", "0.0000000001", 1},
		// int64 overflow moves to big and back
		{"9223372036854775807", "1", "9223372036854775808", "9223372036854775806", 1, "-9223372036854775807", "9223372036854775807", 1},
		{"-9223372036854775807", "-1", "-9223372036854775808", "-9223372036854775806", -1, "9223372036854775807", "9223372036854775807", -1},
		{"9999999999999999999999999999", "0.0000000001", "9999999999999999999999999999.0000000001", "9999999999999999999999999998.9999999999", 1, "-9999999999999999999999999999", "9999999999999999999999999999", 1},
		{"9999999999999999999999999999", "-9999999999999999999999999999", "0", "19999999999999999999999999998", 1, "-9999999999999999999999999999", "9999999999999999999999999999", 1},
		{"-9999999999999999999999999999", "1", "-9999999999999999999999999998", "-10000000000000000000000000000", -1, "9999999999999999999999999999", "9999999999999999999999999999", -1},
		{"922337203685477580.7", "0.3", "922337203685477581", "922337203685477580.4", 1, "-922337203685477580.7", "922337203685477580.7", 1},
	}
	for _, tt := range tests {
		a, b := dec(t, tt.a), dec(t, tt.b)
		if got := a.Add(b).String(); got != tt.sum {
			t.Errorf("%s + %s = %s, want %s", tt.a, tt.b, got, tt.sum)
		}
		if got := a.Sub(b).String(); got != tt.diff {
			t.Errorf("%s - %s = %s, want %s", tt.a, tt.b, got, tt.diff)
		}
		if got := a.Cmp(b); got != tt.cmp {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.cmp)
		}
		if got := b.Cmp(a); got != -tt.cmp {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.cmp)
		}
		if got := a.Neg().String(); got != tt.negA {
			t.Errorf("-(%s) = %s, want %s", tt.a, got, tt.negA)
		}
		if got := a.Abs().String(); got != tt.absA {
			t.Errorf("|%s| = %s, want %s", tt.a, got, tt.absA)
		}
		if got := a.Sign(); got != tt.signA {
			t.Errorf("Sign(%s) = %d, want %d", tt.a, got, tt.signA)
		}
		// Results are canonical: == holds against the parsed form of their
		// text whenever that text is a valid request decimal.
		if s := a.Add(b); len(s.String()) <= MaxDecimalDigits+1 {
			if p := dec(t, s.String()); s != p {
				t.Errorf("%s + %s = %#v, not the canonical %#v", tt.a, tt.b, s, p)
			}
		}
	}
}

func TestDecimalLargeSums(t *testing.T) {
	// 10 000 items of 28-digit values must sum exactly (the result has 32 digits).
	item := dec(t, "999999999999999999.9999999999")
	var sum Decimal
	for range MaxItems {
		sum = sum.Add(item)
	}
	if got, want := sum.String(), "9999999999999999999999.999999"; got != want {
		t.Errorf("sum of 10000 × %s = %s, want %s", item, got, want)
	}
	for range MaxItems {
		sum = sum.Sub(item)
	}
	if sum != (Decimal{}) {
		t.Errorf("subtracting back left %s, want 0", sum)
	}
	// Small amounts stay on the int64 path and sum exactly.
	var cents Decimal
	for range MaxItems {
		cents = cents.Add(dec(t, "0.01"))
	}
	if cents != dec(t, "100") {
		t.Errorf("10000 × 0.01 = %s, want 100", cents)
	}
}

func TestDecimalCents(t *testing.T) {
	tests := []struct {
		lit  string
		want int64
		err  bool
	}{
		{"0.005", 1, false},
		{"-0.005", -1, false},
		{"0.0049", 0, false},
		{"-0.0049", 0, false},
		{"0.0050000001", 1, false},
		{"0.015", 2, false},
		{"0.025", 3, false},
		{"-0.025", -3, false},
		{"4.5", 450, false},
		{"4.50", 450, false},
		{"-2", -200, false},
		{"1.999", 200, false},
		{"0", 0, false},
		{"0.0000000001", 0, false},
		{"92233720368547758.07", math.MaxInt64, false},
		{"-92233720368547758.08", math.MinInt64, false},
		{"92233720368547758.08", 0, true},
		{"92233720368547758.075", 0, true},
		{"92233720368547758.0749", math.MaxInt64, false},
		{"9999999999999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := dec(t, tt.lit).Cents()
		if tt.err {
			if err == nil {
				t.Errorf("Cents(%s) = %d, want error", tt.lit, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Cents(%s) = %d, %v, want %d", tt.lit, got, err, tt.want)
		}
	}
	// Big coefficients round the same way.
	big := dec(t, "9999999999999999999999999999").Add(dec(t, "0.005")).Sub(dec(t, "9999999999999999999999999999"))
	if c, err := big.Cents(); err != nil || c != 1 {
		t.Errorf("Cents(0.005 via big path) = %d, %v, want 1", c, err)
	}
	bigCoef := dec(t, "922337203685477.58075") // 20 digits: big representation
	if c, err := bigCoef.Cents(); err != nil || c != 92233720368547758 {
		t.Errorf("Cents(%s) = %d, %v, want 92233720368547758", bigCoef, c, err)
	}
	bigNeg := dec(t, "-922337203685477.58075")
	if c, err := bigNeg.Cents(); err != nil || c != -92233720368547758 {
		t.Errorf("Cents(%s) = %d, %v, want -92233720368547758", bigNeg, c, err)
	}
}

func TestNewDecimal(t *testing.T) {
	tests := []struct {
		unscaled int64
		scale    uint8
		want     string
	}{
		{450, 2, "4.5"},
		{-1, 2, "-0.01"},
		{0, 5, "0"},
		{100, 0, "100"},
		{math.MinInt64, 0, "-9223372036854775808"},
		{math.MinInt64, 2, "-92233720368547758.08"},
		{math.MaxInt64, 10, "922337203.6854775807"},
		{1, 30, "0.000000000000000000000000000001"},
	}
	for _, tt := range tests {
		d := NewDecimal(tt.unscaled, tt.scale)
		if got := d.String(); got != tt.want {
			t.Errorf("NewDecimal(%d, %d) = %s, want %s", tt.unscaled, tt.scale, got, tt.want)
		}
	}
	if NewDecimal(450, 2) != dec(t, "4.50") {
		t.Error("NewDecimal(450, 2) != ParseDecimal(4.50)")
	}
	if c, err := NewDecimal(5, 30).Cents(); err != nil || c != 0 {
		t.Errorf("Cents(5e-30) = %d, %v, want 0", c, err)
	}
	if c, err := NewDecimal(math.MinInt64, 2).Cents(); err != nil || c != math.MinInt64 {
		t.Errorf("Cents(MinInt64/100) = %d, %v, want MinInt64", c, err)
	}
}

func TestWithinCent(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"4.50", "4.5", true},
		{"4.50", "4.51", true},
		{"4.50", "4.49", true},
		{"4.50", "4.52", false},
		{"4.50", "4.4899", false},
		{"-1", "-1.01", true},
		{"-1", "-1.0100000001", false},
		{"0", "0.01", true},
	}
	for _, tt := range tests {
		a, b := dec(t, tt.a), dec(t, tt.b)
		if got := WithinCent(a, b); got != tt.want {
			t.Errorf("WithinCent(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := WithinCent(b, a); got != tt.want {
			t.Errorf("WithinCent(%s, %s) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
	// Totals beyond int64 (big representation) compare the same way.
	huge := dec(t, "9999999999999999999999999999").Add(dec(t, "9999999999999999999999999999"))
	if !WithinCent(huge, huge.Sub(dec(t, "0.01"))) || WithinCent(huge, huge.Add(dec(t, "0.0100000001"))) {
		t.Errorf("WithinCent wrong around %s", huge)
	}
}

func TestVATConsistent(t *testing.T) {
	tests := []struct {
		amount, rate, vat string
		want              bool
	}{
		{"119", "19", "19", true},
		{"2", "19", "0.32", true},  // 2·19/119 = 0.319327…
		{"2", "19", "0.31", true},  // off by 0.0093
		{"2", "19", "0.33", false}, // off by 0.0107
		{"2", "19", "0.34", false},
		{"2.50", "7", "0.16", true}, // 0.1635…
		{"2.50", "7", "0.18", false},
		{"14.90", "10", "1.35", true},  // 1.3545…
		{"-7.80", "20", "-1.30", true}, // exact
		{"-7.80", "20", "1.30", false},
		{"10", "0", "0", true},
		{"10", "0", "0.02", false},
		{"100", "-100", "0", false}, // no contained VAT
		{"0.06", "20", "0", true},   // 0.01 exactly: boundary included
		{"0.0600000001", "20", "0", false},
	}
	for _, tt := range tests {
		got := VATConsistent(dec(t, tt.amount), dec(t, tt.rate), dec(t, tt.vat))
		if got != tt.want {
			t.Errorf("VATConsistent(%s, %s, %s) = %v, want %v", tt.amount, tt.rate, tt.vat, got, tt.want)
		}
	}
}

func TestDecimalMarshalJSON(t *testing.T) {
	type line struct {
		Amount Decimal
		Rate   *Decimal
	}
	r := dec(t, "19.00")
	got, err := json.Marshal(line{Amount: dec(t, "9223372036854775808.5"), Rate: &r})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Amount":9223372036854775808.5,"Rate":19}`; string(got) != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
}

// TestDecimalStringMatchesCanonical ties Decimal.String to the canonical
// number form, which the digest relies on.
func TestDecimalStringMatchesCanonical(t *testing.T) {
	for _, lit := range []string{"4.50", "-0.0", "1.5E1", "1e-3", "123.456e1", "9999999999999999999999999999", "-0.0000000001", "12345678901234567890.12345678"} {
		d := dec(t, lit)
		want := string(appendCanonicalNumber(nil, lit))
		if d.String() != want {
			t.Errorf("ParseDecimal(%q).String() = %q, canonical number = %q", lit, d.String(), want)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "4.50", "-1.5E1", "1e-10", "9999999999999999999999999999", "0.00000000001", "1e28", "-9223372036854775808", "abc", "1.", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		d, err := ParseDecimal(lit)
		if err != nil {
			return
		}
		s := d.String()
		if canon := string(appendCanonicalNumber(nil, lit)); s != canon {
			t.Fatalf("ParseDecimal(%q).String() = %q, canonical number %q", lit, s, canon)
		}
		d2, err := ParseDecimal(s)
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", s, lit, err)
		}
		if d2 != d || d2.String() != s {
			t.Fatalf("round trip of %q: %q → %#v, want %#v", lit, s, d2, d)
		}
		if d.Sub(d) != (Decimal{}) || d.Add(d.Neg()).Sign() != 0 || d.Cmp(d) != 0 {
			t.Fatalf("d - d != 0 for %q", lit)
		}
		if d.Abs().Sign() < 0 || d.Neg().Neg() != d {
			t.Fatalf("Abs/Neg wrong for %q", lit)
		}
		if _, err := d.Cents(); err != nil && len(strings.TrimLeft(strings.SplitN(s, ".", 2)[0], "-")) < 17 {
			t.Fatalf("Cents(%s) failed: %v", s, err)
		}
	})
}
