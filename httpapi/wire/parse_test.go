package wire

import (
	"errors"
	"strings"
	"testing"
)

func mustParse(t testing.TB, doc string) *Value {
	t.Helper()
	v, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%q): %v", doc, err)
	}
	return v
}

func nested(depth int) string {
	// depth counts the top-level object: {"a":[[...]]}
	return `{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // canonical form
	}{
		{"empty object", `{}`, `{}`},
		{"whitespace", " \t\r\n{ \"a\" : 1 , \"b\":[ ] } \n", `{"a":1,"b":[]}`},
		{"literals", `{"t":true,"f":false,"n":null}`, `{"f":false,"n":null,"t":true}`},
		{"nested object", `{"a":{"b":{"c":"d"}}}`, `{"a":{"b":{"c":"d"}}}`},
		{"same name in different objects", `{"a":{"x":1},"b":{"x":2},"x":3}`, `{"a":{"x":1},"b":{"x":2},"x":3}`},
		{"escapes", `{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00"}`, "{\"s\":\"\\\"\\\\/\\b\\f\\n\\r\\tA\u00e9\U0001F600\"}"},
		{"utf-8 passes", `{"Brötchen":"€ 2,50"}`, `{"Brötchen":"€ 2,50"}`},
		{"big case value", `{"c":4919373352344223745}`, `{"c":4919373352344223745}`},
		{"max depth", nested(MaxDepth), nested(MaxDepth)},
		{"number forms", `{"a":-0,"b":0.5,"c":1E+2,"d":1e-2,"e":-12.340}`, `{"a":0,"b":0.5,"c":100,"d":0.01,"e":-12.34}`},
		{"400 digits", `{"a":` + strings.Repeat("9", 400) + `}`, `{"a":` + strings.Repeat("9", 400) + `}`},
		{"exponent 400", `{"a":1e400}`, `{"a":1` + strings.Repeat("0", 400) + `}`},
		{"exponent -400", `{"a":1e-400}`, `{"a":0.` + strings.Repeat("0", 399) + `1}`},
		{"zero with huge exponent", `{"a":0e999999999999999999999}`, `{"a":0}`},
		{"trailing zeros do not count", `{"a":1.` + strings.Repeat("0", 1000) + `}`, `{"a":1}`},
		{"many members", manyMembers(200, false), ""},
		{"large outermost object", manyMembers(handOver+50, false), ""},
		{"large arrays", `{"a":[` + numbers(handOver+10) + `],"b":[[` + numbers(handOver+1) + `],[1]]}`,
			`{"a":[` + numbers(handOver+10) + `],"b":[[` + numbers(handOver+1) + `],[1]]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse(%.80q): %v", tt.doc, err)
			}
			if v.Kind != Object {
				t.Fatalf("Parse(%.80q).Kind = %v, want object", tt.doc, v.Kind)
			}
			if tt.want == "" {
				return
			}
			if got := string(AppendCanonical(nil, v)); got != tt.want {
				t.Errorf("canonical(Parse(%.80q)) = %.200q, want %.200q", tt.doc, got, tt.want)
			}
		})
	}
}

func manyMembers(n int, dupAtEnd bool) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + memberName(i) + `":1`)
	}
	if dupAtEnd {
		// Upper case of an early member: found only through the map that
		// large objects switch to.
		b.WriteString(`,"` + strings.ToUpper(memberName(5)) + `":2`)
	}
	b.WriteString("}")
	return b.String()
}

func numbers(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(itoa(i))
	}
	return b.String()
}

