package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"maps"
	"math/big"
	"mime"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/httpapi"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/internal/fixtures"
)

// The tests in this file hold httpapi/openapi.json to the server: the
// document is served as embedded, its operations are exactly the routes,
// its problem types are exactly ProblemTypes(), and its schemas accept the
// document's own examples, the published fixture requests and the live
// answers of the real handlers. Schemas are checked by oaChecker, a small
// JSON-Schema validator for the subset the document uses.

// ---------------------------------------------------------------- document

// oaDecode decodes one JSON value keeping numbers as json.Number, so that
// 64-bit case values stay exact.
func oaDecode(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// oaDoc is the decoded OpenAPI document.
type oaDoc struct{ root map[string]any }

func oaLoad(t *testing.T) *oaDoc {
	t.Helper()
	v, err := oaDecode(httpapi.OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatal("openapi.json is not a JSON object")
	}
	return &oaDoc{root: m}
}

func oaObj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func oaArr(v any) []any          { a, _ := v.([]any); return a }
func oaStr(v any) string         { s, _ := v.(string); return s }

// resolve follows a local JSON pointer ("#/components/schemas/X").
func (d *oaDoc) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = d.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok || m[tok] == nil {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		cur = m[tok]
	}
	return cur, nil
}

// deref resolves a Reference Object (response, parameter, header); a
// description next to $ref overrides the target's (OpenAPI 3.1).
func (d *oaDoc) deref(v any) map[string]any {
	m := oaObj(v)
	for m != nil && m["$ref"] != nil {
		target, err := d.resolve(oaStr(m["$ref"]))
		if err != nil {
			return nil
		}
		out := map[string]any{}
		for k, x := range oaObj(target) {
			out[k] = x
		}
		if desc, ok := m["description"]; ok {
			out["description"] = desc
		}
		m = out
	}
	return m
}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oaOp is one documented operation.
type oaOp struct {
	method, path string // "POST", "/v2/sign"
	op           map[string]any
}

