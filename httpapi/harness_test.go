package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/signsim"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/fiscal/payment"
	"github.com/fiscald/fiscald/httpapi"
	"github.com/fiscald/fiscald/journal"
)

// box is one provisioned CashBox with its credentials.
type box struct {
	ID, Token, PosSystemID, QueueID string
}

// env is a real API server over loopback: Pebble on disk, simulated
// signature devices, the AT market.
type env struct {
	t      testing.TB
	dir    string
	URL    string
	Boxes  []box
	srv    *httptest.Server
	svc    *fiscal.Service
	pay    *payment.Service
	issues *issue.Service
	// closers end what a stop ends (device connections).
	closers []func() error
	db      *journal.DB
	Reg     *prometheus.Registry
	now     func() time.Time
	opts    envOptions
}

type envOptions struct {
	boxes    int
	sandbox  bool
	throttle httpapi.ThrottleOptions
	now      func() time.Time
	// wrap, if set, wraps CashBox i's simulated signer (fault tests).
	wrap func(i int, s device.Signer) device.Signer
	// pay, if set, attaches payment terminals (pay_test.go).
	pay *payOptions
	// issue, if set, serves /v2/issue (issue_test.go).
	issue *issueOptions
}

// newEnv starts a server with n AT CashBoxes.
func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.boxes == 0 {
		o.boxes = 1
	}
	e := &env{t: t, dir: t.TempDir(), opts: o}
	for i := range o.boxes {
		e.Boxes = append(e.Boxes, box{ID: fiscal.NewUUID(), Token: "token-" + fiscal.NewUUID() + strconv.Itoa(i), PosSystemID: fiscal.NewUUID(), QueueID: fiscal.NewUUID()})
	}
	e.start()
	t.Cleanup(e.stop)
	return e
}