func memberName(i int) string {
	return "m" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantMsg string // substring of the message
		wantOff int    // -1: do not check
	}{
		{"empty", ``, "end of input", 0},
		{"only space", `   `, "end of input", 3},
		{"top-level array", `[1,2]`, "not an object", 0},
		{"top-level string", `"a"`, "not an object", 0},
		{"top-level number", `1`, "not an object", 0},
		{"trailing garbage", `{"a":1} x`, "trailing data", 8},
		{"second document", `{}{}`, "trailing data", 2},
		{"duplicate", `{"a":1,"a":2}`, "duplicate", 7},
		{"duplicate case variant", `{"cbReceiptReference":"x","CBRECEIPTREFERENCE":"y"}`, "duplicate", 26},
		{"duplicate kelvin sign", `{"k":1,"` + "\u212a" + `":2}`, "duplicate", 7},
		{"duplicate long s", `{"s":1,"` + "\u017f" + `":2}`, "duplicate", 7},
		{"duplicate via escape", `{"ab":1,"\u0041b":2}`, "duplicate", 8},
		{"nested duplicate", `{"a":{"b":1,"B":2}}`, "duplicate", 12},
		{"duplicate in array element", `{"a":[{"x":1},{"x":1,"X":2}]}`, "duplicate", 21},
		{"duplicate in large object", manyMembers(100, true), "duplicate", -1},
		{"invalid utf-8 in string", "{\"a\":\"\xff\"}", "invalid UTF-8", 6},
		{"invalid utf-8 in name", "{\"\xc3\x28\":1}", "invalid UTF-8", 2},
		{"overlong utf-8", "{\"a\":\"\xc0\xaf\"}", "invalid UTF-8", 6},
		{"encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8", 6},
		{"invalid byte outside string", "{\"a\":\xff}", "invalid character", 5},
		{"unpaired high surrogate", `{"a":"\ud800"}`, "surrogate", 6},
		{"unpaired low surrogate", `{"a":"\udc00"}`, "surrogate", 6},
		{"high surrogate then letter", `{"a":"\ud800\u0041"}`, "surrogate", 6},
		{"bad escape", `{"a":"\x"}`, "invalid escape", 6},
		{"bad unicode escape", `{"a":"\u12g4"}`, `invalid \u`, 6},
		{"control character", "{\"a\":\"\n\"}", "control character", 6},
		{"unterminated string", `{"a":"abc`, "end of input", 9},
		{"unterminated object", `{"a":1`, "end of input", 6},
		{"missing colon", `{"a" 1}`, "':'", 5},
		{"missing value", `{"a":}`, "want a value", 5},
		{"trailing comma object", `{"a":1,}`, "member name", 7},
		{"trailing comma array", `{"a":[1,]}`, "want a value", 8},
		{"unquoted name", `{a:1}`, "member name", 1},
		{"single quotes", `{'a':1}`, "member name", 1},
		{"leading zero", `{"a":01}`, "invalid number", 5},
		{"plus sign", `{"a":+1}`, "want a value", 5},
		{"bare fraction", `{"a":.5}`, "want a value", 5},
		{"dot without digits", `{"a":1.}`, "invalid number", 5},
		{"exponent without digits", `{"a":1e}`, "invalid number", 5},
		{"minus alone", `{"a":-}`, "invalid number", 5},
		{"NaN", `{"a":NaN}`, "want a value", 5},
		{"bad literal", `{"a":tru}`, "invalid literal", 5},
		{"too many digits", `{"a":` + strings.Repeat("1", 401) + `}`, "out of range", 5},
		{"exponent too large", `{"a":1e401}`, "out of range", 5},
		{"exponent too small", `{"a":1e-401}`, "out of range", 5},
		{"exponent overflow", `{"a":1e99999999999999999999999999}`, "out of range", 5},
		{"too deep", nested(MaxDepth + 1), "nesting deeper", -1},
		{"very deep", `{"a":` + strings.Repeat("[", 100000), "nesting deeper", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse(%.80q) = %v, want error containing %q", tt.doc, v, tt.wantMsg)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%.80q) error %T %v, want *SyntaxError", tt.doc, err, err)
			}
			if !strings.Contains(se.Msg, tt.wantMsg) {
				t.Errorf("Parse(%.80q) error %q, want it to contain %q", tt.doc, se.Msg, tt.wantMsg)
			}
			if tt.wantOff >= 0 && se.Offset != tt.wantOff {
				t.Errorf("Parse(%.80q) error offset %d, want %d (%v)", tt.doc, se.Offset, tt.wantOff, err)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	err := &SyntaxError{Offset: 12, Msg: "boom"}
	if got, want := err.Error(), "offset 12: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseKeepsNumberLiterals(t *testing.T) {
	v := mustParse(t, `{"ftReceiptCase":4919373352344223745,"a":2.50,"b":1.5E1,"c":-0.0,"big":123456789012345678901234567890}`)
	want := map[string]string{
		"ftReceiptCase": "4919373352344223745",
		"a":             "2.50",
		"b":             "1.5E1",
		"c":             "-0.0",
		"big":           "123456789012345678901234567890",
	}
	for name, lit := range want {
		got := v.Get(name)
		if got == nil || got.Kind != Number || got.Num != lit {
			t.Errorf("Get(%q) = %+v, want number literal %q", name, got, lit)
		}
	}
}

func TestParseStructure(t *testing.T) {
	v := mustParse(t, `{"z":1,"a":[true,null,"x",{"k":"v"}],"m":{}}`)
	if len(v.Members) != 3 || v.Members[0].Name != "z" || v.Members[1].Name != "a" || v.Members[2].Name != "m" {
		t.Fatalf("members %+v, want z, a, m in received order", v.Members)
	}
	arr := v.Get("a")
	if arr.Kind != Array || len(arr.Elems) != 4 {
		t.Fatalf("a = %+v, want array of 4", arr)
	}
	kinds := []Kind{Bool, Null, String, Object}
	for i, k := range kinds {
		if arr.Elems[i].Kind != k {
			t.Errorf("a[%d].Kind = %v, want %v", i, arr.Elems[i].Kind, k)
		}
	}
	if !arr.Elems[0].Bool || arr.Elems[2].Str != "x" || arr.Elems[3].Get("K").Str != "v" {
		t.Errorf("array contents wrong: %+v", arr.Elems)
	}
	if m := v.Get("m"); m.Kind != Object || len(m.Members) != 0 {
		t.Errorf("m = %+v, want empty object", m)
	}
	// Appending to a returned slice must not clobber a neighbour.
	a := v.Get("a")
	_ = append(a.Elems, Value{Kind: String, Str: "clobber"})
	if v.Get("m").Kind != Object {
		t.Errorf("append to Elems clobbered another value")
	}

	// The same for containers large enough to take over the scratch stack.
	big := mustParse(t, `{"a":[`+numbers(handOver)+`],"b":{"x":[`+numbers(handOver)+`]},"c":[1]}`)
	_ = append(big.Get("a").Elems, Value{Kind: String, Str: "clobber"})
	_ = append(big.Get("b").Get("x").Elems, Value{Kind: String, Str: "clobber"})
	if got := string(AppendCanonical(nil, big)); got != `{"a":[`+numbers(handOver)+`],"b":{"x":[`+numbers(handOver)+`]},"c":[1]}` {
		t.Errorf("large containers changed after append: %.100s…", got)
	}
}

