package wire

import (
	"strings"
	"testing"
)

func TestParseUUID(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", want: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"},
		{in: "8D3F3F1E-2B7A-4C55-9A0E-6F1F4B2A9C01", want: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"},
		{in: "8d3F3f1E-2b7a-4c55-9a0e-6f1f4b2a9C01", want: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"},
		{in: "00000000-0000-0000-0000-000000000000", want: "00000000-0000-0000-0000-000000000000"},
		{in: "", err: true},
		{in: "8d3f3f1e2b7a4c559a0e6f1f4b2a9c01", err: true},
		{in: "{8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01}", err: true},
		{in: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c0", err: true},
		{in: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c011", err: true},
		{in: "8d3f3f1e_2b7a-4c55-9a0e-6f1f4b2a9c01", err: true},
		{in: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c0g", err: true},
		{in: "8d3f3f1e-2b7a-4c5-59a0e-6f1f4b2a9c01", err: true},
		{in: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9cé", err: true},
	}
	for _, tt := range tests {
		got, err := ParseUUID(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("ParseUUID(%q) = %q, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseUUID(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCaseValue(t *testing.T) {
	num := func(lit string) *Value { return &Value{Kind: Number, Num: lit} }
	tests := []struct {
		name string
		v    *Value
		want uint64
		prob caseProblem
	}{
		{"DE POS receipt", num("4919373352344223745"), 4919373352344223745, caseOK},
		{"above 2^53 odd", num("9007199254740993"), 9007199254740993, caseOK},
		{"max uint64", num("18446744073709551615"), 18446744073709551615, caseOK},
		{"zero", num("0"), 0, caseOK},
		{"small", num("4001"), 4001, caseOK},
		{"negative", num("-1"), 0, caseRange},
		{"negative zero", num("-0"), 0, caseFormat},
		{"fraction", num("1.0"), 0, caseFormat},
		{"exponent", num("1e3"), 0, caseFormat},
		{"exponent upper", num("1E3"), 0, caseFormat},
		{"leading zero", num("01"), 0, caseFormat},
		{"overflow", num("18446744073709551616"), 0, caseRange},
		{"overflow long", num("99999999999999999999999"), 0, caseRange},
		{"overflow then garbage", num("99999999999999999999999x"), 0, caseFormat},
		{"empty literal", num(""), 0, caseFormat},
		{"string", &Value{Kind: String, Str: "1"}, 0, caseType},
		{"bool", &Value{Kind: Bool, Bool: true}, 0, caseType},
		{"null", &Value{}, 0, caseType},
		{"nil", nil, 0, caseType},
	}
	for _, tt := range tests {
		got, prob := caseValue(tt.v)
		if got != tt.want || prob != tt.prob {
			t.Errorf("%s: caseValue = %d, problem %d, want %d, problem %d", tt.name, got, prob, tt.want, tt.prob)
		}
		u, err := CaseValue(tt.v)
		if (err == nil) != (tt.prob == caseOK) || u != tt.want {
			t.Errorf("%s: CaseValue = %d, %v, want %d (error: %v)", tt.name, u, err, tt.want, tt.prob != caseOK)
		}
	}
	// Through the parser: the literal survives exactly.
	v := mustParse(t, `{"ftReceiptCase":4919373352344223745}`)
	if u, err := CaseValue(v.Get("ftReceiptCase")); err != nil || u != 0x4445_2000_0000_0001 {
		t.Errorf("CaseValue(parsed 4919373352344223745) = %#x, %v, want 0x4445200000000001", u, err)
	}
	// A string literal "1" is refused even though it parses as a JSON document.
	v = mustParse(t, `{"ftReceiptCase":"1"}`)
	if _, err := CaseValue(v.Get("ftReceiptCase")); err == nil || !strings.Contains(err.Error(), "JSON number") {
		t.Errorf(`CaseValue("1") error = %v, want a type error`, err)
	}
}

func TestInt64Literal(t *testing.T) {
	num := func(lit string) *Value { return &Value{Kind: Number, Num: lit} }
	tests := []struct {
		lit  string
		want int64
		prob caseProblem
	}{
		{"0", 0, caseOK},
		{"-5", -5, caseOK},
		{"637500000000000000", 637500000000000000, caseOK},
		{"9223372036854775807", 9223372036854775807, caseOK},
		{"-9223372036854775808", -9223372036854775808, caseOK},
		{"9223372036854775808", 0, caseRange},
		{"-9223372036854775809", 0, caseRange},
		{"99999999999999999999999", 0, caseRange},
		{"1.0", 0, caseFormat},
		{"1e3", 0, caseFormat},
		{"01", 0, caseFormat},
	}
	for _, tt := range tests {
		got, prob := int64Literal(num(tt.lit))
		if got != tt.want || prob != tt.prob {
			t.Errorf("int64Literal(%s) = %d, problem %d, want %d, problem %d", tt.lit, got, prob, tt.want, tt.prob)
		}
	}
	if _, prob := int64Literal(&Value{Kind: String, Str: "1"}); prob != caseType {
		t.Errorf(`int64Literal("1") problem %d, want caseType`, prob)
	}
}
