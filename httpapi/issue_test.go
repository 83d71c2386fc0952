package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/internal/goldentest"
)

// issueOptions attach /v2/issue to an env.
type issueOptions struct {
	// printer, if set, builds the printer of CashBox 0 at every start.
	printer func() *issue.Printer
	// interval paces the follow-up of pending jobs.
	interval time.Duration
	// public is the configured public URL of the receipt pages.
	public string
}

func (e *env) startIssues() *issue.Service {
	o := e.opts.issue
	if o == nil {
		return nil
	}
	printers := map[string]*issue.Printer{}
	if o.printer != nil {
		p := o.printer()
		printers[e.Boxes[0].ID] = p
		if c, ok := p.Device.(interface{ Close() error }); ok {
			e.closers = append(e.closers, c.Close) // a stop ends the connection, as a daemon's exit does
		}
	}
	s, err := issue.New(issue.Options{Fiscal: e.svc, DB: e.db, Printers: printers, Encode: testEncode, CheckInterval: o.interval, Registry: e.Reg, PublicURL: o.public})
	if err != nil {
		e.t.Fatal(err)
	}
	s.Start()
	return s
}

// signed signs a cash sale and returns the request and response bodies.
func (e *env) signed(b box, ref string) (request, response string) {
	e.t.Helper()
	request = receipt(ref, casePOS, sale("3.00", "9.50"))
	r := e.post(b, "/v2/sign", request)
	if r.Status != 200 || stateOf(e.t, r) != stateReady {
		e.t.Fatalf("sign: %d %s", r.Status, r.Body)
	}
	return request, string(r.Body)
}

func issueBody(request, response, options string) string {
	b := `{"ReceiptRequest":` + request + `,"ReceiptResponse":` + response
	if options != "" {
		b += `,"Options":` + options
	}
	return b + `}`
}

// get fetches a URL with optional headers, as a customer's phone does.
func get(t *testing.T, url string, headers map[string]string) resp {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: buf.Bytes()}
}

// TestIssueDigitalReceipt: /v2/issue without a printer returns the
// receipt page's capability URL; the page opens without credentials as
// HTML and as a PNG whose QR code is the signed payload, counts as the
// delivery, and a changed token is 404.
func TestIssueDigitalReceipt(t *testing.T) {
	e := newEnv(t, envOptions{boxes: 2, issue: &issueOptions{}})
	b := e.Boxes[0]
	e.startQueue(b)
	request, response := e.signed(b, "R-issue-1")
	var signed struct {
		QueueID string `json:"ftQueueID"`
		ItemID  string `json:"ftQueueItemID"`
		Sigs    []struct {
			Format uint64 `json:"ftSignatureFormat"`
			Data   string
		} `json:"ftSignatures"`
	}
	json.Unmarshal([]byte(response), &signed)
	op := fiscal.NewUUID()
	body := issueBody(request, response, "")
	r := e.postOp(b, "/v2/issue", op, body)
	if r.Status != 200 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	var out struct {
		QueueItemID string `json:"ftQueueItemID"`
		DocumentURL string
		Print       any
	}
	json.Unmarshal(r.Body, &out)
	prefix := e.URL + "/receipt/" + signed.ItemID + "/"
	token := strings.TrimPrefix(out.DocumentURL, prefix)
	if out.QueueItemID != signed.ItemID || !strings.HasPrefix(out.DocumentURL, prefix) || len(token) < 22 || strings.Contains(token, "/") || out.Print != nil {
		t.Fatalf("issue answer %s", r.Body)
	}
	if again := e.postOp(b, "/v2/issue", op, body); again.Header.Get("x-idempotent-replay") != "true" || string(again.Body) != string(r.Body) {
		t.Errorf("replay: %s", again.Body)
	}
	// A second issue (new operation) gives the same page.
	if r2 := e.post(b, "/v2/issue", body); !strings.Contains(string(r2.Body), out.DocumentURL) {
		t.Errorf("second issue: %s", r2.Body)
	}
	delivered := "/v2/issue/" + signed.QueueID + "/" + signed.ItemID + "/delivered"
	auth := map[string]string{"x-cashbox-id": b.ID, "x-cashbox-accesstoken": b.Token}
	if d := get(t, e.URL+delivered, auth); d.Status != 204 {
		t.Fatalf("delivered before opening: %d %s", d.Status, d.Body)
	}

	page := get(t, out.DocumentURL, nil)
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page.Body), "TEST-KASSE-0") || page.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("page: %d %v", page.Status, page.Header)
	}
	img := get(t, out.DocumentURL, map[string]string{"Accept": "image/png"})
	if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("png: %d %v", img.Status, img.Header)
	}
	var qr string
	for _, s := range signed.Sigs {
		if s.Format == 3 {
			qr = s.Data
		}
	}
	if got := goldentest.ScanQR(t, goldentest.DecodePNG(t, img.Body)); got != qr || qr == "" {
		t.Errorf("QR of the PNG %q, want the signed %q", got, qr)
	}
	d := get(t, e.URL+delivered, auth)
	if d.Status != 200 || !strings.Contains(string(d.Body), `"DeliveryMethod":"url"`) || !strings.Contains(string(d.Body), "Receipt was opened at") {
		t.Errorf("delivered after opening: %d %s", d.Status, d.Body)
	}

	changed := []byte(token)
	changed[5] ^= 1
	for _, u := range []string{prefix + string(changed), prefix + token[:len(token)-1], e.URL + "/receipt/" + fiscal.NewUUID() + "/" + token} {
		if r := get(t, u, nil); r.Status != 404 {
			t.Errorf("%s: %d", u, r.Status)
		}
	}
	// The other CashBox sees neither the receipt nor its delivery.
	other := e.Boxes[1]
	if r := e.post(other, "/v2/issue", body); r.Status != 422 || problemType(t, r) != "validation-error" {
		t.Errorf("another CashBox's receipt: %d %s", r.Status, r.Body)
	}
	if r := get(t, e.URL+delivered, map[string]string{"x-cashbox-id": other.ID, "x-cashbox-accesstoken": other.Token}); r.Status != 404 {
		t.Errorf("another CashBox's delivery: %d %s", r.Status, r.Body)
	}
	if r := get(t, e.URL+delivered, map[string]string{"x-cashbox-id": b.ID, "x-cashbox-accesstoken": "wrong"}); r.Status != 401 {
		t.Errorf("delivered with a wrong token: %d", r.Status)
	}
}

