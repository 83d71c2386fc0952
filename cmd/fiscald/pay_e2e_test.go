package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// payArgs make the demo's simulated payments fast: the table's minute
// rows take seconds, and a request for an unsettled payment answers 503
// after a short wait.
var payArgs = []string{"--sim-time-scale", "0.05", "--pay-resolve-wait", "1s"}

func payBody(protocol string, cents int64) []byte {
	return []byte(`{"Action":"payment","Protocol":"` + protocol + `","cbPayItem":{"Description":"Card","Amount":` + fiscalAmount(cents) + `}}`)
}

// simTransaction is an entry of the in-daemon simulator's ledger.
type simTransaction struct {
	Kind      string `json:"kind"`
	State     string `json:"state"`
	Requested int64  `json:"requested"`
}

// simLedger reads the transaction log the demo's ZVT simulator keeps
// under the data directory.
func simLedger(t *testing.T, dir string) []simTransaction {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*zvt*.json"))
	if len(files) != 1 {
		t.Fatalf("simulator ledger: found %v in %s", files, dir)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Transactions []simTransaction `json:"transactions"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	return l.Transactions
}

// TestPayDemoCrashMidPayment: `fiscald --demo` pays through its built-in
// ZVT simulator; fiscald is killed while a payment runs; after the
// restart the same operation id is answered only once the terminal was
// asked, with the settled outcome, and nothing was charged twice. The
// items of a payment are then accepted unchanged by /v2/sign.
func TestPayDemoCrashMidPayment(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, payArgs...)
	defer d.kill()
	c := d.client(0)
	echo := c.post("/echo", newOp(), []byte(`{"Message":"hi"}`))
	if echo.Status != 200 || !strings.Contains(string(echo.Body), `"PayProtocols":["use_auto","use_first","zvt","test"]`) {
		t.Fatalf("echo: %d %s", echo.Status, echo.Body)
	}
	if r := c.post("/pay", newOp(), payBody("use_auto", 1250)); r.Status != 200 {
		t.Fatalf("demo payment: %d %s\n%s", r.Status, r.Body, d.log)
	}
	if r := c.post("/pay", newOp(), payBody("test", 3000020)); r.Status != 504 {
		t.Fatalf("sandbox timeout row: %d %s", r.Status, r.Body)
	}

	op := newOp()
	body := payBody("use_auto", 3000060) // 3 s at this scale
	go c.post("/pay", op, body)
	time.Sleep(1200 * time.Millisecond)
	d.kill()

	d2 := startDaemon(t, dir, payArgs...)
	defer d2.kill()
	c2 := d2.client(0)
	r := c2.post("/pay", op, body)
	for deadline := time.Now().Add(20 * time.Second); r.Status == 503 && time.Now().Before(deadline); {
		r = c2.post("/pay", op, body)
	}
	if r.Status != 422 || !strings.Contains(string(r.Body), "payment-declined") || !strings.Contains(string(r.Body), "did not book") {
		t.Fatalf("after the crash: %d %v %s\n%s", r.Status, r.Err, r.Body, d2.log)
	}
	n := 0
	for _, tx := range simLedger(t, dir) {
		if tx.Requested == 3000060 {
			n++
			if tx.State == "booked" {
				t.Errorf("the interrupted payment was charged: %+v", tx)
			}
		}
	}
	if n > 1 {
		t.Errorf("the terminal saw the interrupted payment %d times", n)
	}

	// A new payment, and its items on a receipt.
	paid := c2.post("/pay", newOp(), payBody("zvt", 3000050))
	var pr struct {
		Items json.RawMessage `json:"ftPayItems"`
	}
	if paid.Status != 200 || json.Unmarshal(paid.Body, &pr) != nil {
		t.Fatalf("tip payment: %d %s", paid.Status, paid.Body)
	}
	if r := c2.post("/sign", newOp(), receiptBody("start", caseStart, 0)); r.Status != 200 {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	sale := `{"cbReceiptReference":"pay-1","cbReceiptMoment":"` + time.Now().UTC().Format(time.RFC3339) + `",` +
		`"cbChargeItems":[{"Quantity":1,"Description":"Menu","Amount":30000.5,"VATRate":10}],"cbPayItems":` + string(pr.Items) +
		`,"ftReceiptCase":` + strconv.FormatUint(casePOS, 10) + `}`
	if r := c2.post("/sign", newOp(), []byte(sale)); r.Status != 200 || strings.Contains(string(r.Body), "EEEE") {
		t.Fatalf("sign with the pay items: %d %s", r.Status, r.Body)
	}
	if err, _ := d2.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, d2.log)
	}
	if out, errOut, code := fiscalctl(t, "journal", "verify", "--data", dir); code != 0 {
		t.Fatalf("journal verify: %d %s %s", code, out, errOut)
	}
}
