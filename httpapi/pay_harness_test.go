package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/paysandbox"
	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/device/zvt/zvtsim"
	"github.com/fiscald/fiscald/device/zvtdial"
	"github.com/fiscald/fiscald/fiscal/payment"
	"github.com/fiscald/fiscald/internal/ptytest"
)

// payOptions attach payment terminals to every CashBox of an env.
type payOptions struct {
	// terminals builds the terminals at every (re)start, as a daemon
	// does; the simulators behind them outlive restarts.
	terminals          func() []*payment.Terminal
	limit, resolveWait time.Duration
	// scale shrinks the sandbox provider's delays.
	scale float64
	// sandbox, if set, is the test provider, kept across restarts.
	sandbox device.PaymentTerminal
}

func (e *env) startPayments() *payment.Service {
	o := e.opts.pay
	if o == nil {
		return nil
	}
	terms := map[string][]*payment.Terminal{}
	var ts []*payment.Terminal
	if o.terminals != nil {
		ts = o.terminals()
	}
	for _, b := range e.Boxes {
		terms[b.ID] = ts
	}
	sandbox := o.sandbox
	if sandbox == nil {
		sandbox = paysandbox.New(paysandbox.Options{TimeScale: o.scale})
	}
	ps, err := payment.New(payment.Options{Fiscal: e.svc, DB: e.db, Terminals: terms, Sandbox: sandbox, Limit: o.limit, ResolveWait: o.resolveWait, Registry: e.Reg})
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc.SetPayItems(ps)
	return ps
}

// zvtSim is a simulated ZVT terminal on loopback TCP that outlives env
// restarts, with its ledger in a file.
type zvtSim struct {
	*zvtsim.Terminal
	addr string
}

func newZVTSim(t testing.TB, scale float64) *zvtSim {
	t.Helper()
	term, err := zvtsim.New(zvtsim.Options{TerminalID: "29001234", TimeScale: scale, StateFile: filepath.Join(t.TempDir(), "ledger.json")})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := term.ListenTCP(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &zvtSim{Terminal: term, addr: ln.Addr().String()}
}

// charged counts the payments the terminal booked and did not reverse.
func (z *zvtSim) charged() int {
	n := 0
	for _, tx := range z.Transactions() {
		if tx.Charged() {
			n++
		}
	}
	return n
}

// tcpTerminal is a ZVT terminal over TCP, as fiscald's configuration
// builds one.
func tcpTerminal(name, addr string) *payment.Terminal {
	ecr := zvt.NewECR(zvtdial.TCP(addr, 2*time.Second), zvt.ECROptions{Name: name, T3: 2 * time.Second, AbortWait: 2 * time.Second})
	return &payment.Terminal{Name: name, Protocol: payment.ProtocolZVT, Device: ecr}
}

// serialTerminal is a ZVT terminal on a serial port, opened by path on
// every connect (a /dev/serial/by-id link in production).
func serialTerminal(name, path string) *payment.Terminal {
	ecr := zvt.NewECR(zvtdial.Serial(serialport.Config{Path: path}), zvt.ECROptions{Name: name, T3: 2 * time.Second, AbortWait: 2 * time.Second})
	return &payment.Terminal{Name: name, Protocol: payment.ProtocolZVT, Device: ecr}
}

// plug is a simulated terminal on a pty behind a stable path (like a
// /dev/serial/by-id link): unplug closes the pty, plug opens a new one
// and points the path at it.
type plug struct {
	t    *testing.T
	term *zvtsim.Terminal
	path string

	mu     sync.Mutex
	master *os.File
	stop   context.CancelFunc
	served chan error
}

func newPlug(t *testing.T, term *zvtsim.Terminal) *plug {
	p := &plug{t: t, term: term, path: filepath.Join(t.TempDir(), "usb-zvt-terminal")}
	p.plug()
	t.Cleanup(p.unplug)
	return p
}

func (p *plug) plug() {
	p.t.Helper()
	master, slave := ptytest.Open(p.t)
	os.Remove(p.path)
	if err := os.Symlink(slave.Name(), p.path); err != nil {
		p.t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		// The slave stays open on the test's side, so the driver closing
		// and reopening it does not hang up the master; a sequence that
		// ended in error gets a fresh link on the same master.
		for ctx.Err() == nil {
			link, err := zvt.NewSerialLink(keepOpen{master}, zvt.DefaultSerialOptions())
			if err == nil {
				err = p.term.Serve(ctx, link)
			}
			if err != nil && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
		}
		served <- nil
	}()
	p.mu.Lock()
	p.master, p.stop, p.served = master, stop, served
	p.mu.Unlock()
}

// unplug closes the terminal's end and removes the path.
func (p *plug) unplug() {
	p.mu.Lock()
	m, stop, served := p.master, p.stop, p.served
	p.master, p.stop = nil, nil
	p.mu.Unlock()
	if m == nil {
		return
	}
	os.Remove(p.path)
	stop()
	m.Close()
	<-served
}

// keepOpen hands the master to a link without letting the link close it.
type keepOpen struct{ *os.File }

func (keepOpen) Close() error { return nil }

// payBody builds a /v2/pay body.
func payBody(action, protocol string, cents int64, extra string) string {
	b := `{"Action":"` + action + `","Protocol":"` + protocol + `","cbPayItem":{"Description":"Card","Amount":` + money(cents) + `}`
	return b + extra + `}`
}

func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// payItems returns the ftPayItems of a 200 answer as raw JSON objects.
func payItems(t testing.TB, r resp) []json.RawMessage {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
	var body struct {
		Protocol string
		QueueID  string            `json:"ftQueueID"`
		Items    []json.RawMessage `json:"ftPayItems"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Items) == 0 {
		t.Fatalf("pay response: %v: %s", err, r.Body)
	}
	return body.Items
}

// item is the part of a returned pay item the tests read.
type item struct {
	Amount      json.Number
	Case        uint64 `json:"ftPayItemCase"`
	ID          string `json:"ftPayItemId"`
	Description string
	CaseData    struct {
		Provider map[string]any
		Receipt  []string
	} `json:"ftPayItemCaseData"`
}

func decodeItem(t testing.TB, raw json.RawMessage) item {
	t.Helper()
	var it item
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&it); err != nil {
		t.Fatal(err)
	}
	return it
}

func cents(t testing.TB, n json.Number) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		t.Fatal(err)
	}
	if f < 0 {
		return -int64(-f*100 + 0.5)
	}
	return int64(f*100 + 0.5)
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// abandon sends a /v2/pay and gives up after 100 ms, as a POS with a
// short HTTP timeout does; the payment must still be running then.
func (e *env) abandon(b box, op, body string) {
	e.t.Helper()
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest("POST", e.URL+"/v2/pay", strings.NewReader(body))
	for k, v := range b.headers(op) {
		req.Header.Set(k, v)
	}
	if _, err := impatient.Do(req); err == nil {
		e.t.Fatal("the first request did not time out")
	}
}
