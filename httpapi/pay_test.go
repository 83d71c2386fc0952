package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/paysandbox"
	"github.com/fiscald/fiscald/device/zvt/zvtsim"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/payment"
)

const (
	flagTipItem    = uint64(0x40_0000)
	flagCardVoid   = uint64(0x1_0000)
	flagCardRefund = uint64(0x2_0000)
	cardFlags      = uint64(0x80_0000 | 0x100_0000) // electronic, interface
)

// payEnv is a sandbox CashBox with a simulated ZVT terminal over TCP
// and the sandbox provider.
func payEnv(t testing.TB, simScale float64, o payOptions) (*env, *zvtSim) {
	t.Helper()
	sim := newZVTSim(t, simScale)
	if o.scale == 0 {
		o.scale = simScale
	}
	o.terminals = func() []*payment.Terminal { return []*payment.Terminal{tcpTerminal("zvt-1", sim.addr)} }
	return newEnv(t, envOptions{sandbox: true, pay: &o}), sim
}

// TestPayAmountTable runs every row of the sandbox amount table through
// the ZVT terminal (use_auto and zvt) and the test provider: the same
// amount gives the same answer on both.
func TestPayAmountTable(t *testing.T) {
	e, sim := payEnv(t, 0.0001, payOptions{})
	b := e.Boxes[0]
	rows := append(paysandbox.Outcomes(), paysandbox.Lookup(1250))
	approved := 0
	for _, protocol := range []string{"use_auto", "zvt", "test"} {
		for _, row := range rows {
			r := e.post(b, "/v2/pay", payBody("payment", protocol, row.Amount, ""))
			name := protocol + " " + money(row.Amount) + " " + row.Description
			switch row.Result.String() {
			case "declined":
				expectProblem(t, name, r, 422, "payment-declined")
			case "cancelled":
				expectProblem(t, name, r, 422, "payment-cancelled")
			case "timeout":
				expectProblem(t, name, r, 504, "payment-timeout")
			default:
				if protocol != "test" {
					approved++
				}
				checkApproval(t, name, r, row.Amount, row.Charged, protocol)
			}
		}
	}
	if got := sim.charged(); got != approved {
		t.Errorf("the terminal booked %d payments, want %d", got, approved)
	}
}

func expectProblem(t *testing.T, name string, r resp, status int, typ string) {
	t.Helper()
	if r.Status != status || problemType(t, r) != typ {
		t.Errorf("%s: %d %s, want %d %s", name, r.Status, r.Body, status, typ)
	}
}

// checkApproval checks a 200 answer: the items sum to the requested
// amount (a tip nets out) unless partially approved, the card item
// carries what was charged, and the cases are card payments.
func checkApproval(t *testing.T, name string, r resp, requested, charged int64, protocol string) {
	t.Helper()
	if r.Status != 200 {
		t.Errorf("%s: %d %s", name, r.Status, r.Body)
		return
	}
	var body struct {
		Protocol string
		Items    []json.RawMessage `json:"ftPayItems"`
	}
	json.Unmarshal(r.Body, &body)
	want := protocol
	if protocol == "use_auto" {
		want = "zvt"
	}
	if body.Protocol != want {
		t.Errorf("%s: Protocol %q, want %q", name, body.Protocol, want)
	}
	var sum int64
	items := make([]item, len(body.Items))
	for i, raw := range body.Items {
		items[i] = decodeItem(t, raw)
		sum += cents(t, items[i].Amount)
		if items[i].Case&cardFlags != cardFlags || items[i].Case>>48 != 0x4154 || items[i].ID == "" {
			t.Errorf("%s: item %d case %#x id %q", name, i, items[i].Case, items[i].ID)
		}
	}
	if got := cents(t, items[0].Amount); got != charged {
		t.Errorf("%s: card item %d, want %d charged", name, got, charged)
	}
	tip := charged - requested
	switch {
	case tip > 0:
		if len(items) != 2 || cents(t, items[1].Amount) != -tip || items[1].Case&flagTipItem == 0 || sum != requested {
			t.Errorf("%s: tip items %s", name, r.Body)
		}
	case len(items) != 1 || sum != charged:
		t.Errorf("%s: items %s", name, r.Body)
	}
	if protocol != "test" && len(items[0].CaseData.Receipt) == 0 {
		t.Errorf("%s: no terminal slip in ftPayItemCaseData.Receipt", name)
	}
}

