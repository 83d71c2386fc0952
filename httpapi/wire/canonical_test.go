package wire

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestAppendCanonicalGolden(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			"RFC 8785 3.2.2.2 string escaping",
			`{"s":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"}`,
			`{"s":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			"RFC 8785 3.2.3 sorting by UTF-16 code units",
			`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",` +
				`"\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
				"\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
		{
			"non-BMP sorts before U+E000..U+FFFF, after U+20AC",
			`{"\uffff":3,"\ud83d\ude00":2,"\u20ac":1,"\ue000":4}`,
			"{\"\u20ac\":1,\"\U0001F600\":2,\"\ue000\":4,\"\uffff\":3}",
		},
		{
			"prefix sorts first, upper case before lower case",
			`{"ab":1,"a":2,"B":3,"c":4}`,
			`{"B":3,"a":2,"ab":1,"c":4}`,
		},
		{
			"control characters",
			`{"c":"\u0000\u0001\b\t\n\u000b\f\r\u001f\u007f"}`,
			"{\"c\":\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\u007f\"}",
		},
		{
			"html characters and line separator are not escaped",
			`{"h":"<a href=\"x\">&amp;</a>\u2028"}`,
			"{\"h\":\"<a href=\\\"x\\\">&amp;</a>\u2028\"}",
		},
		{
			"arrays keep order, nested objects sorted",
			`{"b":[3,1,2,{"y":1,"x":[true,false,null]}],"a":{}}`,
			`{"a":{},"b":[3,1,2,{"x":[true,false,null],"y":1}]}`,
		},
		{
			"large object sorted",
			`{"r":1,"q":2,"p":3,"o":4,"n":5,"m":6,"l":7,"k":8,"j":9,"i":10,"h":11,"g":12,"f":13,"e":14,"d":15,"c":16,"b":17,"a":18}`,
			`{"a":18,"b":17,"c":16,"d":15,"e":14,"f":13,"g":12,"h":11,"i":10,"j":9,"k":8,"l":7,"m":6,"n":5,"o":4,"p":3,"q":2,"r":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustParse(t, tt.doc)
			if got := string(AppendCanonical(nil, v)); got != tt.want {
				t.Errorf("AppendCanonical(%s)\n got %q\nwant %q", tt.doc, got, tt.want)
			}
		})
	}
}

func TestCanonicalNumbers(t *testing.T) {
	tests := []struct{ lit, want string }{
		{"4.50", "4.5"},
		{"2.0", "2"},
		{"1.5E1", "15"},
		{"1.5e+1", "15"},
		{"-0", "0"},
		{"-0.0", "0"},
		{"0e5", "0"},
		{"-0.0e-5", "0"},
		{"1e-3", "0.001"},
		{"0.001", "0.001"},
		{"100", "100"},
		{"1e2", "100"},
		{"1E2", "100"},
		{"123.456e1", "1234.56"},
		{"123.456e3", "123456"},
		{"123.456e5", "12345600"},
		{"123.456e-3", "0.123456"},
		{"0.1e1", "1"},
		{"-12.5e-3", "-0.0125"},
		{"4919373352344223745", "4919373352344223745"},
		{"18446744073709551616000", "18446744073709551616000"},
		{"10.10", "10.1"},
		{"-1", "-1"},
		{"0.5", "0.5"},
		{"9.999999999999999999999999999", "9.999999999999999999999999999"},
		// Values not made by Parse: invalid literals become null.
		{"01", "null"},
		{"1e401", "null"},
		{"abc", "null"},
		{"", "null"},
	}
	for _, tt := range tests {
		v := &Value{Kind: Number, Num: tt.lit}
		if got := string(AppendCanonical(nil, v)); got != tt.want {
			t.Errorf("canonical number %q = %q, want %q", tt.lit, got, tt.want)
		}
	}
}

func TestAppendCanonicalHandBuilt(t *testing.T) {
	v := &Value{Kind: Object, Members: []Member{
		{Name: "bad", Value: Value{Kind: String, Str: "a\xffb"}},
		{Name: "kind", Value: Value{Kind: Kind(99)}},
		{Name: "arr", Value: Value{Kind: Array}},
	}}
	want := "{\"arr\":[],\"bad\":\"a\uFFFDb\",\"kind\":null}"
	if got := string(AppendCanonical(nil, v)); got != want {
		t.Errorf("AppendCanonical(hand-built) = %q, want %q", got, want)
	}
	if got := string(AppendCanonical([]byte("x"), nil)); got != "xnull" {
		t.Errorf("AppendCanonical(x, nil) = %q, want %q", got, "xnull")
	}
}

func digestOf(t *testing.T, method, path, doc string) [32]byte {
	t.Helper()
	return Digest(method, path, mustParse(t, doc))
}