// start (re)opens the data directory and serves it.
func (e *env) start() {
	t := e.t
	t.Helper()
	var err error
	e.Reg = prometheus.NewRegistry()
	e.db, err = journal.Open(filepath.Join(e.dir, "journal"), journal.Options{Metrics: journal.NewMetrics(e.Reg)})
	if err != nil {
		t.Fatal(err)
	}
	var signers []device.Signer
	for i := range e.Boxes {
		s, err := signsim.Open("sim-"+strconv.Itoa(i), filepath.Join(e.dir, "devices", strconv.Itoa(i)+".pem"))
		if err != nil {
			t.Fatal(err)
		}
		var sig device.Signer = s
		if e.opts.wrap != nil {
			sig = e.opts.wrap(i, s)
		}
		signers = append(signers, sig)
	}
	e.svc, err = fiscal.NewService(fiscal.Options{DB: e.db, Markets: []fiscal.Market{at.New(at.Options{Signers: signers})},
		Metrics: fiscal.NewMetrics(e.Reg), Version: "1.2.3-test", Now: e.opts.now})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range e.Boxes {
		params := `{"kassenId":"TEST-KASSE-` + strconv.Itoa(i) + `","signer":"sim-` + strconv.Itoa(i) + `"}`
		_, _, err := e.svc.Provision(fiscal.CashBoxSpec{ID: b.ID, TokenHash: fiscal.HashToken(b.Token), Sandbox: e.opts.sandbox,
			Queues: []fiscal.QueueSpec{{ID: b.QueueID, Country: fiscal.AT, Params: []byte(params)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	e.pay = e.startPayments()
	if err := e.svc.Start(); err != nil {
		t.Fatal(err)
	}
	if e.pay != nil {
		e.pay.Start()
	}
	e.issues = e.startIssues()
	api := httpapi.New(httpapi.Options{Service: e.svc, Payments: e.pay, Issues: e.issues, Registry: e.Reg, Gatherer: e.Reg, Throttle: e.opts.throttle})
	e.srv = httptest.NewServer(api.Handler())
	e.URL = e.srv.URL
}

func (e *env) stop() {
	if e.srv == nil {
		return
	}
	if e.pay != nil {
		e.pay.Close(5 * time.Second) // waiting /pay requests end first
	}
	e.srv.Close()
	if e.issues != nil {
		e.issues.Close()
	}
	for _, c := range e.closers {
		c()
	}
	e.closers = nil
	e.svc.Close()
	e.db.Close()
	e.srv = nil
}

// restart stops and reopens the same data directory, as a daemon restart
// does.
func (e *env) restart() {
	e.stop()
	e.start()
}

// resp is an HTTP answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map (numbers as json.Number).
func (r resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// headers builds the four API headers for a CashBox.
func (b box) headers(op string) map[string]string {
	return map[string]string{
		"Content-Type": "application/json", "x-cashbox-id": b.ID, "x-cashbox-accesstoken": b.Token,
		"x-possystem-id": b.PosSystemID, "x-operation-id": op,
	}
}

// do sends a request with explicit headers.
func (e *env) do(method, path string, headers map[string]string, body []byte) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: data}
}

// post sends a POST for CashBox b with a fresh operation id.
func (e *env) post(b box, path string, body string) resp {
	e.t.Helper()
	return e.do("POST", path, b.headers(fiscal.NewUUID()), []byte(body))
}

// postOp sends a POST with the given operation id.
func (e *env) postOp(b box, path, op, body string) resp {
	e.t.Helper()
	return e.do("POST", path, b.headers(op), []byte(body))
}

// AT v2 case values.
const (
	atV2           = uint64(0x4154_2000_0000_0000)
	caseStart      = atV2 | 0x4001
	caseStop       = atV2 | 0x4002
	casePOS        = atV2 | 0x0001
	caseZero       = atV2 | 0x2000
	caseDaily      = atV2 | 0x2011
	caseMonthly    = atV2 | 0x2012
	caseYearly     = atV2 | 0x2013
	payCash        = atV2 | 0x0001
	flagTraining   = uint64(0x2_0000)
	flagVoid       = uint64(0x4_0000)
	flagRefund     = uint64(0x100_0000)
	flagRequested  = uint64(0x8000_0000)
	stateReady     = uint64(0x4154_2000_0000_0000)
	stateOutOfOp   = uint64(0x4154_2000_0000_0001)
	stateError     = uint64(0x4154_2000_EEEE_EEEE)
	sigTypeRKSVQR  = uint64(0x4154_2000_0000_0001)
	atDEP7         = uint64(0x4154_0000_0000_0001)
	atDEP7v2       = uint64(0x4154_2000_0000_0001)
	problemURNBase = "urn:fiscald:problem:"
)

// receipt builds a /sign body.
func receipt(ref string, rc uint64, items string) string {
	if items == "" {
		items = `"cbChargeItems":[],"cbPayItems":[]`
	}
	return `{"cbReceiptReference":"` + ref + `","cbReceiptMoment":"` + time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00") + `",` + items +
		`,"ftReceiptCase":` + strconv.FormatUint(rc, 10) + `}`
}

// sale is the items of a balanced cash sale at 20 % (and 10 %).
func sale(a20, a10 string) string {
	return `"cbChargeItems":[{"Quantity":1,"Description":"Schnitzel","Amount":` + a10 + `,"VATRate":10},` +
		`{"Quantity":2,"Description":"Almdudler","Amount":` + a20 + `,"VATRate":20}],` +
		`"cbPayItems":[{"Description":"Bar","Amount":` + sumText(a20, a10) + `,"ftPayItemCase":` + strconv.FormatUint(payCash, 10) + `}]`
}

func sumText(a, b string) string {
	x, _ := strconv.ParseFloat(a, 64)
	y, _ := strconv.ParseFloat(b, 64)
	return strconv.FormatFloat(x+y, 'f', 2, 64)
}

// start sends the initial-operation receipt and fails the test unless it
// succeeds.
func (e *env) startQueue(b box) {
	e.t.Helper()
	r := e.post(b, "/v2/sign", receipt("start", caseStart, ""))
	if r.Status != 200 || stateOf(e.t, r) != stateReady {
		e.t.Fatalf("initial operation: %d %s", r.Status, r.Body)
	}
}

func stateOf(t testing.TB, r resp) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(string(r.JSON(t)["ftState"].(json.Number)), 10, 64)
	if err != nil {
		t.Fatalf("ftState: %v", err)
	}
	return n
}