// TestPayRetryWaitsForTheSamePayment: a client that times out retries
// with the same operation id and gets the first payment's result; the
// terminal is charged once.
func TestPayRetryWaitsForTheSamePayment(t *testing.T) {
	e, sim := payEnv(t, 0.01, payOptions{}) // the 1-minute row takes 0.6 s
	b := e.Boxes[0]
	op := fiscal.NewUUID()
	body := payBody("payment", "use_auto", 3000060, "")
	e.abandon(b, op, body)
	var wg sync.WaitGroup
	answers := make([]resp, 4)
	for i := range answers {
		wg.Go(func() { answers[i] = e.postOp(b, "/v2/pay", op, body) })
	}
	wg.Wait()
	for i, r := range answers {
		if r.Status != 200 || string(r.Body) != string(answers[0].Body) {
			t.Fatalf("retry %d: %d %s", i, r.Status, r.Body)
		}
	}
	replay := e.postOp(b, "/v2/pay", op, body)
	if replay.Status != 200 || string(replay.Body) != string(answers[0].Body) || replay.Header.Get("x-idempotent-replay") != "true" {
		t.Errorf("replay: %d %v %s", replay.Status, replay.Header, replay.Body)
	}
	if n := len(sim.Transactions()); n != 1 || sim.charged() != 1 {
		t.Errorf("terminal saw %d transactions, %d charged; want exactly one", n, sim.charged())
	}
	if r := e.postOp(b, "/v2/pay", op, payBody("payment", "use_auto", 3000061, "")); r.Status != 409 {
		t.Errorf("same id, other body: %d %s", r.Status, r.Body)
	}
}