func TestDigestSameBody(t *testing.T) {
	base := `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`
	same := []struct{ name, doc string }{
		{"whitespace", "{ \"cbReceiptReference\" : \"r1\",\n\t\"cbChargeItems\" : [ { \"Amount\" : 2 , \"Quantity\" : 2.0 , \"VATRate\" : 19.00 } ] ,\r\n \"cbPayItems\":[{\"Amount\":4.50}], \"ftReceiptCase\":4919373352344223745 }\n"},
		{"member order", `{"ftReceiptCase":4919373352344223745,"cbPayItems":[{"Amount":4.50}],"cbChargeItems":[{"VATRate":19.00,"Quantity":2.0,"Amount":2}],"cbReceiptReference":"r1"}`},
		{"2.0 vs 2", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2.0,"Quantity":2,"VATRate":19}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`},
		{"4.50 vs 4.5", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.5}],"ftReceiptCase":4919373352344223745}`},
		{"exponent", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":0.2e1,"Quantity":20e-1,"VATRate":1.9E1}],"cbPayItems":[{"Amount":450e-2}],"ftReceiptCase":4919373352344223745}`},
		{"escaped string", `{"cbReceiptReference":"\u0072\u0031","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`},
	}
	want := digestOf(t, "POST", "/v2/sign", base)
	for _, tt := range same {
		if got := digestOf(t, "POST", "/v2/sign", tt.doc); got != want {
			t.Errorf("%s: digest differs from the base body", tt.name)
		}
	}
	other := []struct{ name, doc string }{
		{"null member added", `{"cbTerminalID":null,"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`},
		{"value changed", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.51}],"ftReceiptCase":4919373352344223745}`},
		{"case value changed by one", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223744}`},
		{"name case changed", `{"CBRECEIPTREFERENCE":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`},
		{"string vs number", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":"2","Quantity":2.0,"VATRate":19.00}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`},
		{"member removed", `{"cbReceiptReference":"r1","cbChargeItems":[{"Amount":2,"Quantity":2.0}],"cbPayItems":[{"Amount":4.50}],"ftReceiptCase":4919373352344223745}`},
	}
	for _, tt := range other {
		if got := digestOf(t, "POST", "/v2/sign", tt.doc); got == want {
			t.Errorf("%s: digest equals the base body's", tt.name)
		}
	}
}

func TestDigestArrayOrder(t *testing.T) {
	a := digestOf(t, "POST", "/sign", `{"cbChargeItems":[{"Amount":1},{"Amount":2}]}`)
	b := digestOf(t, "POST", "/sign", `{"cbChargeItems":[{"Amount":2},{"Amount":1}]}`)
	if a == b {
		t.Error("reordering an array kept the digest")
	}
}

func TestDigestPathAndMethod(t *testing.T) {
	const doc = `{"Message":"hi"}`
	want := digestOf(t, "POST", "/sign", doc)
	for _, p := range []string{"/v2/sign", "/sign", "/v2/sign/", "/sign/"} {
		if got := digestOf(t, "POST", p, doc); got != want {
			t.Errorf("Digest(POST, %q) differs from Digest(POST, /sign)", p)
		}
	}
	for _, tt := range []struct{ method, path string }{
		{"PUT", "/v2/sign"},
		{"post", "/v2/sign"},
		{"POST", "/v2/echo"},
		{"POST", "/v3/sign"},
		{"POST", "/v2sign"},
		{"POST", "/v2/sign//"},
	} {
		if got := digestOf(t, tt.method, tt.path, doc); got == want {
			t.Errorf("Digest(%s, %s) equals Digest(POST, /sign)", tt.method, tt.path)
		}
	}
}

func TestCanonicalPath(t *testing.T) {
	tests := map[string]string{
		"/v2/sign":                "/sign",
		"/sign":                   "/sign",
		"/v2/sign/":               "/sign",
		"/v2":                     "/",
		"/v2/":                    "/",
		"/":                       "/",
		"":                        "/",
		"/v20/sign":               "/v20/sign",
		"/v2/issue/a/b/delivered": "/issue/a/b/delivered",
	}
	for in, want := range tests {
		if got := canonicalPath(in); got != want {
			t.Errorf("canonicalPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDigestLayout(t *testing.T) {
	// The digest is specified byte for byte; a change breaks stored operations.
	v := mustParse(t, `{ "b" : 2.0 , "a" : "x" }`)
	want := sha256.Sum256([]byte("POST/sign\n" + `{"a":"x","b":2}`))
	if got := Digest("POST", "/v2/sign", v); got != want {
		t.Errorf("Digest = %x, want sha256(%q) = %x", got, "POST/sign\n{\"a\":\"x\",\"b\":2}", want)
	}
	if got, want := Digest("GET", "/v2/issue/q/i/delivered", nil), sha256.Sum256([]byte("GET/issue/q/i/delivered\n")); got != want {
		t.Errorf("Digest with nil body = %x, want %x", got, want)
	}
}

func TestDigestLargeBodyStreams(t *testing.T) {
	// Bodies larger than the flush buffer must hash the same bytes.
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"Description":"item ` + itoa(i) + `","Amount":1.50}`)
	}
	b.WriteString(`]}`)
	v := mustParse(t, b.String())
	canon := AppendCanonical([]byte("POST/sign\n"), v)
	if len(canon) < 4*digestFlush {
		t.Fatalf("test body too small: %d bytes", len(canon))
	}
	if got, want := Digest("POST", "/sign", v), sha256.Sum256(canon); got != want {
		t.Errorf("streamed digest %x != digest of the canonical bytes %x", got, want)
	}
}

func TestUTF16Compare(t *testing.T) {
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"a", "b", -1},
		{"a", "a", 0},
		{"a", "ab", -1},
		{"B", "a", -1},
		{"\u20ac", "\U0001F600", -1},
		{"\U0001F600", "\ue000", -1},
		{"\U0001F600", "\uffff", -1},
		{"\ufb33", "\U0001F600", 1},
		{"\U0001F600", "\U0001F601", -1},
		{"\U00010000", "\U0010FFFF", -1},
		{"x\u00f6", "x\u20ac", -1},
		{"\u00e9", "z", 1},
		{"\xff", "\xfe", 1}, // invalid UTF-8 still ordered
	}
	for _, tt := range tests {
		got := utf16Compare(tt.a, tt.b)
		if sign(got) != tt.want {
			t.Errorf("utf16Compare(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
		if rev := utf16Compare(tt.b, tt.a); sign(rev) != -tt.want {
			t.Errorf("utf16Compare(%q, %q) = %d, want sign %d", tt.b, tt.a, rev, -tt.want)
		}
	}
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}
