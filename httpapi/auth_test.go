package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi"
)

// stripCorrelation removes the per-response correlation id so that two
// answers can be compared for everything else.
func stripCorrelation(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	delete(m, "correlationId")
	out, _ := json.Marshal(m)
	return string(out)
}

func problemType(t *testing.T, r resp) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("status %d Content-Type %q, want problem+json: %s", r.Status, ct, r.Body)
	}
	typ, _ := r.JSON(t)["type"].(string)
	return strings.TrimPrefix(typ, problemURNBase)
}

func TestHeaderChecks(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	body := []byte(`{"Message":"hi"}`)
	cases := []struct {
		name   string
		edit   func(h map[string]string)
		status int
		typ    string
		detail string
	}{
		{"missing cashbox id", func(h map[string]string) { delete(h, "x-cashbox-id") }, 400, "invalid-header", "x-cashbox-id"},
		{"malformed cashbox id", func(h map[string]string) { h["x-cashbox-id"] = "box-1" }, 400, "invalid-header", "x-cashbox-id"},
		{"missing possystem id", func(h map[string]string) { delete(h, "x-possystem-id") }, 400, "invalid-header", "x-possystem-id"},
		{"malformed possystem id", func(h map[string]string) { h["x-possystem-id"] = "123" }, 400, "invalid-header", "x-possystem-id"},
		{"missing operation id", func(h map[string]string) { delete(h, "x-operation-id") }, 400, "invalid-header", "x-operation-id"},
		{"operation id with space", func(h map[string]string) { h["x-operation-id"] = "a b" }, 400, "invalid-header", "x-operation-id"},
		{"operation id too long", func(h map[string]string) { h["x-operation-id"] = strings.Repeat("a", 129) }, 400, "invalid-header", "x-operation-id"},
		{"missing token", func(h map[string]string) { delete(h, "x-cashbox-accesstoken") }, 401, "unauthorized", ""},
		{"wrong token", func(h map[string]string) { h["x-cashbox-accesstoken"] = "wrong" }, 401, "unauthorized", ""},
		{"nil possystem on production cashbox", func(h map[string]string) { h["x-possystem-id"] = "00000000-0000-0000-0000-000000000000" }, 400, "invalid-header", "sandbox"},
		{"text/plain body", func(h map[string]string) { h["Content-Type"] = "text/plain" }, 415, "unsupported-media-type", ""},
		{"latin-1 charset", func(h map[string]string) { h["Content-Type"] = "application/json; charset=iso-8859-1" }, 415, "unsupported-media-type", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := b.headers(fiscal.NewUUID())
			tc.edit(h)
			r := e.do("POST", "/v2/echo", h, body)
			if r.Status != tc.status || problemType(t, r) != tc.typ {
				t.Fatalf("status %d type %q, want %d %q: %s", r.Status, problemType(t, r), tc.status, tc.typ, r.Body)
			}
			if !strings.Contains(string(r.Body), tc.detail) {
				t.Fatalf("detail does not name %q: %s", tc.detail, r.Body)
			}
		})
	}
	// Without Content-Type the body is read as JSON (fiscald rule).
	h := b.headers(fiscal.NewUUID())
	delete(h, "Content-Type")
	if r := e.do("POST", "/v2/echo", h, body); r.Status != 200 {
		t.Fatalf("echo without Content-Type: %d %s", r.Status, r.Body)
	}
}

func TestUnknownCashBoxAndWrongTokenLookTheSame(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	wrongToken := b
	wrongToken.Token = "not-the-token"
	unknown := b
	unknown.ID = fiscal.NewUUID()
	r1 := e.post(wrongToken, "/v2/echo", `{"Message":"x"}`)
	r2 := e.post(unknown, "/v2/echo", `{"Message":"x"}`)
	if r1.Status != 401 || r2.Status != 401 {
		t.Fatalf("statuses %d %d, want 401 401", r1.Status, r2.Status)
	}
	if stripCorrelation(t, r1.Body) != stripCorrelation(t, r2.Body) {
		t.Fatalf("bodies differ:\n%s\n%s", r1.Body, r2.Body)
	}
	for _, h := range []string{"Content-Type", "x-api-version"} {
		if r1.Header.Get(h) != r2.Header.Get(h) {
			t.Fatalf("header %s differs: %q vs %q", h, r1.Header.Get(h), r2.Header.Get(h))
		}
	}
	if len(r1.Header) != len(r2.Header) {
		t.Fatalf("header sets differ: %v vs %v", r1.Header, r2.Header)
	}
}