func (d *oaDoc) operations() []oaOp {
	var out []oaOp
	for p, item := range oaObj(d.root["paths"]) {
		for _, m := range oaMethods {
			if op := oaObj(oaObj(item)[m]); op != nil {
				out = append(out, oaOp{strings.ToUpper(m), p, op})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// operation finds the documented operation serving a request path, aliases
// (no /v2, one trailing slash) included; a path documented outside /v2
// (the receipt pages) is matched as it is.
func (d *oaDoc) operation(method, path string) *oaOp {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	candidates := []string{path}
	if !strings.HasPrefix(path, "/v2/") {
		candidates = append(candidates, "/v2"+path)
	}
	for _, p := range candidates {
		for _, o := range d.operations() {
			if o.method == method && oaMatch(o.path, p) {
				return &o
			}
		}
	}
	return nil
}

// key is "METHOD /path", as x-additional-statuses names operations.
func (o oaOp) key() string { return o.method + " " + o.path }

// oaTemplate replaces path parameters ({name} or :name) by "{}".
func oaTemplate(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// oaMatch matches a concrete path against a template.
func oaMatch(tmpl, path string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if ts[i] != ps[i] && !(strings.HasPrefix(ts[i], "{") && ps[i] != "") {
			return false
		}
	}
	return true
}

func (d *oaDoc) schema(name string) map[string]any {
	return oaObj(oaObj(oaObj(d.root["components"])["schemas"])[name])
}

// problemTypes indexes x-problem-types by URN.
func (d *oaDoc) problemTypes() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, p := range oaArr(d.root["x-problem-types"]) {
		out[oaStr(oaObj(p)["type"])] = oaObj(p)
	}
	return out
}

var oaURN = regexp.MustCompile(`urn:fiscald:problem:[a-z0-9-]+`)

// problemStatuses lists the statuses a documented problem type is answered
// with by an operation ("POST /v2/issue"): its status, plus those of its
// x-additional-statuses that name the operation ("*": any operation, for
// the shared components.responses; "": none).
func (d *oaDoc) problemStatuses(urn, op string) []string {
	p := d.problemTypes()[urn]
	if p == nil {
		return nil
	}
	out := []string{fmt.Sprint(p["status"])}
	for _, a := range oaArr(p["x-additional-statuses"]) {
		if op == "*" || slices.Contains(oaArr(oaObj(a)["operations"]), any(op)) {
			out = append(out, fmt.Sprint(oaObj(a)["status"]))
		}
	}
	return out
}

// ---------------------------------------------------------------- checker

// oaChecker validates JSON values (decoded by oaDecode) against the JSON
// Schema subset the document uses. Keywords outside the subset are errors,
// so the document cannot use one that is silently ignored. "integer" means
// an integer literal (no fraction or exponent), as fiscald's wire format
// requires of case values.
type oaChecker struct {
	doc *oaDoc
	// strict reports properties that a schema with "properties" and no
	// "additionalProperties" does not declare (for responses and the
	// document's own examples; requests may carry unknown properties).
	strict bool
}

var oaAnnotations = map[string]bool{"description": true, "title": true, "examples": true, "default": true, "deprecated": true}

var oaFormats = map[string]*regexp.Regexp{
	"uuid":      regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`),
	"date-time": regexp.MustCompile(`^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d{1,7})?([Zz]|[+-]\d\d:\d\d)?$`), // as fiscald reads it: offset optional, ≤ 7 fraction digits
}

func oaKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "number"
		}
		return "integer"
	}
	return fmt.Sprintf("%T", v)
}

func oaRat(v any) *big.Rat {
	r, ok := new(big.Rat).SetString(fmt.Sprint(v))
	if !ok {
		return nil
	}
	return r
}

func (c *oaChecker) check(schema, v any, at string) []string {
	if b, ok := schema.(bool); ok {
		if !b {
			return []string{at + ": no value allowed"}
		}
		return nil
	}
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": schema is not an object"}
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv := s[k]
		switch k {
		case "$ref":
			target, err := c.doc.resolve(oaStr(kv))
			if err != nil || !strings.HasPrefix(oaStr(kv), "#/components/schemas/") {
				fail("bad schema $ref %v", kv)
				continue
			}
			errs = append(errs, c.check(target, v, at)...)
		case "type":
			types := []any{kv}
			if a, ok := kv.([]any); ok {
				types = a
			}
			kind := oaKind(v)
			if !slices.Contains(types, any(kind)) && !(kind == "integer" && slices.Contains(types, any("number"))) {
				fail("is %s, want type %v", kind, kv)
			}
		case "enum":
			if !slices.ContainsFunc(oaArr(kv), func(e any) bool { return reflect.DeepEqual(e, v) }) {
				fail("%v is not one of %v", v, kv)
			}
		case "required":
			if m, ok := v.(map[string]any); ok {
				for _, name := range oaArr(kv) {
					if _, ok := m[oaStr(name)]; !ok {
						fail("required property %q is missing", name)
					}
				}
			}
		case "properties", "additionalProperties":
			m, isObj := v.(map[string]any)
			if !isObj {
				continue
			}
			props := oaObj(s["properties"])
			names := make([]string, 0, len(m))
			for name := range m {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				ps, declared := props[name]
				ap, hasAP := s["additionalProperties"]
				switch {
				case k == "properties" && declared:
					errs = append(errs, c.check(ps, m[name], at+"."+name)...)
				case k == "properties" && !hasAP && c.strict:
					fail("property %q is not documented", name)
				case k == "additionalProperties" && !declared:
					errs = append(errs, c.check(ap, m[name], at+"."+name)...)
				}
			}
		case "items":
			for i, e := range oaArr(v) {
				errs = append(errs, c.check(kv, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		case "maxItems":
			if a, ok := v.([]any); ok && oaRat(len(a)).Cmp(oaRat(kv)) > 0 {
				fail("has %d items, at most %v allowed", len(a), kv)
			}
		case "oneOf", "anyOf":
			n, first := 0, []string{}
			for i, b := range oaArr(kv) {
				if e := c.check(b, v, at); len(e) == 0 {
					n++
				} else {
					first = append(first, fmt.Sprintf("[%d] %s", i, e[0]))
				}
			}
			if k == "oneOf" && n != 1 || k == "anyOf" && n == 0 {
				fail("%s: %d branches match, want %s (%s)", k, n, map[string]string{"oneOf": "1", "anyOf": ">= 1"}[k], strings.Join(first, "; "))
			}
		case "format":
			switch f := oaStr(kv); f {
			case "uuid", "date-time":
				if str, ok := v.(string); ok && !oaFormats[f].MatchString(str) {
					fail("%q is not a %s (as fiscald reads it: %s)", str, f, oaFormats[f])
				}
			case "uint64", "int64", "decimal":
				n, ok := v.(json.Number)
				if !ok {
					continue
				}
				var err error
				switch f {
				case "uint64":
					_, err = strconv.ParseUint(string(n), 10, 64)
				case "int64":
					_, err = strconv.ParseInt(string(n), 10, 64)
				default:
					if oaRat(n) == nil {
						err = errors.New("not a decimal")
					}
				}
				if err != nil {
					fail("%s is not a %s", n, f)
				}
			default:
				fail("unsupported format %q", f)
			}
		case "pattern":
			re, err := regexp.Compile(oaStr(kv))
			if err != nil {
				fail("bad pattern %v", kv)
			} else if str, ok := v.(string); ok && !re.MatchString(str) {
				fail("%q does not match %s", str, kv)
			}
		case "minLength", "maxLength":
			if str, ok := v.(string); ok {
				cmp := oaRat(utf8.RuneCountInString(str)).Cmp(oaRat(kv))
				if k == "minLength" && cmp < 0 || k == "maxLength" && cmp > 0 {
					fail("length %d violates %s %v", utf8.RuneCountInString(str), k, kv)
				}
			}
		case "minimum", "maximum":
			if n, ok := v.(json.Number); ok {
				cmp := oaRat(n).Cmp(oaRat(kv))
				if k == "minimum" && cmp < 0 || k == "maximum" && cmp > 0 {
					fail("%s violates %s %v", n, k, kv)
				}
			}
		default:
			if !oaAnnotations[k] && !strings.HasPrefix(k, "x-") {
				fail("unsupported schema keyword %q", k)
			}
		}
	}
	return errs
}

// oaWalkSchema calls fn for s and every subschema below it, with the
// property name that leads to it ("" if none).
func oaWalkSchema(s any, name string, fn func(name string, s map[string]any)) {
	m := oaObj(s)
	if m == nil {
		return
	}
	fn(name, m)
	for p, ps := range oaObj(m["properties"]) {
		oaWalkSchema(ps, p, fn)
	}
	oaWalkSchema(m["items"], name, fn)
	oaWalkSchema(m["additionalProperties"], "", fn)
	for _, k := range []string{"oneOf", "anyOf"} {
		for _, b := range oaArr(m[k]) {
			oaWalkSchema(b, name, fn)
		}
	}
}

// oaWalk calls fn for every object in the document tree.
func oaWalk(v any, at string, fn func(at string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(at, x)
		for k, e := range x {
			oaWalk(e, at+"/"+k, fn)
		}
	case []any:
		for i, e := range x {
			oaWalk(e, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

// ---------------------------------------------------------------- 0. checker

// TestOpenAPISchemaChecker shows that the checker, and the document's
// schemas through it, reject what they must.
func TestOpenAPISchemaChecker(t *testing.T) {
	doc := oaLoad(t)
	atPOS := `{"cbReceiptReference":"T02","cbReceiptMoment":"2025-03-14T12:31:02.000Z","cbChargeItems":[{"Quantity":1,"Description":"Schnitzel","Amount":14.90,"VATRate":10,"ftChargeItemCase":4707422694881099793}],"cbPayItems":[{"Description":"Bar","Amount":14.90,"ftPayItemCase":4707422694881099777}],"ftReceiptCase":4707422694881099777}`
	receiptRef := `{"$ref":"#/components/schemas/ReceiptRequest"}`
	for _, c := range []struct {
		name, schema, value string
		strict, ok          bool
	}{
		{"integer literal", `{"type":"integer"}`, `2`, false, true},
		{"integer refuses a fraction", `{"type":"integer"}`, `2.5`, false, false},
		{"integer refuses 2.0", `{"type":"integer"}`, `2.0`, false, false},
		{"number takes an integer", `{"type":"number"}`, `2`, false, true},
		{"type list with null", `{"type":["number","null"]}`, `null`, false, true},
		{"string is not a number", `{"type":"number"}`, `"4.50"`, false, false},
		{"uint64 max", `{"type":"integer","format":"uint64"}`, `18446744073709551615`, false, true},
		{"uint64 overflow", `{"type":"integer","format":"uint64"}`, `18446744073709551616`, false, false},
		{"uint64 negative", `{"type":"integer","format":"uint64"}`, `-1`, false, false},
		{"exact above 2^53", `{"enum":[4707422694881099777]}`, `4707422694881099776`, false, false},
		{"required", `{"type":"object","required":["a"]}`, `{"b":1}`, false, false},
		{"strict: undocumented property", `{"type":"object","properties":{"a":{}}}`, `{"a":1,"b":2}`, true, false},
		{"lenient: undocumented property", `{"type":"object","properties":{"a":{}}}`, `{"a":1,"b":2}`, false, true},
		{"additionalProperties false", `{"type":"object","properties":{"a":{}},"additionalProperties":false}`, `{"b":2}`, false, false},
		{"items", `{"type":"array","items":{"type":"string"}}`, `["a",1]`, false, false},
		{"maxItems", `{"type":"array","maxItems":1}`, `[1,2]`, false, false},
		{"oneOf needs exactly one", `{"oneOf":[{"type":"integer"},{"type":"number"}]}`, `1`, false, false},
		{"anyOf needs one", `{"anyOf":[{"type":"string"},{"type":"null"}]}`, `1`, false, false},
		{"uuid", `{"type":"string","format":"uuid"}`, `"not-a-uuid"`, false, false},
		{"date-time", `{"type":"string","format":"date-time"}`, `"yesterday"`, false, false},
		{"date-time without offset", `{"type":"string","format":"date-time"}`, `"2025-03-14T12:31:02.5"`, false, true},
		{"date-time with 9 fraction digits", `{"type":"string","format":"date-time"}`, `"2025-03-14T12:31:02.123456789Z"`, false, false},
		{"pattern", `{"type":"string","pattern":"^urn:"}`, `"about:blank"`, false, false},
		{"maxLength counts characters", `{"type":"string","maxLength":2}`, `"äö"`, false, true},
		{"minLength", `{"type":"string","minLength":1}`, `""`, false, false},
		{"minimum", `{"type":"number","minimum":0}`, `-0.01`, false, false},
		{"maximum", `{"type":"integer","maximum":599}`, `600`, false, false},
		{"unknown keyword", `{"minProperties":1}`, `{}`, false, false},
		{"unknown format", `{"format":"email"}`, `"a@b"`, false, false},
		{"doc: AT receipt", receiptRef, atPOS, true, true},
		{"doc: case value as string", receiptRef, strings.Replace(atPOS, `"ftReceiptCase":4707422694881099777`, `"ftReceiptCase":"4707422694881099777"`, 1), false, false},
		{"doc: case value over uint64", receiptRef, strings.Replace(atPOS, `"ftReceiptCase":4707422694881099777`, `"ftReceiptCase":18446744073709551616`, 1), false, false},
		{"doc: amount as string", receiptRef, strings.Replace(atPOS, `"Amount":14.90,"VATRate"`, `"Amount":"14.90","VATRate"`, 1), false, false},
		{"doc: negative VATRate", receiptRef, strings.Replace(atPOS, `"VATRate":10`, `"VATRate":-10`, 1), false, false},
		{"doc: missing cbPayItems", receiptRef, strings.Replace(atPOS, `"cbPayItems"`, `"cbPayItemz"`, 1), false, false},
		{"doc: empty ftPayItemId is absent", receiptRef, strings.Replace(atPOS, `"Description":"Bar"`, `"ftPayItemId":"","Description":"Bar"`, 1), true, true},
		{"doc: problem type must be a fiscald URN", `{"$ref":"#/components/schemas/Problem"}`,
			`{"type":"about:blank","title":"x","status":400,"detail":"","instance":"/v2/sign","errors":[],"correlationId":"X"}`, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := oaDecode([]byte(c.schema))
			if err != nil {
				t.Fatal(err)
			}
			v, err := oaDecode([]byte(c.value))
			if err != nil {
				t.Fatal(err)
			}
			errs := (&oaChecker{doc: doc, strict: c.strict}).check(s, v, "$")
			if (len(errs) == 0) != c.ok {
				t.Errorf("valid = %v, want %v (%v)", len(errs) == 0, c.ok, errs)
			}
		})
	}
}

// ---------------------------------------------------------------- 1. document

func TestOpenAPIDocument(t *testing.T) {
	doc := oaLoad(t)
	e := newEnv(t, envOptions{})
	for _, c := range []struct {
		name  string
		check func(t *testing.T)
	}{
		{"served document equals the embedded one", func(t *testing.T) {
			for _, p := range []string{"/v2/openapi.json", "/v2/openapi.json/"} {
				r := e.do("GET", p, nil, nil)
				if r.Status != 200 || !bytes.Equal(r.Body, httpapi.OpenAPI()) {
					t.Errorf("GET %s: %d, body equal to OpenAPI(): %v", p, r.Status, bytes.Equal(r.Body, httpapi.OpenAPI()))
				}
				if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
					t.Errorf("GET %s: Content-Type %q", p, r.Header.Get("Content-Type"))
				}
			}
		}},
		{"OpenAPI 3.1.0, API version 2.1.0", func(t *testing.T) {
			if v := doc.root["openapi"]; v != "3.1.0" {
				t.Errorf("openapi = %v, want 3.1.0", v)
			}
			if v := oaObj(doc.root["info"])["version"]; v != "2.1.0" || httpapi.APIVersion != "2.1.0" {
				t.Errorf("info.version = %v, APIVersion = %s, want 2.1.0", v, httpapi.APIVersion)
			}
		}},
		{"pretty-printed with two spaces", func(t *testing.T) {
			var compact, pretty bytes.Buffer
			if err := json.Compact(&compact, httpapi.OpenAPI()); err != nil {
				t.Fatal(err)
			}
			json.Indent(&pretty, compact.Bytes(), "", "  ")
			pretty.WriteByte('\n')
			if !bytes.Equal(pretty.Bytes(), httpapi.OpenAPI()) {
				t.Error("openapi.json is not formatted as json.Indent(doc, \"\", \"  \") plus a final newline")
			}
		}},
		{"no duplicate keys", func(t *testing.T) {
			if err := oaNoDuplicates(json.NewDecoder(bytes.NewReader(httpapi.OpenAPI())), "$"); err != nil {
				t.Error(err)
			}
		}},
		{"every $ref resolves", func(t *testing.T) {
			oaWalk(doc.root, "#", func(at string, m map[string]any) {
				if ref, ok := m["$ref"].(string); ok {
					if _, err := doc.resolve(ref); err != nil {
						t.Errorf("%s: %v", at, err)
					}
				}
			})
		}},
		{"schemas use only supported keywords", func(t *testing.T) {
			known := map[string]bool{"$ref": true, "type": true, "enum": true, "required": true, "properties": true, "additionalProperties": true,
				"items": true, "maxItems": true, "oneOf": true, "anyOf": true, "format": true, "pattern": true, "minLength": true,
				"maxLength": true, "minimum": true, "maximum": true}
			for name, s := range oaObj(oaObj(doc.root["components"])["schemas"]) {
				oaWalkSchema(s, name, func(prop string, m map[string]any) {
					for k := range m {
						if !known[k] && !oaAnnotations[k] && !strings.HasPrefix(k, "x-") {
							t.Errorf("schema %s (%s): keyword %q is outside the checked subset", name, prop, k)
						}
					}
				})
			}
		}},
		{"pay request enumerations are those of the decoder", func(t *testing.T) {
			props := oaObj(doc.schema("PayRequest")["properties"])
			want := map[string][]string{
				"Action":   {wire.ActionPayment, wire.ActionRefund, wire.ActionCancel, wire.ActionPreAuthorization},
				"Protocol": wire.PayProtocolNames,
			}
			for name, values := range want {
				var got []string
				for _, v := range oaArr(oaObj(props[name])["enum"]) {
					got = append(got, oaStr(v))
				}
				if !slices.Equal(got, values) {
					t.Errorf("PayRequest.%s enum %v, the decoder accepts %v", name, got, values)
				}
			}
		}},
		{"pay documents every outcome of the payment service", func(t *testing.T) {
			o := doc.operation("POST", "/v2/pay")
			if o == nil {
				t.Fatal("POST /v2/pay is not documented")
			}
			responses := oaObj(o.op["responses"])
			ok := doc.deref(responses["200"])
			if ref := oaObj(oaObj(oaObj(ok["content"])["application/json"])["schema"])["$ref"]; ref != "#/components/schemas/PayResponse" {
				t.Errorf("200: schema %v, want PayResponse", ref)
			}
			// The problems /v2/pay answers with (fiscal/payment, handler
			// pay), by status; every payment-* type belongs here too.
			want := map[int][]string{
				400: {"validation-error", "malformed-json", "invalid-header"},
				422: {"unsupported-value"},
				501: {"not-implemented"},
				503: {"storage-unavailable"},
			}
			for _, k := range httpapi.ProblemTypes() {
				if strings.HasPrefix(k.Suffix, "payment-") {
					want[k.Status] = append(want[k.Status], k.Suffix)
				}
			}
			for status, suffixes := range want {
				resp := doc.deref(responses[strconv.Itoa(status)])
				if resp == nil {
					t.Errorf("status %d is not documented", status)
					continue
				}
				for _, sfx := range suffixes {
					if !slices.Contains(oaURN.FindAllString(oaStr(resp["description"]), -1), "urn:fiscald:problem:"+sfx) {
						t.Errorf("%d: the description does not name %s", status, sfx)
					}
				}
				if status == 503 && oaObj(resp["headers"])["Retry-After"] == nil {
					t.Error("503: Retry-After is not documented")
				}
			}
		}},
		{"issue enumerations are those of the decoder and the service", func(t *testing.T) {
			enum := func(schema, prop string) []string {
				var out []string
				for _, v := range oaArr(oaObj(oaObj(doc.schema(schema)["properties"])[prop])["enum"]) {
					if v != nil { // null: absent
						out = append(out, oaStr(v))
					}
				}
				return out
			}
			for _, c := range []struct {
				schema, prop string
				want         []string
			}{
				{"IssueOptions", "Channel", []string{wire.ChannelURL, wire.ChannelPrint, wire.ChannelEmail}},
				{"DeliveryStatus", "DeliveryMethod", []string{issue.MethodPrint, issue.MethodEmail, issue.MethodURL}},
				{"PrintJob", "State", []string{device.PrintPrinted.String(), device.PrintPending.String(), device.PrintFailed.String()}},
			} {
				if got := enum(c.schema, c.prop); !slices.Equal(got, c.want) {
					t.Errorf("%s.%s enum %v, fiscald has %v", c.schema, c.prop, got, c.want)
				}
			}
			// The delivered message is the service's (§9).
			msg := regexp.MustCompile(oaStr(oaObj(oaObj(doc.schema("DeliveryStatus")["properties"])["message"])["pattern"]))
			for _, m := range []string{issue.MethodPrint, issue.MethodEmail, issue.MethodURL} {
				if got := (issue.Delivery{DeliveredAt: time.Now(), Method: m}).Message(); !msg.MatchString(got) {
					t.Errorf("message %q does not match DeliveryStatus.message %s", got, msg)
				}
			}
		}},
		{"issue documents every outcome", func(t *testing.T) {
			for _, c := range []struct {
				method, path string
				status       int
				schema       string   // the $ref of the JSON body ("" : none)
				problems     []string // problem types the description names
			}{
				{"POST", "/v2/issue", 200, "IssueResponse", nil},
				{"POST", "/v2/issue", 400, "", []string{"invalid-header", "malformed-json", "validation-error"}},
				{"POST", "/v2/issue", 422, "", []string{"validation-error", "unsupported-value"}},
				{"POST", "/v2/issue", 501, "", []string{"not-implemented"}},
				{"POST", "/v2/issue", 503, "", []string{"storage-unavailable"}},
				{"GET", "/v2/issue/{ftQueueID}/{ftQueueItemID}/delivered", 200, "DeliveryStatus", nil},
				{"GET", "/v2/issue/{ftQueueID}/{ftQueueItemID}/delivered", 204, "", nil},
				{"GET", "/v2/issue/{ftQueueID}/{ftQueueItemID}/delivered", 404, "", []string{"not-found"}},
				{"GET", "/v2/issue/{ftQueueID}/{ftQueueItemID}/delivered", 501, "", []string{"not-implemented"}},
				{"GET", "/receipt/{ftQueueItemID}/{token}", 404, "", []string{"not-found"}},
			} {
				o := doc.operation(c.method, c.path)
				if o == nil {
					t.Errorf("%s %s is not documented", c.method, c.path)
					continue
				}
				resp := doc.deref(oaObj(o.op["responses"])[strconv.Itoa(c.status)])
				if resp == nil {
					t.Errorf("%s %s: status %d is not documented", c.method, c.path, c.status)
					continue
				}
				content := oaObj(resp["content"])
				switch {
				case c.schema != "":
					if ref := oaObj(oaObj(content["application/json"])["schema"])["$ref"]; ref != "#/components/schemas/"+c.schema {
						t.Errorf("%s %s %d: schema %v, want %s", c.method, c.path, c.status, ref, c.schema)
					}
				case c.status == 204 && len(content) != 0:
					t.Errorf("%s %s 204 documents a body", c.method, c.path)
				}
				for _, sfx := range c.problems {
					if !slices.Contains(oaURN.FindAllString(oaStr(resp["description"]), -1), "urn:fiscald:problem:"+sfx) {
						t.Errorf("%s %s %d: the description does not name %s", c.method, c.path, c.status, sfx)
					}
				}
			}
			// The receipt page: HTML or PNG, no CashBox headers.
			o := doc.operation("GET", "/receipt/{ftQueueItemID}/{token}")
			if o == nil {
				t.Fatal("the receipt page is not documented")
			}
			if ct := oaObj(doc.deref(oaObj(o.op["responses"])["200"])["content"]); ct["text/html"] == nil || ct["image/png"] == nil {
				t.Errorf("receipt page 200: content %v, want text/html and image/png", slices.Sorted(maps.Keys(ct)))
			}
		}},
		{"conventions: case values, decimals, moments, ids", func(t *testing.T) {
			caseNames := []string{"ftReceiptCase", "ftChargeItemCase", "ftPayItemCase", "ftState", "ftJournalType", "ftSignatureFormat", "ftSignatureType", "State"}
			decimals := []string{"Amount", "Quantity", "VATRate", "VATAmount", "UnitPrice", "UnitQuantity", "Position", "cbReceiptAmount"}
			moments := []string{"cbReceiptMoment", "ftReceiptMoment", "Moment", "ServerMoment", "ftQueueMoment", "DeliveredAt"}
			ids := []string{"ftQueueID", "ftQueueItemID", "ftCashBoxID", "ftPosSystemId", "posSystemId", "ftChargeItemId", "ftPayItemId", "ftSignatureItemId", "ftActionJournalID"}
			seen := map[string]bool{}
			types := func(m map[string]any) []any {
				if a, ok := m["type"].([]any); ok {
					return a
				}
				return []any{m["type"]}
			}
			hasUUID := func(m map[string]any) bool {
				if r, ok := m["$ref"].(string); ok {
					x, _ := doc.resolve(r)
					m = oaObj(x)
				}
				return m["format"] == "uuid" || slices.ContainsFunc(oaArr(m["anyOf"]), func(b any) bool { return oaObj(b)["format"] == "uuid" })
			}
			for name, s := range oaObj(oaObj(doc.root["components"])["schemas"]) {
				oaWalkSchema(s, name, func(prop string, m map[string]any) {
					where := name + "." + prop
					switch {
					case m["format"] == "uint64" && (!slices.Contains(types(m), any("integer")) || !strings.Contains(oaStr(m["description"]), "2^53")):
						t.Errorf("%s: a uint64 must be type integer with a description warning about 2^53", where)
					case slices.Contains(caseNames, prop) && m["format"] != "uint64" &&
						where != "SignerInfo.State" && where != "PrintJob.State": // "up" | "failed" (issue 4's contract); "printed" | "pending" | "failed" (§9)
						t.Errorf("%s: case value without format uint64", where)
					case slices.Contains(decimals, prop) && (!slices.Contains(types(m), any("number")) || slices.Contains(types(m), any("integer"))):
						t.Errorf("%s: decimal must be type number", where)
					case slices.Contains(moments, prop) && (m["format"] != "date-time" || !slices.Contains(types(m), any("string"))):
						t.Errorf("%s: moment must be a date-time string", where)
					case slices.Contains(ids, prop) && !hasUUID(m):
						t.Errorf("%s: id must be format uuid", where)
					}
					seen[prop] = true
				})
			}
			for _, n := range slices.Concat(caseNames, decimals, moments, ids) {
				if !seen[n] {
					t.Errorf("property %s appears in no schema", n)
				}
			}
		}},
	} {
		t.Run(c.name, c.check)
	}
}

// oaNoDuplicates reads one JSON value and reports a repeated object key.
func oaNoDuplicates(d *json.Decoder, at string) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		keys := map[string]bool{}
		for d.More() {
			k, _ := d.Token()
			key := fmt.Sprint(k)
			if keys[key] {
				return fmt.Errorf("%s: duplicate key %q", at, key)
			}
			keys[key] = true
			if err := oaNoDuplicates(d, at+"."+key); err != nil {
				return err
			}
		}
		_, err = d.Token()
	case json.Delim('['):
		for i := 0; d.More(); i++ {
			if err := oaNoDuplicates(d, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		_, err = d.Token()
	}
	return err
}

// ---------------------------------------------------------------- 2. routes

// oaServices are the optional services an operation may require
// (x-requires-service): without the service its routes do not exist.
var oaServices = map[string]bool{"issue": true}

func TestOpenAPIRoutes(t *testing.T) {
	doc := oaLoad(t)
	documented := map[string]oaOp{}
	for _, o := range doc.operations() {
		documented[o.method+" "+oaTemplate(o.path)] = o
	}
	const self = "GET /v2/openapi.json"
	requires := func(o oaOp) string { return oaStr(o.op["x-requires-service"]) }

	// The routes of a server without optional services (as the harness
	// runs) and of one with every optional service (as the daemon runs).
	ie := newEnv(t, envOptions{issue: &issueOptions{}})
	servers := []struct {
		name     string
		services map[string]bool
		srv      *httpapi.Server
	}{
		{"without optional services", map[string]bool{}, httpapi.New(httpapi.Options{Gatherer: prometheus.NewRegistry()})},
		{"with the issue service", map[string]bool{"issue": true},
			httpapi.New(httpapi.Options{Service: ie.svc, Issues: ie.issues, Gatherer: prometheus.NewRegistry()})},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			routes := map[string]bool{} // "METHOD template" with trailing slash kept
			for _, r := range s.srv.Routes() {
				routes[r.Method+" "+oaTemplate(r.Path)] = true
			}
			for _, r := range s.srv.Routes() {
				t.Run("route "+r.Method+" "+r.Path, func(t *testing.T) {
					p := oaTemplate(r.Path)
					if len(p) > 1 {
						p = strings.TrimSuffix(p, "/")
					}
					key := r.Method + " " + p
					o, ok := documented[key]
					switch {
					case p == "/metrics":
						if !strings.Contains(oaStr(oaObj(doc.root["info"])["description"]), "/metrics") {
							t.Error("/metrics is served but the description does not say it is outside the API")
						}
						return
					case strings.HasPrefix(p, "/v2/"):
						if !ok {
							t.Errorf("route %s %s is not in the document", r.Method, r.Path)
						}
					case ok: // documented outside /v2 (the receipt pages)
					default: // unversioned alias
						key = r.Method + " /v2" + p
						if o, ok = documented[key]; !ok || key == self {
							t.Errorf("route %s %s is not an alias of a documented /v2 operation", r.Method, r.Path)
						}
					}
					if svc := requires(o); ok && svc != "" && !s.services[svc] {
						t.Errorf("route %s %s exists without the %s service that %s requires", r.Method, r.Path, svc, key)
					}
				})
			}
			for key, o := range documented {
				t.Run("operation "+key, func(t *testing.T) {
					method, p, _ := strings.Cut(key, " ")
					want := []string{p, p + "/"}
					if key != self && strings.HasPrefix(p, "/v2/") {
						want = append(want, strings.TrimPrefix(p, "/v2"), strings.TrimPrefix(p, "/v2")+"/")
					}
					svc := requires(o)
					registered := svc == "" || s.services[svc]
					for _, w := range want {
						switch got := routes[method+" "+w]; {
						case registered && !got:
							t.Errorf("%s %s (documented, or its alias) is not a route", method, w)
						case !registered && got:
							t.Errorf("%s %s is a route without the %s service it requires", method, w, svc)
						}
					}
				})
			}
		})
	}

	for key, o := range documented {
		t.Run("parameters "+key, func(t *testing.T) {
			method, p, _ := strings.Cut(key, " ")
			if svc := requires(o); svc != "" && !oaServices[svc] {
				t.Errorf("x-requires-service %q is not an optional service of httpapi.Options", svc)
			}
			// Parameters: path parameters declared, the API headers reusable,
			// required where the server checks them and only there.
			params := map[string]map[string]any{}
			for _, raw := range oaArr(o.op["parameters"]) {
				prm := doc.deref(raw)
				params[oaStr(prm["in"])+" "+oaStr(prm["name"])] = prm
				if oaStr(prm["in"]) == "header" && !strings.HasPrefix(oaStr(oaObj(raw)["$ref"]), "#/components/parameters/") {
					t.Errorf("header %s is not a $ref to components.parameters", prm["name"])
				}
			}
			for _, seg := range strings.Split(o.path, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok {
					if prm := params["path "+strings.TrimSuffix(name, "}")]; prm == nil || prm["required"] != true {
						t.Errorf("path parameter %s is not declared as required", seg)
					}
				}
			}
			all := []string{"x-cashbox-id", "x-cashbox-accesstoken", "x-possystem-id", "x-operation-id"}
			var required []string
			switch {
			case key == self || !strings.HasPrefix(p, "/v2/"):
				// This document and the receipt pages open without headers.
			case method == "POST":
				required = all
			default:
				// A safe GET of the API (GET …/delivered, spec §3.4): the
				// CashBox credentials only, no operation id.
				required = all[:2]
			}
			for _, h := range all {
				prm := params["header "+h]
				switch {
				case slices.Contains(required, h) && (prm == nil || prm["required"] != true):
					t.Errorf("header %s is not a required parameter", h)
				case !slices.Contains(required, h) && prm != nil:
					t.Errorf("header %s is a parameter, but %s does not check it", h, key)
				}
			}
		})
	}
}

// ---------------------------------------------------------------- 3. problem types

func TestOpenAPIProblemTypes(t *testing.T) {
	doc := oaLoad(t)
	documented := doc.problemTypes()
	if len(documented) != len(oaArr(doc.root["x-problem-types"])) {
		t.Error("x-problem-types lists a type twice")
	}
	want := map[string]bool{}
	for _, k := range httpapi.ProblemTypes() {
		urn := "urn:fiscald:problem:" + k.Suffix
		want[urn] = true
		p := documented[urn]
		switch {
		case p == nil:
			t.Errorf("%s (%d %q) is missing from x-problem-types", urn, k.Status, k.Title)
		case fmt.Sprint(p["status"]) != strconv.Itoa(k.Status) || p["title"] != k.Title:
			t.Errorf("%s: documented %v %q, ProblemTypes() says %d %q", urn, p["status"], p["title"], k.Status, k.Title)
		case oaStr(p["description"]) == "":
			t.Errorf("%s: no description", urn)
		}
	}
	for urn := range documented {
		if !want[urn] {
			t.Errorf("x-problem-types lists %s, which ProblemTypes() does not have", urn)
		}
	}

	// A type answered with another status by some operations (spec §9's
	// "422 validation-error" of /v2/issue) says so in x-additional-statuses,
	// and those operations document that status naming the type. The live
	// test checks that the server answers with no other combination.
	for urn, p := range documented {
		for i, raw := range oaArr(p["x-additional-statuses"]) {
			a, where := oaObj(raw), fmt.Sprintf("%s x-additional-statuses[%d]", urn, i)
			status, err := strconv.Atoi(fmt.Sprint(a["status"]))
			if err != nil || status < 400 || status > 599 || fmt.Sprint(a["status"]) == fmt.Sprint(p["status"]) {
				t.Errorf("%s: status %v is not another 4xx/5xx status than %v", where, a["status"], p["status"])
			}
			if oaStr(a["description"]) == "" {
				t.Errorf("%s: no description", where)
			}
			if len(oaArr(a["operations"])) == 0 {
				t.Errorf("%s: names no operation", where)
			}
			for _, op := range oaArr(a["operations"]) {
				method, path, _ := strings.Cut(oaStr(op), " ")
				o := doc.operation(method, path)
				if o == nil || o.key() != op {
					t.Errorf("%s: %v is not a documented operation", where, op)
					continue
				}
				resp := doc.deref(oaObj(o.op["responses"])[strconv.Itoa(status)])
				if !slices.Contains(oaURN.FindAllString(oaStr(resp["description"]), -1), urn) {
					t.Errorf("%s: %v does not document status %d naming %s", where, op, status, urn)
				}
			}
		}
	}

	// Error responses: problem+json, URNs referenced, headers. op is the
	// operation ("POST /v2/issue"), "*" for components.responses.
	referenced := map[string]bool{}
	checkResponse := func(where, op string, status int, resp map[string]any) {
		for _, h := range []string{"x-api-version", "x-correlation-id"} {
			if oaObj(resp["headers"])[h] == nil {
				t.Errorf("%s: response header %s is not documented", where, h)
			}
		}
		if status != 0 && status < 400 {
			return
		}
		mt := oaObj(oaObj(resp["content"])["application/problem+json"])
		if len(oaObj(resp["content"])) != 1 || oaStr(oaObj(mt["schema"])["$ref"]) != "#/components/schemas/Problem" {
			t.Errorf("%s: content is not only application/problem+json with the Problem schema", where)
		}
		found := oaURN.FindAllString(oaStr(resp["description"]), -1)
		if len(found) == 0 {
			t.Errorf("%s: the description references no problem type", where)
		}
		// The statuses every referenced type can be answered with here.
		var common []string
		first := true
		for _, urn := range found {
			referenced[urn] = true
			if documented[urn] == nil {
				t.Errorf("%s: references %s, which is not in x-problem-types", where, urn)
				continue
			}
			statuses := doc.problemStatuses(urn, op)
			if status != 0 && !slices.Contains(statuses, strconv.Itoa(status)) {
				t.Errorf("%s: references %s, which has status %v", where, urn, statuses)
			}
			if first {
				common, first = statuses, false
			}
			common = slices.DeleteFunc(common, func(s string) bool { return !slices.Contains(statuses, s) })
		}
		if !first && len(common) == 0 {
			t.Errorf("%s: references problem types of several statuses", where)
		}
	}
	for name, raw := range oaObj(oaObj(doc.root["components"])["responses"]) {
		checkResponse("components.responses."+name, "*", 0, doc.deref(raw))
	}
	for _, o := range doc.operations() {
		for code, raw := range oaObj(o.op["responses"]) {
			status, err := strconv.Atoi(code)
			if err != nil {
				t.Errorf("%s %s: response %q is not a status code", o.method, o.path, code)
				continue
			}
			resp := doc.deref(raw)
			if resp == nil {
				t.Errorf("%s %s %s: response does not resolve", o.method, o.path, code)
				continue
			}
			checkResponse(o.key()+" "+code, o.key(), status, resp)
		}
	}
	for urn := range documented {
		if !referenced[urn] {
			t.Errorf("%s is referenced by no response description", urn)
		}
	}
}

// ---------------------------------------------------------------- 4a. examples

func TestOpenAPIExamples(t *testing.T) {
	doc := oaLoad(t)
	c := &oaChecker{doc: doc, strict: true}
	n := 0
	oaWalk(doc.root, "#", func(at string, m map[string]any) {
		if _, ok := m["example"]; ok && m["schema"] != nil {
			t.Errorf("%s: use examples, not example", at)
		}
		exs, ok := m["examples"].(map[string]any)
		if !ok || m["schema"] == nil {
			return
		}
		for name, ex := range exs {
			value, ok := oaObj(ex)["value"]
			if !ok {
				t.Errorf("%s/examples/%s: no value", at, name)
				continue
			}
			n++
			for _, err := range c.check(m["schema"], value, at+"/examples/"+name) {
				t.Error(err)
			}
		}
	})
	if n < 30 {
		t.Errorf("only %d examples checked", n)
	}

	examples := func(path, where string) []any {
		op := oaObj(oaObj(oaObj(doc.root["paths"])[path])["post"])
		var mt map[string]any
		if where == "request" {
			mt = oaObj(oaObj(oaObj(op["requestBody"])["content"])["application/json"])
		} else {
			mt = oaObj(oaObj(doc.deref(oaObj(op["responses"])[where])["content"])["application/json"])
		}
		var out []any
		for _, ex := range oaObj(mt["examples"]) {
			out = append(out, oaObj(ex)["value"])
		}
		return out
	}
	field := func(v any, name string) string { return fmt.Sprint(oaObj(v)[name]) }

	t.Run("sign examples: POS receipt, initial operation, zero receipt, daily closing", func(t *testing.T) {
		cases := map[uint64]bool{}
		for _, v := range examples("/v2/sign", "request") {
			rc, _ := strconv.ParseUint(field(v, "ftReceiptCase"), 10, 64)
			cases[rc&0xFFFF] = true
		}
		for _, want := range []uint64{0x0001, 0x4001, 0x2000, 0x2011} {
			if !cases[want] {
				t.Errorf("no /v2/sign request example with receipt case 0x%04X", want)
			}
		}
	})
	t.Run("journal examples: types 1, 2, 3 and AT DEP7", func(t *testing.T) {
		types := map[string]bool{}
		for _, v := range examples("/v2/journal", "request") {
			types[field(v, "ftJournalType")] = true
		}
		for _, want := range []string{"1", "2", "3", "4707387510509010945"} {
			if !types[want] {
				t.Errorf("no /v2/journal request example with ftJournalType %s", want)
			}
		}
	})
	t.Run("pay examples: decoded as fiscald decodes them, items as §8.1 and §8.5 describe them", func(t *testing.T) {
		actions := map[string]bool{}
		for _, v := range examples("/v2/pay", "request") {
			body, _ := json.Marshal(v) // json.Number keeps the literals
			doc, err := wire.Parse(body)
			if err != nil {
				t.Errorf("request example %s: %v", body, err)
				continue
			}
			req, err := wire.DecodePayRequest(doc)
			if err != nil {
				t.Errorf("request example %s: %v", body, err)
				continue
			}
			actions[req.Action] = true
			neg := strings.HasPrefix(req.PayItem.Amount.String(), "-")
			if req.Action != wire.ActionPayment && (req.PayItem.ID == "" || !neg) || req.Action == wire.ActionPayment && neg {
				t.Errorf("request example %s: a refund or cancel names the payment's ftPayItemId with a negative Amount, a payment has a positive one", body)
			}
		}
		for _, a := range []string{wire.ActionPayment, wire.ActionRefund, wire.ActionCancel} {
			if !actions[a] {
				t.Errorf("no /v2/pay request example with Action %s", a)
			}
		}
		const electronic, iface, tip = 0x80_0000, 0x100_0000, 0x40_0000
		tipped := false
		for _, v := range examples("/v2/pay", "200") {
			var sum, requested *big.Rat
			items := oaArr(oaObj(v)["ftPayItems"])
			for i, it := range items {
				c, _ := strconv.ParseUint(field(it, "ftPayItemCase"), 10, 64)
				prov := oaObj(oaObj(oaObj(it)["ftPayItemCaseData"])["Provider"])
				if c&(electronic|iface) != electronic|iface {
					t.Errorf("pay item case %#x lacks the electronic or interface flag", c)
				}
				if isTip := c&tip != 0; isTip != (i == 1) {
					t.Errorf("pay item %d of %d: tip flag %v; only the second item of a payment is the tip item", i, len(items), isTip)
				}
				if i == 0 && field(it, "ftPayItemId") != fmt.Sprint(prov["PaymentId"]) {
					t.Errorf("ftPayItemId %s differs from Provider.PaymentId %v", field(it, "ftPayItemId"), prov["PaymentId"])
				}
				if sum == nil {
					sum, requested = new(big.Rat), oaRat(prov["RequestedAmount"])
				}
				sum.Add(sum, oaRat(oaObj(it)["Amount"]))
			}
			if len(items) == 2 {
				tipped = true
				if sum.Cmp(requested) != 0 {
					t.Errorf("card and tip item sum to %s, not to the requested %s", sum.FloatString(2), requested.FloatString(2))
				}
			}
		}
		if !tipped {
			t.Error("no /v2/pay response example with a tip item")
		}
	})
	t.Run("echo example", func(t *testing.T) {
		if len(examples("/v2/echo", "request")) == 0 || len(examples("/v2/echo", "200")) == 0 {
			t.Error("/v2/echo has no request or response example")
		}
	})
	t.Run("spec §12.2 Austrian POS receipt", func(t *testing.T) {
		spec, err := os.ReadFile(fixtures.Shared(t, "spec", "pos-system-api-v2.md"))
		if err != nil {
			t.Fatal(err)
		}
		_, sec, ok := strings.Cut(string(spec), "### 12.2")
		if !ok {
			t.Fatal("spec has no §12.2")
		}
		for _, where := range []string{"request", "200"} {
			_, block, ok := strings.Cut(sec, "```json\n")
			block, sec, _ = strings.Cut(block, "```")
			want, err := oaDecode([]byte(block))
			if !ok || err != nil {
				t.Fatalf("§12.2 %s block: %v", where, err)
			}
			if !slices.ContainsFunc(examples("/v2/sign", where), func(v any) bool { return reflect.DeepEqual(v, want) }) {
				t.Errorf("no /v2/sign %s example equals the one of spec §12.2", where)
			}
		}
	})
}