// TestIssueRefusals: what /v2/issue does not accept.
func TestIssueRefusals(t *testing.T) {
	e := newEnv(t, envOptions{issue: &issueOptions{}})
	b := e.Boxes[0]
	e.startQueue(b)
	request, response := e.signed(b, "R-issue-2")
	forged := strings.Replace(response, `"Data":"_R1-AT`, `"Data":"_R1-XX`, 1)
	for _, c := range []struct {
		name, body string
		status     int
		typ        string
	}{
		{"forged signatures", issueBody(request, forged, ""), 422, "validation-error"},
		{"unknown item", issueBody(request, strings.Replace(response, e.mustField(response, "ftQueueItemID"), fiscal.NewUUID(), 1), ""), 422, "validation-error"},
		{"other queue", issueBody(request, strings.Replace(response, e.mustField(response, "ftQueueID"), fiscal.NewUUID(), 1), ""), 422, "validation-error"},
		{"email", issueBody(request, response, `{"Channel":"email","Email":"a@b.c"}`), 422, "unsupported-value"},
		{"print without printer", issueBody(request, response, `{"Channel":"print"}`), 422, "unsupported-value"},
		{"bad channel", issueBody(request, response, `{"Channel":"fax"}`), 400, "validation-error"},
		{"no response", `{"ReceiptRequest":` + request + `}`, 400, "validation-error"},
	} {
		r := e.post(b, "/v2/issue", c.body)
		if r.Status != c.status || problemType(t, r) != c.typ {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
}

// mustField returns the string value of a top-level member of a JSON
// object.
func (e *env) mustField(doc, name string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		e.t.Fatal(err)
	}
	v, _ := m[name].(string)
	return v
}

// TestIssuePublicURL: with a public URL configured (a reverse proxy),
// DocumentURL starts with it; the path behind it is the receipt page.
func TestIssuePublicURL(t *testing.T) {
	const public = "https://receipts.example.com/shop-1"
	e := newEnv(t, envOptions{issue: &issueOptions{public: public + "/"}})
	b := e.Boxes[0]
	e.startQueue(b)
	request, response := e.signed(b, "R-public")
	r := e.post(b, "/v2/issue", issueBody(request, response, ""))
	var out struct{ DocumentURL string }
	if r.Status != 200 || json.Unmarshal(r.Body, &out) != nil || !strings.HasPrefix(out.DocumentURL, public+"/receipt/") {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	if page := get(t, e.URL+strings.TrimPrefix(out.DocumentURL, public), nil); page.Status != 200 {
		t.Errorf("the page behind the public URL: %d", page.Status)
	}
}