func TestFailedAuthenticationIsThrottled(t *testing.T) {
	e := newEnv(t, envOptions{throttle: httpapi.ThrottleOptions{Failures: 3, Window: time.Minute, Block: time.Minute}})
	b := e.Boxes[0]
	bad := b
	bad.Token = "wrong"
	for i := range 3 {
		if r := e.post(bad, "/v2/echo", `{"Message":"x"}`); r.Status != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, r.Status)
		}
	}
	r := e.post(bad, "/v2/echo", `{"Message":"x"}`)
	if r.Status != 429 || problemType(t, r) != "too-many-requests" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	// The block applies to the source address, also with the right token.
	if r := e.post(b, "/v2/echo", `{"Message":"x"}`); r.Status != 429 {
		t.Fatalf("blocked address with the right token: %d, want 429", r.Status)
	}
}

func TestTokensAreNotStoredInTheClear(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.stop()
	var found []string
	err := walkFiles(e.dir, func(path string, data []byte) {
		if bytes.Contains(data, []byte(e.Boxes[0].Token)) {
			found = append(found, path)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("the access token appears in the clear in %v", found)
	}
}

func TestOtherCashBoxCannotReachData(t *testing.T) {
	e := newEnv(t, envOptions{boxes: 2})
	a, b := e.Boxes[0], e.Boxes[1]
	e.startQueue(a)
	r := e.post(a, "/v2/sign", receipt("secret-sale", casePOS, sale("7.80", "14.90")))
	if r.Status != 200 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
	// B cannot address A's queue.
	body := strings.Replace(receipt("x", caseStart, ""), `"ftReceiptCase"`, `"ftQueueID":"`+a.QueueID+`","ftReceiptCase"`, 1)
	if r := e.post(b, "/v2/sign", body); r.Status != 400 || !strings.Contains(string(r.Body), "ftQueueID") {
		t.Fatalf("B signing into A's queue: %d %s", r.Status, r.Body)
	}
	// B's journals do not contain A's receipts, and B cannot ask for A's queue.
	for _, jt := range []string{"1", "2", "3"} {
		r := e.post(b, "/v2/journal", `{"ftJournalType":`+jt+`}`)
		if r.Status != 200 || strings.Contains(string(r.Body), "secret-sale") || strings.Contains(string(r.Body), a.QueueID) {
			t.Fatalf("B's journal %s leaks A's data: %d %s", jt, r.Status, r.Body)
		}
	}
	if r := e.post(b, "/v2/journal", `{"ftJournalType":3,"ftQueueID":"`+a.QueueID+`"}`); r.Status != 400 {
		t.Fatalf("B asking for A's queue: %d %s", r.Status, r.Body)
	}
	// The same operation id under B is another operation, not A's replay.
	op := fiscal.NewUUID()
	ra := e.postOp(a, "/v2/echo", op, `{"Message":"a"}`)
	rb := e.postOp(b, "/v2/echo", op, `{"Message":"b"}`)
	if ra.Status != 200 || rb.Status != 200 || !strings.Contains(string(rb.Body), `"Message":"b"`) {
		t.Fatalf("same op id under two CashBoxes: %d %d %s", ra.Status, rb.Status, rb.Body)
	}
	// Echo lists only the caller's queue.
	if r := e.post(b, "/v2/echo", `{"Message":""}`); strings.Contains(string(r.Body), a.QueueID) || !strings.Contains(string(r.Body), b.QueueID) {
		t.Fatalf("echo of B: %s", r.Body)
	}
}

func TestRoutingAndLimits(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	echo := `{"Message":"m"}`
	for _, p := range []string{"/v2/echo", "/echo", "/v2/echo/", "/echo/"} {
		if r := e.post(b, p, echo); r.Status != 200 {
			t.Errorf("POST %s: %d %s", p, r.Status, r.Body)
		}
	}
	for _, p := range []string{"/v1/echo", "/v3/echo", "/V2/echo", "/v2/Echo", "/v2/echo//", "/v2/nothing"} {
		if r := e.post(b, p, echo); r.Status != 404 || problemType(t, r) != "not-found" {
			t.Errorf("POST %s: %d %s, want 404 not-found", p, r.Status, r.Body)
		}
	}
	r := e.do("GET", "/v2/sign", b.headers(fiscal.NewUUID()), nil)
	if r.Status != 405 || problemType(t, r) != "method-not-allowed" || r.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /v2/sign: %d Allow=%q %s", r.Status, r.Header.Get("Allow"), r.Body)
	}
	big := `{"Message":"` + strings.Repeat("x", 1<<20) + `"}`
	if r := e.post(b, "/v2/echo", big); r.Status != 413 || problemType(t, r) != "payload-too-large" {
		t.Fatalf("1 MiB body: %d", r.Status)
	}
	h := b.headers(fiscal.NewUUID())
	h["x-extra"] = strings.Repeat("y", 9000)
	if r := e.do("POST", "/v2/echo", h, []byte(echo)); r.Status != 431 {
		t.Fatalf("9000-byte header: %d, want 431", r.Status)
	}
	if r := e.post(b, "/v2/issue", `{}`); r.Status != 501 || problemType(t, r) != "not-implemented" {
		t.Fatalf("POST /v2/issue: %d %s", r.Status, r.Body)
	}
	if r := e.post(b, "/v2/pay", `{}`); r.Status != 400 || problemType(t, r) != "validation-error" {
		t.Fatalf("POST /v2/pay {}: %d %s", r.Status, r.Body)
	}
	// Every response carries the version and a correlation id.
	if r.Header.Get("x-api-version") != "2.1.0" || r.Header.Get("x-correlation-id") == "" {
		t.Fatalf("headers: %v", r.Header)
	}
}

func TestMalformedJSON(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	for _, body := range []string{`{"Message":"a"`, `[1]`, `{"Message":"a","message":"b"}`, `{"Message":"a"} x`, "{\"Message\":\"\xff\"}"} {
		r := e.post(b, "/v2/echo", body)
		if r.Status != 400 || problemType(t, r) != "malformed-json" {
			t.Errorf("body %q: %d %s, want 400 malformed-json", body, r.Status, r.Body)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	e.post(b, "/v2/sign", receipt("m1", casePOS, sale("2.00", "3.00")))
	op := fiscal.NewUUID()
	e.postOp(b, "/v2/echo", op, `{"Message":"a"}`)
	e.postOp(b, "/v2/echo", op, `{"Message":"b"}`)
	e.do("FOOBAR", "/v2/echo", nil, nil) // a client-chosen method must not become a label value
	r := e.do("GET", "/metrics", nil, nil)
	if strings.Contains(string(r.Body), "FOOBAR") || !strings.Contains(string(r.Body), `method="other"`) {
		t.Errorf("unknown methods are not folded into method=\"other\"")
	}
	if r.Status != 200 {
		t.Fatalf("/metrics: %d", r.Status)
	}
	for _, want := range []string{
		`fiscald_http_requests_total{code="200",method="POST",route="/v2/sign"} 2`,
		`fiscald_receipts_total{case="pos-receipt",market="AT",outcome="standard"} 1`,
		`fiscald_idempotency_conflicts_total{mode="fresh"} 1`,
		`fiscald_journal_sync_duration_seconds_count`,
		`fiscald_http_request_duration_seconds_bucket{route="/v2/sign"`,
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	_ = http.StatusOK
}
