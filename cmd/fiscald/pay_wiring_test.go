package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/zvt/zvtsim"
	"github.com/fiscald/fiscald/fiscal"
)

// TestConfigPaymentTerminal runs the daemon from a configuration file
// whose sandbox CashBox pays through a ZVT terminal on TCP (the simulator,
// started here): /v2/echo offers its protocols plus the sandbox's "test",
// and /v2/pay reaches both.
func TestConfigPaymentTerminal(t *testing.T) {
	term, err := zvtsim.New(zvtsim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := term.ListenTCP(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	listen := freeAddr(t)
	cashbox, token, queue := fiscal.NewUUID(), "config-pay-token", fiscal.NewUUID()
	doc := `listen: ` + listen + `
data: ` + dir + `
signers:
  - name: sim1
    kind: simulator
    key_file: ` + filepath.Join(dir, "sim1.pem") + `
payment_terminals:
  - name: counter-1
    protocol: zvt
    zvt:
      tcp: ` + sim.Addr().String() + `
      probe_interval: 1s
cashboxes:
  - id: ` + cashbox + `
    access_token_hash: ` + fiscal.HashToken(token) + `
    sandbox: true
    payment_terminals: [counter-1]
    queues:
      - id: ` + queue + `
        country: AT
        at:
          kassen_id: PAY-1
          signer: sim1
`
	path := filepath.Join(dir, "fiscald.yaml")
	os.WriteFile(path, []byte(doc), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, flags{configPath: path, simTimeScale: 1, logLevel: "warn", payLimit: 30 * time.Second})
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	}
	defer stop()
	c := &client{base: "http://" + listen + "/v2", cashbox: cashbox, token: token, posID: fiscal.NewUUID(), queueID: queue,
		http: &http.Client{Timeout: 20 * time.Second}}
	defer c.http.CloseIdleConnections()
	var r reply
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if r = c.post("/echo", newOp(), []byte(`{"Message":"hi"}`)); r.Err == nil || time.Now().After(deadline) {
			break
		}
	}
	var echo struct {
		Capabilities struct{ PayProtocols []string }
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &echo) != nil {
		t.Fatalf("echo: %d %v %s", r.Status, r.Err, r.Body)
	}
	if want := []string{"use_auto", "use_first", "zvt", "test"}; !slices.Equal(echo.Capabilities.PayProtocols, want) {
		t.Fatalf("PayProtocols %v, want %v", echo.Capabilities.PayProtocols, want)
	}
	for protocol, terminal := range map[string]string{"use_auto": "counter-1", "test": "sandbox"} {
		r := c.post("/pay", newOp(), []byte(`{"Action":"payment","Protocol":"`+protocol+`","cbPayItem":{"Description":"Card","Amount":12.5}}`))
		if r.Status != 200 || !strings.Contains(string(r.Body), `"Terminal":"`+terminal+`"`) {
			t.Errorf("pay %s: %d %v %s", protocol, r.Status, r.Err, r.Body)
		}
	}
	res, err := c.http.Get("http://" + listen + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`fiscald_payment_terminal_up{protocol="zvt",terminal="counter-1"} 1`,
		`fiscald_payment_transactions_total{action="payment",outcome="approved",protocol="zvt"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	stop()
	if txs := term.Transactions(); len(txs) != 1 || txs[0].State != "booked" {
		t.Errorf("simulator ledger %+v, want the one booked payment", txs)
	}
}

// TestPayFlagChecks: the payment flags are checked before anything starts.
func TestPayFlagChecks(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fiscald.yaml")
	for _, tc := range []struct {
		f    flags
		want string
	}{
		{flags{demo: true, data: dir, demoCashboxes: 1, simTimeScale: 0}, "--sim-time-scale"},
		{flags{demo: true, data: dir, demoCashboxes: 1, simTimeScale: -1}, "--sim-time-scale"},
		{flags{demo: true, data: dir, demoCashboxes: 1, simTimeScale: 1, payLimit: -time.Second}, "--pay-limit"},
		{flags{configPath: cfg, simTimeScale: 0.5}, "--sim-time-scale is for the demo"},
	} {
		if err := run(context.Background(), tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want one naming %s", tc.f, err, tc.want)
		}
	}
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