// TestPayUnreachableTerminal: a terminal that cannot be reached before
// the payment starts declines it; nothing is charged, and the answer is
// stored like any decline.
func TestPayUnreachableTerminal(t *testing.T) {
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	e := newEnv(t, envOptions{pay: &payOptions{terminals: func() []*payment.Terminal { return []*payment.Terminal{tcpTerminal("zvt-1", addr)} }}})
	b := e.Boxes[0]
	op := fiscal.NewUUID()
	r := e.postOp(b, "/v2/pay", op, payBody("payment", "zvt", 1000, ""))
	expectProblem(t, "unreachable", r, 422, "payment-declined")
	if !strings.Contains(string(r.Body), "terminal unreachable") || !strings.Contains(string(r.Body), "nothing was charged") {
		t.Errorf("detail: %s", r.Body)
	}
	if again := e.postOp(b, "/v2/pay", op, payBody("payment", "zvt", 1000, "")); again.Header.Get("x-idempotent-replay") != "true" || string(again.Body) != string(r.Body) {
		t.Errorf("the decline is not replayed: %s", again.Body)
	}
	m := string(e.do("GET", "/metrics", nil, nil).Body)
	for _, want := range []string{
		`fiscald_payment_terminal_up{protocol="zvt",terminal="zvt-1"} 0`,
		`fiscald_payment_transactions_total{action="payment",outcome="unreachable",protocol="zvt"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestPayLostAfterStatusInformation: the terminal drops the link after
// its result and before fiscald's acknowledgement; the POS is told the
// outcome is unknown (not stored), and the retry gets the settled
// outcome: the terminal reversed it, nothing was charged.
func TestPayLostAfterStatusInformation(t *testing.T) {
	e, sim := payEnv(t, 0.0001, payOptions{resolveWait: 2 * time.Second})
	b := e.Boxes[0]
	sim.DisconnectAt(zvtsim.StepAfterStatusInfo)
	op := fiscal.NewUUID()
	body := payBody("payment", "zvt", 4200, "")
	r := e.postOp(b, "/v2/pay", op, body)
	switch {
	case r.Status == 503:
		if problemType(t, r) != "payment-outcome-unknown" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("unknown outcome: %v %s", r.Header, r.Body)
		}
		r = e.postOp(b, "/v2/pay", op, body)
	case r.Status != 422:
		t.Fatalf("lost link: %d %s", r.Status, r.Body)
	}
	// Settled while waiting (the terminal answered at once) or on the
	// retry: either way the same stored decline.
	expectProblem(t, "settled", r, 422, "payment-declined")
	if !strings.Contains(string(r.Body), "did not book") {
		t.Errorf("detail: %s", r.Body)
	}
	if sim.charged() != 0 {
		t.Errorf("charged %d times", sim.charged())
	}
	if again := e.postOp(b, "/v2/pay", op, body); string(again.Body) != string(r.Body) {
		t.Errorf("settlement not stored: %s", again.Body)
	}
	// The terminal works on: a new operation pays.
	checkApproval(t, "after", e.post(b, "/v2/pay", body), 4200, 4200, "zvt")

	// The simulator's own row does the same by amount; the sandbox
	// provider approves that amount, as the public sandbox does.
	op = fiscal.NewUUID()
	body = payBody("payment", "use_auto", zvtsim.DisconnectAmount, "")
	r = e.postOp(b, "/v2/pay", op, body)
	for deadline := time.Now().Add(10 * time.Second); r.Status == 503 && time.Now().Before(deadline); {
		r = e.postOp(b, "/v2/pay", op, body)
	}
	expectProblem(t, "disconnect row", r, 422, "payment-declined")
	if sim.charged() != 1 {
		t.Errorf("charged %d, want only the 42.00", sim.charged())
	}
	checkApproval(t, "sandbox", e.post(b, "/v2/pay", payBody("payment", "test", zvtsim.DisconnectAmount, "")), zvtsim.DisconnectAmount, zvtsim.DisconnectAmount, "test")
}

// TestPayUnpluggedMidPayment pulls a serial terminal (a pty behind a
// by-id style link) during a payment: 503 while it is away, the settled
// outcome for the same operation id once it is plugged back in, and
// never a second payment.
func TestPayUnpluggedMidPayment(t *testing.T) {
	term, err := zvtsim.New(zvtsim.Options{TerminalID: "29005678", TimeScale: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	pl := newPlug(t, term)
	e := newEnv(t, envOptions{pay: &payOptions{resolveWait: 300 * time.Millisecond,
		terminals: func() []*payment.Terminal { return []*payment.Terminal{serialTerminal("zvt-serial", pl.path)} }}})
	b := e.Boxes[0]
	checkApproval(t, "plugged", e.post(b, "/v2/pay", payBody("payment", "zvt", 990, "")), 990, 990, "zvt")

	op := fiscal.NewUUID()
	body := payBody("payment", "zvt", 3000060, "") // 1.2 s at this scale
	first := make(chan resp, 1)
	go func() { first <- e.postOp(b, "/v2/pay", op, body) }()
	time.Sleep(400 * time.Millisecond)
	pl.unplug()
	r := <-first
	if r.Status != 503 || problemType(t, r) != "payment-outcome-unknown" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("unplugged: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := e.postOp(b, "/v2/pay", op, body); r.Status != 503 {
		t.Fatalf("still unplugged: %d %s", r.Status, r.Body)
	}
	pl.plug()
	deadline := time.Now().Add(15 * time.Second)
	for r.Status == 503 && time.Now().Before(deadline) {
		r = e.postOp(b, "/v2/pay", op, body)
	}
	expectProblem(t, "plugged back", r, 422, "payment-declined")
	if n := len(term.Transactions()); n > 2 {
		t.Errorf("the terminal booked %d transactions: the operation was paid again", n)
	}
	if c := countCharged(term); c != 1 {
		t.Errorf("charged %d, want only the first payment", c)
	}
}

func countCharged(term *zvtsim.Terminal) int {
	n := 0
	for _, tx := range term.Transactions() {
		if tx.Charged() {
			n++
		}
	}
	return n
}

// TestPayCancelAndRefund undoes payments with the items /pay returned.
func TestPayCancelAndRefund(t *testing.T) {
	e, sim := payEnv(t, 0.0001, payOptions{})
	b := e.Boxes[0]
	paid := decodeItem(t, payItems(t, e.post(b, "/v2/pay", payBody("payment", "use_auto", 5000, "")))[0])
	undo := func(action string, cents int64) resp {
		return e.post(b, "/v2/pay", `{"Action":"`+action+`","Protocol":"use_auto","cbPayItem":{"Description":"Card","Amount":`+money(cents)+
			`,"ftPayItemId":"`+paid.ID+`","ftPayItemCase":`+itoa(paid.Case)+`}}`)
	}
	if r := undo("cancel", -4000); r.Status != 400 {
		t.Errorf("partial cancel: %d %s", r.Status, r.Body)
	}
	c := decodeItem(t, payItems(t, undo("cancel", -5000))[0])
	if cents(t, c.Amount) != -5000 || c.Case&flagCardVoid == 0 {
		t.Errorf("cancel item %+v", c)
	}
	if sim.charged() != 0 {
		t.Errorf("charged %d after the cancel", sim.charged())
	}
	if r := undo("cancel", -5000); r.Status != 400 || !strings.Contains(string(r.Body), "cancelled already") {
		t.Errorf("second cancel: %d %s", r.Status, r.Body)
	}

	paid = decodeItem(t, payItems(t, e.post(b, "/v2/pay", payBody("payment", "zvt", 8000, "")))[0])
	rf := decodeItem(t, payItems(t, undo("refund", -3000))[0])
	if cents(t, rf.Amount) != -3000 || rf.Case&flagCardRefund == 0 {
		t.Errorf("refund item %+v", rf)
	}
	if r := undo("refund", -6000); r.Status != 400 || !strings.Contains(string(r.Body), "50") {
		t.Errorf("refund over the rest: %d %s", r.Status, r.Body)
	}
	payItems(t, undo("refund", -5000))
	if r := e.post(b, "/v2/pay", `{"Action":"refund","Protocol":"zvt","cbPayItem":{"Description":"x","Amount":-1,"ftPayItemId":"`+fiscal.NewUUID()+`"}}`); r.Status != 400 {
		t.Errorf("refund of an unknown payment: %d %s", r.Status, r.Body)
	}
}

// TestPayItemsSignedUnchanged passes the items of /pay unchanged to
// /sign (a tip included) and finds the link in the action journal.
func TestPayItemsSignedUnchanged(t *testing.T) {
	e, _ := payEnv(t, 0.0001, payOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	items := payItems(t, e.post(b, "/v2/pay", payBody("payment", "use_auto", 3000050, "")))
	raw, _ := json.Marshal(items)
	body := receipt("R-pay-1", casePOS, `"cbChargeItems":[{"Quantity":1,"Description":"Menu","Amount":30000.50,"VATRate":10}],"cbPayItems":`+string(raw))
	r := e.post(b, "/v2/sign", body)
	if r.Status != 200 || stateOf(t, r) != stateReady {
		t.Fatalf("sign with the pay items: %d %s", r.Status, r.Body)
	}
	j := e.post(b, "/v2/journal", `{"ftJournalType":1}`)
	if j.Status != 200 {
		t.Fatalf("action journal: %d %s", j.Status, j.Body)
	}
	for _, it := range items {
		id := decodeItem(t, it).ID
		if !strings.Contains(string(j.Body), "ftPayItemId "+id+" is the") {
			t.Errorf("no link note for %s in the action journal", id)
		}
	}
	for _, typ := range []string{`"pay-started"`, `"pay-result"`, `"pay-completed"`} {
		if !strings.Contains(string(j.Body), typ) {
			t.Errorf("action journal lacks %s", typ)
		}
	}
}

// TestPayRouting covers what selects a terminal, and what is refused.
func TestPayRouting(t *testing.T) {
	e, _ := payEnv(t, 0.0001, payOptions{})
	b := e.Boxes[0]
	echo := e.post(b, "/v2/echo", `{"Message":"x"}`).JSON(t)["Capabilities"].(map[string]any)
	if got, _ := json.Marshal(echo["PayProtocols"]); string(got) != `["use_auto","use_first","zvt","test"]` {
		t.Errorf("PayProtocols %s", got)
	}
	if got, _ := json.Marshal(echo["Endpoints"]); !strings.Contains(string(got), `"pay"`) {
		t.Errorf("Endpoints %s", got)
	}
	for _, c := range []struct {
		body   string
		status int
		typ    string
	}{
		{payBody("payment", "zvt", 100, `,"cbTerminalID":"zvt-1"`), 200, ""},
		{payBody("payment", "test", 100, `,"cbTerminalID":"sandbox"`), 200, ""},
		{payBody("payment", "zvt", 100, `,"cbTerminalID":"till-9"`), 422, "unsupported-value"},
		{payBody("payment", "hobexecr", 100, ""), 422, "unsupported-value"},
		{payBody("payment", "bogus", 100, ""), 400, "validation-error"},
		{payBody("payment", "none", 100, ""), 400, "validation-error"},
		{payBody("pre_authorization", "zvt", 100, ""), 501, "not-implemented"},
		{payBody("payment", "zvt", 0, ""), 400, "validation-error"},
		{payBody("payment", "zvt", -100, ""), 400, "validation-error"},
		{`{"Action":"payment","Protocol":"zvt"}`, 400, "validation-error"},
	} {
		r := e.post(b, "/v2/pay", c.body)
		if r.Status != c.status || (c.typ != "" && problemType(t, r) != c.typ) {
			t.Errorf("%s: %d %s", c.body, r.Status, r.Body)
		}
	}
	// Without the sandbox flag the test provider is not offered.
	plain := newEnv(t, envOptions{pay: &payOptions{}})
	if r := plain.post(plain.Boxes[0], "/v2/pay", payBody("payment", "test", 100, "")); r.Status != 422 {
		t.Errorf("test protocol on a production CashBox: %d %s", r.Status, r.Body)
	}
}

// TestPayLimit: a payment that runs past the payment limit is cancelled
// on the terminal and answered 504, stored; nothing is charged.
func TestPayLimit(t *testing.T) {
	e, sim := payEnv(t, 0.01, payOptions{limit: 300 * time.Millisecond})
	b := e.Boxes[0]
	for _, protocol := range []string{"zvt", "test"} {
		op := fiscal.NewUUID()
		body := payBody("payment", protocol, 3000070, "") // 1.8 s
		r := e.postOp(b, "/v2/pay", op, body)
		expectProblem(t, protocol, r, 504, "payment-timeout")
		if again := e.postOp(b, "/v2/pay", op, body); again.Header.Get("x-idempotent-replay") != "true" {
			t.Errorf("%s: timeout not stored: %d %s", protocol, again.Status, again.Body)
		}
	}
	if sim.charged() != 0 {
		t.Errorf("charged %d", sim.charged())
	}
}

// TestPayRestartSettles: fiscald stops while a payment runs; after the
// restart the operation id is answered only once the terminal settled
// it, and the payment is not run again.
func TestPayRestartSettles(t *testing.T) {
	e, _ := payEnv(t, 0.05, payOptions{resolveWait: 3 * time.Second})
	b := e.Boxes[0]
	op := fiscal.NewUUID()
	body := payBody("payment", "test", 3000070, "") // 9 s at this scale
	first := make(chan resp, 1)
	go func() { first <- e.postOp(b, "/v2/pay", op, body) }()
	time.Sleep(300 * time.Millisecond)
	e.restart()
	if r := <-first; r.Status != 503 {
		t.Errorf("request during the stop: %d %s", r.Status, r.Body)
	}
	// The sandbox provider forgets on restart, like a terminal that
	// reversed what fiscald never acknowledged.
	r := e.postOp(b, "/v2/pay", op, body)
	expectProblem(t, "after restart", r, 422, "payment-declined")
	if !strings.Contains(string(r.Body), "did not book") {
		t.Errorf("detail %s", r.Body)
	}
}

// TestPayMetrics checks the payment series.
func TestPayMetrics(t *testing.T) {
	e, _ := payEnv(t, 0.0001, payOptions{})
	b := e.Boxes[0]
	payItems(t, e.post(b, "/v2/pay", payBody("payment", "zvt", 100, "")))
	expectProblem(t, "declined", e.post(b, "/v2/pay", payBody("payment", "test", 3000010, "")), 422, "payment-declined")
	m := string(e.do("GET", "/metrics", nil, nil).Body)
	for _, want := range []string{
		`fiscald_payment_transactions_total{action="payment",outcome="approved",protocol="zvt"} 1`,
		`fiscald_payment_transactions_total{action="payment",outcome="declined",protocol="test"} 1`,
		`fiscald_payment_terminal_up{protocol="zvt",terminal="zvt-1"} 1`,
		`fiscald_payment_terminal_duration_seconds_count{protocol="zvt",terminal="zvt-1"} 1`,
		`fiscald_payment_outcome_unknown_payments 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// crashAfterResult is a payment terminal that, like a fiscald that dies
// after acknowledging the terminal's result, never returns the result of
// a payment it charged: it holds the call until the service stops.
type crashAfterResult struct {
	device.PaymentTerminal
}

func (c crashAfterResult) Pay(ctx context.Context, req device.PayRequest) (device.PayResult, error) {
	if _, err := c.PaymentTerminal.Pay(ctx, req); err != nil {
		return device.PayResult{}, err
	}
	<-ctx.Done()
	return device.PayResult{}, ctx.Err()
}

// TestPayRestartFindsBookedResult: the terminal's result was journaled
// and booked, but fiscald stopped before it finished the operation; after
// the restart the terminal's last transaction confirms it and the POS
// gets the approval, once.
func TestPayRestartFindsBookedResult(t *testing.T) {
	inner := paysandbox.New(paysandbox.Options{TimeScale: 0.0001})
	crashing := true
	o := payOptions{sandbox: inner, resolveWait: 3 * time.Second}
	o.terminals = func() []*payment.Terminal {
		var d device.PaymentTerminal = inner
		if crashing {
			d = crashAfterResult{inner}
		}
		return []*payment.Terminal{{Name: "pt", Protocol: payment.ProtocolZVT, Device: d}}
	}
	e := newEnv(t, envOptions{sandbox: true, pay: &o})
	b := e.Boxes[0]
	op := fiscal.NewUUID()
	body := payBody("payment", "zvt", 2590, "")
	first := make(chan resp, 1)
	go func() { first <- e.postOp(b, "/v2/pay", op, body) }()
	time.Sleep(300 * time.Millisecond)
	crashing = false
	e.restart()
	if r := <-first; r.Status != 503 {
		t.Errorf("request during the stop: %d %s", r.Status, r.Body)
	}
	r := e.postOp(b, "/v2/pay", op, body)
	checkApproval(t, "after restart", r, 2590, 2590, "zvt")
	it := decodeItem(t, payItems(t, r)[0])
	if it.CaseData.Provider["ReceiptNumber"] == "" || it.CaseData.Provider["TraceNumber"] == "" {
		t.Errorf("provider data %v", it.CaseData.Provider)
	}
	if again := e.postOp(b, "/v2/pay", op, body); string(again.Body) != string(r.Body) {
		t.Errorf("replay differs: %s", again.Body)
	}
}

// lostAfterBooking books a payment on the sandbox provider and then
// reports the link lost, like a ZVT terminal whose connection dropped
// after fiscald acknowledged its result; its status enquiry answers only
// once the test opens the gate.
type lostAfterBooking struct {
	*paysandbox.Provider
	gate chan struct{}
	lost sync.Once
}

func (l *lostAfterBooking) Pay(ctx context.Context, req device.PayRequest) (device.PayResult, error) {
	res, err := l.Provider.Pay(ctx, req)
	lose := false
	l.lost.Do(func() { lose = true })
	if err != nil || !lose {
		return res, err
	}
	return device.PayResult{}, fmt.Errorf("link lost after the acknowledgement: %w", device.ErrOutcomeUnknown)
}

func (l *lostAfterBooking) LastTransaction(ctx context.Context) (device.PayResult, error) {
	select {
	case <-l.gate:
		return l.Provider.LastTransaction(ctx)
	default:
		return device.PayResult{}, fmt.Errorf("not answering: %w", device.ErrUnavailable)
	}
}

// TestPayTerminalOwesOutcome: while a terminal owes the outcome of a
// payment it lost, it runs no other transaction (which would become its
// "last transaction" and make the lost one look unbooked); once it
// answers, the lost payment settles as charged.
func TestPayTerminalOwesOutcome(t *testing.T) {
	pt := &lostAfterBooking{Provider: paysandbox.New(paysandbox.Options{}), gate: make(chan struct{})}
	e := newEnv(t, envOptions{pay: &payOptions{resolveWait: 200 * time.Millisecond,
		terminals: func() []*payment.Terminal {
			return []*payment.Terminal{{Name: "pt", Protocol: payment.ProtocolZVT, Device: pt}}
		}}})
	b := e.Boxes[0]
	op := fiscal.NewUUID()
	body := payBody("payment", "zvt", 1000, "")
	if r := e.postOp(b, "/v2/pay", op, body); r.Status != 503 {
		t.Fatalf("lost payment: %d %s", r.Status, r.Body)
	}
	other := e.post(b, "/v2/pay", payBody("payment", "zvt", 2000, ""))
	expectProblem(t, "payment while the terminal owes an outcome", other, 422, "payment-declined")
	if !strings.Contains(string(other.Body), "settling an earlier payment") {
		t.Errorf("detail: %s", other.Body)
	}
	close(pt.gate)
	r := e.postOp(b, "/v2/pay", op, body)
	for deadline := time.Now().Add(10 * time.Second); r.Status == 503 && time.Now().Before(deadline); {
		r = e.postOp(b, "/v2/pay", op, body)
	}
	checkApproval(t, "settled", r, 1000, 1000, "zvt")
	checkApproval(t, "after settling", e.post(b, "/v2/pay", payBody("payment", "zvt", 3000, "")), 3000, 3000, "zvt")
}

// TestPayIDClaimedWhileRunning: once the first request left, the running
// payment still owns its operation id: another body, or another
// endpoint, with that id is a conflict, and the payment's own retry gets
// its result.
func TestPayIDClaimedWhileRunning(t *testing.T) {
	e, _ := payEnv(t, 0.02, payOptions{}) // the 1-minute row takes 1.2 s
	b := e.Boxes[0]
	e.startQueue(b)
	op := fiscal.NewUUID()
	body := payBody("payment", "test", 3000060, "")
	e.abandon(b, op, body)
	if r := e.postOp(b, "/v2/pay", op, `{"Action":"bogus"}`); r.Status != 409 {
		t.Errorf("other body: %d %s", r.Status, r.Body)
	}
	if r := e.postOp(b, "/v2/sign", op, receipt("R-1", casePOS, sale("1", "2"))); r.Status != 409 {
		t.Errorf("/sign with the payment's id: %d %s", r.Status, r.Body)
	}
	checkApproval(t, "retry", e.postOp(b, "/v2/pay", op, body), 3000060, 3000060, "test")
}