func TestParseDoesNotAliasInput(t *testing.T) {
	buf := []byte(`{"name":"value","n":12}`)
	v, err := Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	if v.Members[0].Name != "name" || v.Get("name").Str != "value" || v.Get("n").Num != "12" {
		t.Errorf("document changed after the input buffer was overwritten: %+v", v)
	}
}

func TestGet(t *testing.T) {
	v := mustParse(t, `{"cbReceiptReference":"r","Amount":1,"`+"\u212a"+`ey":2}`)
	tests := []struct {
		name string
		want string // Str or Num, "" for nil
	}{
		{"cbReceiptReference", "r"},
		{"CBRECEIPTREFERENCE", "r"},
		{"cbreceiptreference", "r"},
		{"amount", "1"},
		{"key", "2"}, // Kelvin sign folds to k
		{"KEY", "2"},
		{"Amoun", ""},
		{"Amountx", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := v.Get(tt.name)
		var s string
		if got != nil {
			s = got.Str + got.Num
		}
		if s != tt.want {
			t.Errorf("Get(%q) = %q, want %q", tt.name, s, tt.want)
		}
	}
	var nilValue *Value
	if nilValue.Get("a") != nil {
		t.Error("nil.Get returned non-nil")
	}
	if (&Value{Kind: String, Str: "a"}).Get("a") != nil {
		t.Error("Get on a string returned non-nil")
	}
}

// TestFoldKeyMatchesEqualFold checks that the key large objects use for
// duplicate detection agrees with strings.EqualFold, which small objects
// and Get use.
func TestFoldKeyMatchesEqualFold(t *testing.T) {
	names := []string{
		"k", "K", "\u212a", "s", "S", "\u017f", "\u03a3", "\u03c3", "\u03c2", "\u00df", "\u1e9e",
		"i", "I", "\u0130", "\u0131", "\u01c4", "\u01c5", "\u01c6", "ab", "AB", "aB", "\u00e9", "\u00c9", "e", "",
		"Stra\u00dfe", "STRA\u1e9eE", "\u212aey", "key",
	}
	for _, a := range names {
		for _, b := range names {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v, strings.EqualFold says %v", a, b, got, want)
			}
		}
	}
}

func TestDuplicateNonASCIIInLargeObject(t *testing.T) {
	// Past smallObject members the map of folded names decides.
	for _, pair := range [][2]string{{"\u03c3x", "\u03a3X"}, {"\u03c2", "\u03c3"}, {"\u00df", "\u1e9e"}, {"k", "\u212a"}} {
		doc := manyMembers(smallObject+5, false)
		doc = doc[:len(doc)-1] + `,"` + pair[0] + `":1,"` + pair[1] + `":2}`
		if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("large object with %q and %q: error %v, want duplicate", pair[0], pair[1], err)
		}
		ok := manyMembers(smallObject+5, false)
		ok = ok[:len(ok)-1] + `,"` + pair[0] + `":1,"\u00e9":2}`
		if _, err := Parse([]byte(ok)); err != nil {
			t.Errorf("large object with %q and é: %v", pair[0], err)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Null: "null", Bool: "boolean", Number: "number", String: "string", Array: "array", Object: "object", 42: "invalid kind"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

// FuzzParse checks that Parse never panics and that the canonical form of
// every accepted document is accepted again and is a fixed point.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00"}`,
		`{"a":1.50E+3,"b":-0.0,"c":1e-400}`, `{"A":1,"a":2}`, `{"a":"\u0000\u001f\"\\"}`,
		`{"` + "\ue000" + `":1,"` + "\U0001F600" + `":2}`, `[`, `{"a":01}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("Parse(%q) error %v: want *SyntaxError with offset within input", data, err)
			}
			return
		}
		c1 := AppendCanonical(nil, v)
		v2, err := Parse(c1)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c1, data, err)
		}
		c2 := AppendCanonical(nil, v2)
		if string(c1) != string(c2) {
			t.Fatalf("canonical form is not a fixed point:\n in   %q\n c1   %q\n c2   %q", data, c1, c2)
		}
		if Digest("POST", "/sign", v) != Digest("POST", "/sign", v2) {
			t.Fatalf("digest differs after canonicalisation of %q", data)
		}
	})
}