// ---------------------------------------------------------------- 4b. fixtures

// oaFixtureEndpoint maps a published request to its endpoint (spec §12.1).
func oaFixtureEndpoint(name string) string {
	switch {
	case strings.Contains(name, "Echo"):
		return "/v2/echo"
	case strings.Contains(name, "receipt"):
		return "/v2/sign"
	case strings.Contains(name, "Export"):
		return "/v2/journal"
	}
	return ""
}

func oaFixtures(t *testing.T) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(fixtures.Path(t, "api-v2"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")
	out := map[string][]byte{}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		data, err := os.ReadFile(fixtures.Path(t, "api-v2", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = bytes.ReplaceAll(data, []byte("{{current_moment}}"), []byte(now))
	}
	return out
}

func TestOpenAPIFixtures(t *testing.T) {
	doc := oaLoad(t)
	c := &oaChecker{doc: doc}
	per := map[string]int{}
	for name, data := range oaFixtures(t) {
		t.Run(name, func(t *testing.T) {
			ep := oaFixtureEndpoint(name)
			if ep == "" {
				t.Fatal("fixture maps to no endpoint")
			}
			per[ep]++
			v, err := oaDecode(data)
			if err != nil {
				t.Fatal(err)
			}
			o := doc.operation("POST", ep)
			if o == nil {
				t.Fatalf("POST %s is not documented", ep)
			}
			schema := oaObj(oaObj(oaObj(o.op["requestBody"])["content"])["application/json"])["schema"]
			for _, err := range c.check(schema, v, name) {
				t.Error(err)
			}
		})
	}
	for _, ep := range []string{"/v2/echo", "/v2/sign", "/v2/journal"} {
		if per[ep] == 0 {
			t.Errorf("no fixture for %s", ep)
		}
	}
}

// ---------------------------------------------------------------- 4c. live responses

// oaCheckLive validates a live answer against the document: the status is
// documented for the operation (404 and 405 against components.responses),
// the media type is the documented one, the body validates strictly (a JSON
// body against its schema, an HTML page as UTF-8 HTML that loads nothing
// from elsewhere, a PNG as a PNG), the required headers are there and
// valid, and a problem's type is listed in x-problem-types with its status
// (or an additional status for the operation) and title and referenced by
// the response's description.
func oaCheckLive(t *testing.T, doc *oaDoc, method, path string, r resp) {
	t.Helper()
	var resp map[string]any
	op := ""
	if o := doc.operation(method, path); o != nil {
		op = o.key()
		resp = doc.deref(oaObj(o.op["responses"])[strconv.Itoa(r.Status)])
		if resp == nil {
			t.Errorf("%s %s: status %d is not documented: %s", method, path, r.Status, r.Body)
			return
		}
	} else {
		name := map[int]string{404: "NotFound", 405: "MethodNotAllowed"}[r.Status]
		if resp = doc.deref(oaObj(oaObj(doc.root["components"])["responses"])[name]); resp == nil {
			t.Errorf("%s %s: no documented operation and no component for status %d", method, path, r.Status)
			return
		}
	}
	c := &oaChecker{doc: doc, strict: true}
	for name, raw := range oaObj(resp["headers"]) {
		h := doc.deref(raw)
		v := r.Header.Get(name)
		if v == "" {
			if h["required"] == true {
				t.Errorf("%s %s %d: required response header %s is missing", method, path, r.Status, name)
			}
			continue
		}
		for _, err := range c.check(h["schema"], v, "header "+name) {
			t.Error(err)
		}
	}
	if v := r.Header.Get("x-api-version"); v != oaObj(doc.root["info"])["version"] {
		t.Errorf("x-api-version %q", v)
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	media := oaObj(oaObj(resp["content"])[mt])
	if media == nil {
		if len(oaObj(resp["content"])) > 0 || len(r.Body) > 0 {
			t.Errorf("%s %s %d: media type %q is not documented", method, path, r.Status, mt)
		}
		return
	}
	switch mt {
	case "application/json", "application/problem+json":
	case "text/html":
		if params["charset"] != "utf-8" {
			t.Errorf("%s %s %d: Content-Type %q has no charset=utf-8", method, path, r.Status, r.Header.Get("Content-Type"))
		}
		if !utf8.Valid(r.Body) || !bytes.HasPrefix(bytes.ToLower(r.Body), []byte("<!doctype html")) {
			t.Errorf("%s %s %d: not an HTML document in UTF-8: %.100q", method, path, r.Status, r.Body)
		}
		for _, m := range oaExternal.FindAllSubmatch(r.Body, -1) {
			if !bytes.HasPrefix(m[2], []byte("data:")) && !bytes.HasPrefix(m[2], []byte("#")) {
				t.Errorf("%s %s %d: the page is not self-contained: %s", method, path, r.Status, m[0])
			}
		}
		if m := oaExternalCSS.Find(r.Body); m != nil {
			t.Errorf("%s %s %d: the page is not self-contained: %s", method, path, r.Status, m)
		}
		if media["schema"] != nil {
			for _, err := range c.check(media["schema"], string(r.Body), "body") {
				t.Errorf("%s %s %d: %s", method, path, r.Status, err)
			}
		}
		return
	case "image/png":
		if _, err := png.DecodeConfig(bytes.NewReader(r.Body)); err != nil {
			t.Errorf("%s %s %d: not a PNG: %v", method, path, r.Status, err)
		}
		return
	default:
		t.Errorf("%s %s %d: the test cannot check a %s body", method, path, r.Status, mt)
		return
	}
	if params["charset"] != "utf-8" {
		t.Errorf("%s %s %d: Content-Type %q has no charset=utf-8", method, path, r.Status, r.Header.Get("Content-Type"))
	}
	body, err := oaDecode(r.Body)
	if err != nil {
		t.Errorf("%s %s %d: body is not JSON: %v", method, path, r.Status, err)
		return
	}
	for _, err := range c.check(media["schema"], body, "body") {
		t.Errorf("%s %s %d: %s", method, path, r.Status, err)
	}
	if mt == "application/problem+json" {
		p := oaObj(body)
		urn := oaStr(p["type"])
		pt := doc.problemTypes()[urn]
		switch {
		case pt == nil:
			t.Errorf("problem type %s is not in x-problem-types", urn)
		case !slices.Contains(doc.problemStatuses(urn, op), strconv.Itoa(r.Status)) || pt["title"] != p["title"]:
			t.Errorf("problem %s: answered %d %q by %q, documented %v %q", urn, r.Status, p["title"], op, doc.problemStatuses(urn, op), pt["title"])
		}
		if !slices.Contains(oaURN.FindAllString(oaStr(resp["description"]), -1), urn) {
			t.Errorf("%s %s %d: %s is not named in the response description %q", method, path, r.Status, urn, resp["description"])
		}
		// A replay repeats the stored bytes, with the correlation id of
		// the request that produced them.
		if p["correlationId"] != r.Header.Get("x-correlation-id") && r.Header.Get("x-idempotent-replay") != "true" {
			t.Errorf("correlationId %v differs from x-correlation-id %q", p["correlationId"], r.Header.Get("x-correlation-id"))
		}
	}
}

// oaExternal finds the attributes of an HTML page that load or link a URL,
// oaExternalCSS the style rules that load one.
var (
	oaExternal    = regexp.MustCompile(`(?i)\b(src|href|action|srcset)\s*=\s*["']?([^"'\s>]*)`)
	oaExternalCSS = regexp.MustCompile(`(?i)@import|url\(\s*["']?[a-z]*:?//`)
)

// oaJournalBranch returns the JournalResponse branch documented for a type.
func oaJournalBranch(doc *oaDoc, jt string) map[string]any {
	for _, b := range oaArr(doc.schema("JournalResponse")["anyOf"]) {
		s, _ := doc.resolve(oaStr(oaObj(b)["$ref"]))
		if slices.ContainsFunc(oaArr(oaObj(s)["x-ftJournalType"]), func(x any) bool { return fmt.Sprint(x) == jt }) {
			return oaObj(s)
		}
	}
	return nil
}

func TestOpenAPILiveResponses(t *testing.T) {
	doc := oaLoad(t)
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	noOffset := `{"cbReceiptReference":"no-offset","cbReceiptMoment":"` + time.Now().UTC().Format("2006-01-02T15:04:05.000") + `",` +
		sale("7.80", "14.90") + `,"ftReceiptCase":` + u(casePOS) + `}`
	withHeaders := func(op string, set map[string]string) map[string]string {
		h := b.headers(op)
		for k, v := range set {
			if v == "" {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	const deReceipt = uint64(0x4445_2000_0000_0001)
	posReceipt := `{"cbTerminalID":"T02",` + receipt("T02-1", casePOS, sale("7.80", "14.90"))[1:]
	const payBody = `{"Action":"payment","Protocol":"use_auto","cbPayItem":{"Description":"Card","Amount":10}}`
	var previous, payFirst resp

	type live struct {
		name         string
		env          *env // nil: e, the harness without optional services
		method, path string
		pathOf       func() string     // if set, the path, known only once earlier cases ran
		headers      map[string]string // nil: b's headers with a fresh operation id
		body         string
		status       int
		problem      string // expected problem type suffix
		check        func(t *testing.T, r resp)
	}
	journal := func(jt uint64, nonEmpty bool) live {
		return live{name: "journal " + u(jt), method: "POST", path: "/v2/journal", body: `{"ftJournalType":` + u(jt) + `}`, status: 200,
			check: func(t *testing.T, r resp) {
				branch := oaJournalBranch(doc, u(jt))
				if branch == nil {
					t.Fatalf("no JournalResponse branch documents ftJournalType %d", jt)
				}
				v, _ := oaDecode(r.Body)
				for _, err := range (&oaChecker{doc: doc, strict: true}).check(branch, v, "body") {
					t.Errorf("against the branch of ftJournalType %d: %s", jt, err)
				}
				if a, isArr := v.([]any); nonEmpty && isArr && len(a) == 0 {
					t.Error("the journal is empty, so its entry schema went unchecked")
				}
			}}
	}
	// /v2/issue, its delivery state and the receipt page on a server with
	// the issue service (as the daemon runs), against a signed receipt.
	ie := newEnv(t, envOptions{boxes: 2, issue: &issueOptions{}})
	ib, other := ie.Boxes[0], ie.Boxes[1]
	ie.startQueue(ib)
	signedReq, signedResp := ie.signed(ib, "R-openapi-1")
	queueID, itemID := ie.mustField(signedResp, "ftQueueID"), ie.mustField(signedResp, "ftQueueItemID")
	issueOK := issueBody(signedReq, signedResp, "")
	delivered := "/v2/issue/" + queueID + "/" + itemID + "/delivered"
	creds := func(b box) map[string]string {
		return map[string]string{"x-cashbox-id": b.ID, "x-cashbox-accesstoken": b.Token}
	}
	ibWith := func(name, value string) map[string]string { // ib's headers, one changed ("": removed)
		h := ib.headers(fiscal.NewUUID())
		if h[name] = value; value == "" {
			delete(h, name)
		}
		return h
	}
	var page string // the path of the DocumentURL
	var issueFirst resp
	pageOf := func(suffix string) func() string {
		return func() string {
			if page == "" {
				return ""
			}
			return page + suffix
		}
	}
	fieldsOf := func(t *testing.T, r resp) []string {
		var fields []string
		for _, fe := range oaArr(oaObj(mustDecode(t, r.Body))["errors"]) {
			fields = append(fields, oaStr(oaObj(fe)["field"]))
		}
		return fields
	}
	deliveredAs := func(method string) func(t *testing.T, r resp) {
		return func(t *testing.T, r resp) {
			if m := oaObj(mustDecode(t, r.Body))["DeliveryMethod"]; m != method {
				t.Errorf("DeliveryMethod %v, want %s", m, method)
			}
		}
	}
	issueCases := []live{
		{name: "issue", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers("issue-1"), body: issueOK, status: 200,
			check: func(t *testing.T, r resp) {
				v := oaObj(mustDecode(t, r.Body))
				url := oaStr(v["DocumentURL"])
				prefix := ie.URL + "/receipt/" + itemID + "/"
				if !strings.HasPrefix(url, prefix) || v["ftQueueID"] != queueID || v["ftQueueItemID"] != itemID || v["Print"] != nil {
					t.Fatalf("issue answer %s", r.Body)
				}
				if r.Header.Get("x-idempotent-replay") != "" {
					t.Error("a first answer carries x-idempotent-replay")
				}
				page, issueFirst = strings.TrimPrefix(url, ie.URL), r
			}},
		{name: "issue replay", env: ie, method: "POST", path: "/issue/", headers: ib.headers("issue-1"), body: issueOK, status: 200,
			check: func(t *testing.T, r resp) {
				if r.Header.Get("x-idempotent-replay") != "true" || !bytes.Equal(r.Body, issueFirst.Body) {
					t.Errorf("not a replay: x-idempotent-replay %q, same body %v", r.Header.Get("x-idempotent-replay"), bytes.Equal(r.Body, issueFirst.Body))
				}
			}},
		{name: "issue operation conflict", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers("issue-1"),
			body: issueBody(signedReq, signedResp, `{"Channel":"url"}`), status: 409, problem: "operation-conflict"},
		{name: "issue channel url", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: issueBody(signedReq, signedResp, `{"Channel":"url","Email":null,"Printer":null}`), status: 200,
			check: func(t *testing.T, r resp) {
				if got := oaStr(oaObj(mustDecode(t, r.Body))["DocumentURL"]); got != ie.URL+page {
					t.Errorf("DocumentURL %q, the first issue gave %q", got, ie.URL+page)
				}
			}},
		{name: "issue another CashBox's receipt", env: ie, method: "POST", path: "/v2/issue", headers: other.headers(fiscal.NewUUID()),
			body: issueOK, status: 422, problem: "validation-error",
			check: func(t *testing.T, r resp) {
				if f := fieldsOf(t, r); !slices.Equal(f, []string{"ReceiptResponse.ftQueueItemID"}) {
					t.Errorf("errors name %v", f)
				}
			}},
		{name: "issue unknown item", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: issueBody(signedReq, strings.Replace(signedResp, itemID, fiscal.NewUUID(), 1), ""), status: 422, problem: "validation-error"},
		{name: "issue signatures differ", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: issueBody(signedReq, strings.Replace(signedResp, `"Data":"_R1-AT`, `"Data":"_R1-XX`, 1), ""), status: 422, problem: "validation-error",
			check: func(t *testing.T, r resp) {
				if f := fieldsOf(t, r); !slices.Equal(f, []string{"ReceiptResponse.ftSignatures"}) {
					t.Errorf("errors name %v", f)
				}
			}},
		{name: "issue by e-mail", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: issueBody(signedReq, signedResp, `{"Channel":"email","Email":"kunde@example.at"}`), status: 422, problem: "unsupported-value"},
		{name: "issue print without a printer", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: issueBody(signedReq, signedResp, `{"Channel":"print"}`), status: 422, problem: "unsupported-value"},
		{name: "issue unknown channel", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: issueBody(signedReq, signedResp, `{"Channel":"fax"}`), status: 400, problem: "validation-error"},
		{name: "issue without ReceiptResponse", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: `{"ReceiptRequest":` + signedReq + `}`, status: 400, problem: "validation-error"},
		{name: "issue malformed JSON", env: ie, method: "POST", path: "/v2/issue", headers: ib.headers(fiscal.NewUUID()),
			body: `{"Options":{},"options":{}}`, status: 400, problem: "malformed-json"},
		{name: "issue without operation id", env: ie, method: "POST", path: "/v2/issue", headers: ibWith("x-operation-id", ""), body: issueOK, status: 400, problem: "invalid-header"},
		{name: "issue unsupported media type", env: ie, method: "POST", path: "/v2/issue", headers: ibWith("Content-Type", "text/plain"), body: issueOK, status: 415, problem: "unsupported-media-type"},
		{name: "delivered before the page was opened", env: ie, method: "GET", path: delivered, headers: creds(ib), status: 204},
		{name: "delivered unknown item", env: ie, method: "GET", path: "/v2/issue/" + queueID + "/" + fiscal.NewUUID() + "/delivered", headers: creds(ib), status: 404, problem: "not-found"},
		{name: "delivered other queue", env: ie, method: "GET", path: "/v2/issue/" + fiscal.NewUUID() + "/" + itemID + "/delivered", headers: creds(ib), status: 404, problem: "not-found"},
		{name: "delivered another CashBox's receipt", env: ie, method: "GET", path: delivered, headers: creds(other), status: 404, problem: "not-found"},
		{name: "delivered unauthorized", env: ie, method: "GET", path: delivered, headers: map[string]string{"x-cashbox-id": ib.ID, "x-cashbox-accesstoken": "wrong"}, status: 401, problem: "unauthorized"},
		{name: "delivered without x-cashbox-id", env: ie, method: "GET", path: delivered, headers: map[string]string{"x-cashbox-accesstoken": ib.Token}, status: 400, problem: "invalid-header"},
		{name: "receipt page", env: ie, method: "GET", pathOf: pageOf(""), headers: map[string]string{}, status: 200,
			check: func(t *testing.T, r resp) {
				if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/html" || !strings.Contains(string(r.Body), "TEST-KASSE-0") {
					t.Errorf("not the receipt's HTML page: %s %.200s", r.Header.Get("Content-Type"), r.Body)
				}
			}},
		{name: "delivered after the page was opened", env: ie, method: "GET", path: delivered, headers: creds(ib), status: 200, check: deliveredAs("url")},
		{name: "delivered unversioned alias", env: ie, method: "GET", path: strings.TrimPrefix(delivered, "/v2") + "/", headers: creds(ib), status: 200, check: deliveredAs("url")},
		{name: "receipt page as PNG", env: ie, method: "GET", pathOf: pageOf(""), headers: map[string]string{"Accept": "image/png"}, status: 200,
			check: func(t *testing.T, r resp) {
				if ct := r.Header.Get("Content-Type"); ct != "image/png" {
					t.Errorf("Content-Type %q", ct)
				}
			}},
		{name: "receipt page with a trailing slash", env: ie, method: "GET", pathOf: pageOf("/"), headers: map[string]string{}, status: 200},
		{name: "receipt page with a changed token", env: ie, method: "GET", headers: map[string]string{}, status: 404, problem: "not-found",
			pathOf: func() string {
				if page == "" {
					return ""
				}
				token := []byte(page[strings.LastIndex(page, "/")+1:])
				token[5] ^= 1
				return page[:strings.LastIndex(page, "/")+1] + string(token)
			}},
		{name: "receipt page with a shortened token", env: ie, method: "GET", headers: map[string]string{}, status: 404, problem: "not-found",
			pathOf: func() string {
				if page == "" {
					return ""
				}
				return page[:len(page)-1]
			}},
		{name: "receipt page of another item", env: ie, method: "GET", headers: map[string]string{}, status: 404, problem: "not-found",
			pathOf: func() string {
				if page == "" {
					return ""
				}
				return strings.Replace(page, itemID, fiscal.NewUUID(), 1)
			}},
	}

	cases := []live{
		{name: "echo", method: "POST", path: "/v2/echo", body: `{"Message":"Hello fiskaltrust.Middleware!"}`, status: 200,
			check: func(t *testing.T, r resp) {
				for _, jt := range oaArr(oaObj(r.JSON(t)["Capabilities"])["JournalTypes"]) {
					if oaJournalBranch(doc, fmt.Sprint(jt)) == nil {
						t.Errorf("echo offers ftJournalType %v, which JournalResponse does not document", jt)
					}
				}
				// Without a payment service the CashBox has no terminal.
				caps := oaObj(r.JSON(t)["Capabilities"])
				if slices.Contains(oaArr(caps["Endpoints"]), any("pay")) || len(oaArr(caps["PayProtocols"])) != 0 {
					t.Errorf("a CashBox without a payment terminal offers Endpoints %v, PayProtocols %v", caps["Endpoints"], caps["PayProtocols"])
				}
			}},
		{name: "sign before the initial operation", method: "POST", path: "/v2/sign", body: receipt("early", casePOS, sale("7.80", "14.90")), status: 200},
		{name: "sign initial operation", method: "POST", path: "/v2/sign", body: receipt("start", caseStart, ""), status: 200,
			check: func(t *testing.T, r resp) {
				if s := stateOf(t, r); s != stateReady {
					t.Errorf("ftState %#x", s)
				}
			}},
		{name: "sign POS receipt", method: "POST", path: "/sign/", headers: withHeaders("pos-receipt-1", nil),
			body: posReceipt, status: 200,
			check: func(t *testing.T, r resp) {
				if r.Header.Get("x-idempotent-replay") != "" {
					t.Error("a first answer carries x-idempotent-replay")
				}
				previous = r
			}},
		{name: "sign replay", method: "POST", path: "/v2/sign", headers: withHeaders("pos-receipt-1", nil),
			body: posReceipt, status: 200, check: func(t *testing.T, r resp) {
				if r.Header.Get("x-idempotent-replay") != "true" || !bytes.Equal(r.Body, previous.Body) {
					t.Errorf("not a replay: x-idempotent-replay %q, same body %v", r.Header.Get("x-idempotent-replay"), bytes.Equal(r.Body, previous.Body))
				}
			}},
		{name: "sign receipt moment without offset", method: "POST", path: "/v2/sign", body: noOffset, status: 200},
		{name: "sign zero receipt", method: "POST", path: "/v2/sign", body: receipt("zero", caseZero, ""), status: 200},
		{name: "sign daily closing", method: "POST", path: "/v2/sign", body: receipt("daily", caseDaily, ""), status: 200},
		{name: "sign validation error", method: "POST", path: "/v2/sign", body: `{"cbReceiptReference":"x"}`, status: 400, problem: "validation-error"},
		{name: "sign invalid header", method: "POST", path: "/v2/sign", headers: withHeaders("", map[string]string{"x-operation-id": ""}),
			body: receipt("h", casePOS, ""), status: 400, problem: "invalid-header"},
		{name: "echo malformed JSON", method: "POST", path: "/v2/echo", body: `{"Message":"a","message":"b"}`, status: 400, problem: "malformed-json"},
		{name: "sign unauthorized", method: "POST", path: "/v2/sign", headers: withHeaders(fiscal.NewUUID(), map[string]string{"x-cashbox-accesstoken": "wrong"}),
			body: receipt("u", casePOS, ""), status: 401, problem: "unauthorized"},
		{name: "sign first use of an operation id", method: "POST", path: "/v2/sign", headers: withHeaders("conflict-1", nil),
			body: receipt("c1", caseZero, ""), status: 200},
		{name: "sign operation conflict", method: "POST", path: "/v2/sign", headers: withHeaders("conflict-1", nil),
			body: receipt("c2", caseZero, ""), status: 409, problem: "operation-conflict"},
		{name: "sign payload too large after gzip decoding", method: "POST", path: "/v2/sign", headers: withHeaders(fiscal.NewUUID(), map[string]string{"Content-Encoding": "gzip"}),
			body: oaGzip(`{"x":"` + strings.Repeat("x", 1<<20) + `"}`), status: 413, problem: "payload-too-large"},
		{name: "sign unsupported media type", method: "POST", path: "/v2/sign", headers: withHeaders(fiscal.NewUUID(), map[string]string{"Content-Type": "text/plain"}),
			body: receipt("m", casePOS, ""), status: 415, problem: "unsupported-media-type"},
		{name: "sign DE receipt to an AT CashBox", method: "POST", path: "/v2/sign", body: receipt("de", deReceipt, ""), status: 422, problem: "unsupported-market"},
		{name: "sign currency USD", method: "POST", path: "/v2/sign", body: `{"Currency":"USD",` + receipt("usd", casePOS, sale("7.80", "14.90"))[1:], status: 422, problem: "unsupported-value"},
		journal(0, false),
		journal(1, true),
		journal(2, true),
		journal(3, true),
		journal(255, false),
		journal(atDEP7, false),
		journal(atDEP7v2, false),
		{name: "journal undefined type", method: "POST", path: "/v2/journal", body: `{"ftJournalType":4}`, status: 422, problem: "unknown-case"},
		{name: "journal DE DSFinV-K on an AT CashBox", method: "POST", path: "/v2/journal", body: `{"ftJournalType":4919338167972134914}`, status: 501, problem: "not-implemented"},
		// The harness configures no payment service: every valid /v2/pay
		// request is refused as unsupported, and that outcome is stored.
		{name: "pay without a payment terminal", method: "POST", path: "/v2/pay", headers: withHeaders("pay-1", nil), body: payBody, status: 422, problem: "unsupported-value",
			check: func(t *testing.T, r resp) {
				if d := oaObj(mustDecode(t, r.Body))["detail"]; d != "no payment terminal is configured for this CashBox" {
					t.Errorf("detail %q", d)
				}
				payFirst = r
			}},
		{name: "pay replay", method: "POST", path: "/pay/", headers: withHeaders("pay-1", nil), body: payBody, status: 422, problem: "unsupported-value",
			check: func(t *testing.T, r resp) {
				if r.Header.Get("x-idempotent-replay") != "true" || !bytes.Equal(r.Body, payFirst.Body) {
					t.Errorf("not a replay: x-idempotent-replay %q, same body %v", r.Header.Get("x-idempotent-replay"), bytes.Equal(r.Body, payFirst.Body))
				}
			}},
		{name: "pay operation conflict", method: "POST", path: "/v2/pay", headers: withHeaders("pay-1", nil),
			body: strings.Replace(payBody, `"Amount":10`, `"Amount":11`, 1), status: 409, problem: "operation-conflict"},
		{name: "pay validation error", method: "POST", path: "/v2/pay", body: `{"Action":"bogus","Protocol":"none","cbPayItem":{"Amount":10}}`, status: 400, problem: "validation-error",
			check: func(t *testing.T, r resp) {
				var fields []string
				for _, fe := range oaArr(oaObj(mustDecode(t, r.Body))["errors"]) {
					fields = append(fields, oaStr(oaObj(fe)["field"]))
				}
				if want := []string{"Action", "Protocol", "cbPayItem.Description"}; !reflect.DeepEqual(fields, want) {
					t.Errorf("errors name %v, want %v", fields, want)
				}
			}},
		{name: "pay malformed JSON", method: "POST", path: "/v2/pay", body: `{"Action":"payment","action":"refund"}`, status: 400, problem: "malformed-json"},
		// The harness runs without the issue service: both /v2/issue
		// endpoints answer 501 after the header checks, and there are no
		// receipt pages.
		{name: "issue without the issue service", method: "POST", path: "/v2/issue", body: `{}`, status: 501, problem: "not-implemented"},
		{name: "issue without the issue service, unauthorized", method: "POST", path: "/v2/issue", headers: withHeaders(fiscal.NewUUID(), map[string]string{"x-cashbox-accesstoken": "wrong"}),
			body: `{}`, status: 401, problem: "unauthorized"},
		{name: "delivered without the issue service", method: "GET", path: "/v2/issue/" + b.QueueID + "/" + fiscal.NewUUID() + "/delivered",
			headers: map[string]string{"x-cashbox-id": b.ID, "x-cashbox-accesstoken": b.Token}, status: 501, problem: "not-implemented"},
		{name: "receipt page without the issue service", method: "GET", path: "/receipt/" + fiscal.NewUUID() + "/" + strings.Repeat("A", 43),
			headers: map[string]string{}, status: 404, problem: "not-found"},
		{name: "openapi.json", method: "GET", path: "/v2/openapi.json", headers: map[string]string{}, status: 200},
		{name: "unknown major version", method: "POST", path: "/v3/sign", body: receipt("v3", casePOS, ""), status: 404, problem: "not-found"},
	}
	cases = append(cases, issueCases...)
	// A wrong method on every documented path: 405 with Allow naming the
	// documented methods (spec §1.1), on a server that has the path.
	for _, item := range oaMethodsByPath(doc) {
		wrong := "GET"
		if slices.Contains(item.methods, "GET") {
			wrong = "POST"
		}
		path := strings.NewReplacer("{ftQueueID}", b.QueueID, "{ftQueueItemID}", fiscal.NewUUID(), "{token}", strings.Repeat("A", 43)).Replace(item.path)
		allow := strings.Join(item.methods, ", ")
		var on *env
		if o := doc.operation(item.methods[0], item.path); o != nil && o.op["x-requires-service"] != nil {
			on = ie
		}
		cases = append(cases, live{name: wrong + " " + item.path, env: on, method: wrong, path: path, headers: map[string]string{}, status: 405, problem: "method-not-allowed",
			check: func(t *testing.T, r resp) {
				if got := r.Header.Get("Allow"); got != allow {
					t.Errorf("Allow: %q, want %q", got, allow)
				}
			}})
	}
	// The published requests against an AT-only CashBox (spec §12.1).
	fix := oaFixtures(t)
	for _, name := range slices.Sorted(maps.Keys(fix)) {
		c := live{name: "fixture " + name, method: "POST", path: oaFixtureEndpoint(name), body: string(fix[name]), status: 200}
		switch {
		case strings.Contains(name, "DSFinVK"):
			c.status, c.problem = 501, "not-implemented"
		case c.path == "/v2/sign":
			c.status, c.problem = 422, "unsupported-market"
		}
		cases = append(cases, c)
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			on, path, h := c.env, c.path, c.headers
			if on == nil {
				on = e
			}
			if c.pathOf != nil {
				if path = c.pathOf(); path == "" {
					t.Fatal("the path is not known: an earlier case failed")
				}
			}
			if h == nil {
				h = b.headers(fiscal.NewUUID())
			}
			r := on.do(c.method, path, h, []byte(c.body))
			if r.Status != c.status {
				t.Errorf("status %d, want %d: %.300s", r.Status, c.status, r.Body)
			}
			if c.problem != "" {
				if got := oaStr(oaObj(mustDecode(t, r.Body))["type"]); got != "urn:fiscald:problem:"+c.problem {
					t.Errorf("problem type %q, want %s", got, c.problem)
				}
			}
			oaCheckLive(t, doc, c.method, path, r)
			if c.check != nil {
				c.check(t, r)
			}
		})
	}

	t.Run("too many requests", func(t *testing.T) {
		e := newEnv(t, envOptions{throttle: httpapi.ThrottleOptions{Failures: 1}})
		h := e.Boxes[0].headers(fiscal.NewUUID())
		h["x-cashbox-accesstoken"] = "wrong"
		if r := e.do("POST", "/v2/echo", h, []byte(`{"Message":""}`)); r.Status != 401 {
			t.Fatalf("first failure: %d", r.Status)
		}
		r := e.do("POST", "/v2/echo", h, []byte(`{"Message":""}`))
		if r.Status != 429 {
			t.Fatalf("status %d, want 429", r.Status)
		}
		oaCheckLive(t, doc, "POST", "/v2/echo", r)
		// The other endpoints of the address are blocked too, the safe GET
		// included.
		for _, c := range []struct {
			method, path string
			headers      map[string]string
			body         string
		}{
			{"POST", "/v2/issue", e.Boxes[0].headers(fiscal.NewUUID()), `{}`},
			{"GET", "/v2/issue/" + e.Boxes[0].QueueID + "/" + fiscal.NewUUID() + "/delivered",
				map[string]string{"x-cashbox-id": e.Boxes[0].ID, "x-cashbox-accesstoken": e.Boxes[0].Token}, ""},
		} {
			r := e.do(c.method, c.path, c.headers, []byte(c.body))
			if r.Status != 429 {
				t.Errorf("%s %s: status %d, want 429", c.method, c.path, r.Status)
			}
			oaCheckLive(t, doc, c.method, c.path, r)
		}
	})
}

// oaGzip compresses s; a large body that compresses well is read by the
// server to its limit, so the connection is not cut while the client sends.
func oaGzip(s string) string {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte(s))
	w.Close()
	return buf.String()
}

func mustDecode(t *testing.T, data []byte) any {
	t.Helper()
	v, err := oaDecode(data)
	if err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, data)
	}
	return v
}

type oaPathMethods struct {
	path    string
	methods []string
}

// oaMethodsByPath lists the documented methods of every path, sorted.
func oaMethodsByPath(doc *oaDoc) []oaPathMethods {
	by := map[string][]string{}
	for _, o := range doc.operations() {
		by[o.path] = append(by[o.path], o.method)
	}
	var out []oaPathMethods
	for p, ms := range by {
		sort.Strings(ms)
		out = append(out, oaPathMethods{p, ms})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}
