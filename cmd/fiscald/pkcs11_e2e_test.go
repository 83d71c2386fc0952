package main

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
)

// failedSig is the JWS signature segment of a receipt whose device failed.
var failedSig = base64.RawURLEncoding.EncodeToString([]byte("Sicherheitseinrichtung ausgefallen"))

// sent is one receipt a terminal sent, and what came back.
type sent struct {
	status int
	err    error
	number string // ftReceiptIdentification
	state  uint64
	marked bool // the QR item says "Sicherheitseinrichtung ausgefallen"
	items  []string
}

func parseSent(r reply) sent {
	s := sent{status: r.Status, err: r.Err}
	var v struct {
		ReceiptIdentification string `json:"ftReceiptIdentification"`
		State                 uint64 `json:"ftState"`
		Signatures            []struct {
			Caption string
			Data    string
		} `json:"ftSignatures"`
	}
	if r.Err == nil && json.Unmarshal(r.Body, &v) == nil {
		s.number, s.state = v.ReceiptIdentification, v.State
		for _, sig := range v.Signatures {
			s.marked = s.marked || sig.Caption == "Sicherheitseinrichtung ausgefallen"
			s.items = append(s.items, sig.Caption)
		}
	}
	return s
}

// initToken provisions a SoftHSM token the way a technician does, with
// fiscalctl, and returns the module path and the PIN file.
func initToken(t *testing.T, label string) (module, pinFile, tokenDir string) {
	t.Helper()
	module = softhsm.Module(t)
	_, tokenDir = softhsm.Env(t) // SOFTHSM2_CONF reaches fiscalctl and fiscald
	pinFile = filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte("4711-0815\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := fiscalctl(t, "device", "pkcs11", "init", "--module", module, "--token", label, "--key", "rksv-sig", "--pin-file", pinFile)
	if code != 0 || !strings.Contains(out, "self-signed certificate stored") {
		t.Fatalf("fiscalctl device pkcs11 init: exit %d\n%s%s", code, out, stderr)
	}
	// A key for a real CA: a CSR signed by the token, with its own SO PIN.
	soPIN := filepath.Join(t.TempDir(), "so-pin")
	os.WriteFile(soPIN, []byte("9999-0000\n"), 0o600)
	csrFile := filepath.Join(t.TempDir(), "req.pem")
	out, stderr, code = fiscalctl(t, "device", "pkcs11", "init", "--module", module, "--token", label, "--key", "ca-bound", "--pin-file", pinFile, "--so-pin-file", soPIN, "--csr", csrFile)
	if code != 0 {
		t.Fatalf("fiscalctl device pkcs11 init --csr: exit %d\n%s%s", code, out, stderr)
	}
	raw, _ := os.ReadFile(csrFile)
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("--csr wrote no PEM certificate request: %q", raw)
	}
	if req, err := x509.ParseCertificateRequest(block.Bytes); err != nil || req.CheckSignature() != nil {
		t.Fatalf("CSR does not parse or verify: %v", err)
	}
	if out, stderr, code = fiscalctl(t, "device", "pkcs11", "list", "--module", module); code != 0 || !strings.Contains(out, label) {
		t.Fatalf("fiscalctl device pkcs11 list: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = fiscalctl(t, "device", "pkcs11", "selftest", "--module", module, "--token", label, "--key", "rksv-sig", "--pin-file", pinFile)
	if code != 0 || !strings.Contains(out, "self-test passed") {
		t.Fatalf("fiscalctl device pkcs11 selftest: exit %d\n%s%s", code, out, stderr)
	}
	return module, pinFile, tokenDir
}

// echoSigner returns the Signer member of the client's queue in /v2/echo.
func echoSigner(t *testing.T, c *client) map[string]any {
	t.Helper()
	r := c.post("/echo", newOp(), []byte(`{"Message":"ping"}`))
	var v struct {
		Capabilities struct {
			Queues []struct{ Signer map[string]any }
		}
	}
	if r.Err != nil || r.Status != 200 || json.Unmarshal(r.Body, &v) != nil || len(v.Capabilities.Queues) != 1 {
		t.Fatalf("echo: %v %d %s", r.Err, r.Status, r.Body)
	}
	return v.Capabilities.Queues[0].Signer
}

// TestPKCS11OutageUnderLoad takes the token away under load (devices.md
// §4.9: its files vanish), keeps the terminals selling, brings it back,
// and proves rksv.md §4.5 end to end through the daemon process: no
// request failed, every receipt of the outage is marked, the device
// recovered by itself, the Sammelbeleg closed the outage, the chain is
// unbroken and nothing was lost.
func TestPKCS11OutageUnderLoad(t *testing.T) {
	module, pinFile, tokenDir := initToken(t, "fiscald-e2e")
	const boxes, terminals = 4, 2
	dir := t.TempDir()
	d := startDaemon(t, dir, "--demo-cashboxes", strconv.Itoa(boxes), "--pkcs11-module", module,
		"--pkcs11-token", "fiscald-e2e", "--pkcs11-key", "rksv-sig", "--pkcs11-pin-file", pinFile)
	defer d.kill()
	clients := make([]*client, boxes)
	for i := range clients {
		clients[i] = d.client(i)
		if r := parseSent(clients[i].post("/sign", newOp(), receiptBody("start", caseStart, 0))); r.status != 200 || r.marked {
			t.Fatalf("start receipt %d: %+v", i, r)
		}
		if s := echoSigner(t, clients[i]); s["Kind"] != "pkcs11" || s["State"] != "up" {
			t.Fatalf("echo before the outage: %v", s)
		}
	}

	var mu sync.Mutex
	results := make([][]sent, boxes)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range boxes {
		for term := range terminals {
			wg.Go(func() {
				for n := 0; n < 5000; n++ { // bounded; the test stops it much earlier
					select {
					case <-stop:
						return
					default:
					}
					r := parseSent(clients[i].post("/sign", newOp(), receiptBody(fmt.Sprintf("t%d-%d", term, n), casePOS, int64(100+n%900))))
					mu.Lock()
					results[i] = append(results[i], r)
					mu.Unlock()
				}
			})
		}
	}
	failedSoFar := func() (min int) {
		mu.Lock()
		defer mu.Unlock()
		min = 1 << 30
		for _, rs := range results {
			n := 0
			for _, r := range rs {
				if r.marked {
					n++
				}
			}
			min = minInt(min, n)
		}
		return min
	}
	waitFor := func(what string, within time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !ok() {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("%s did not happen within %v\n%s", what, within, d.log)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond)
	away := tokenDir + ".away"
	if err := os.Rename(tokenDir, away); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	waitFor("three failed receipts on every CashBox and a second of outage", 30*time.Second, func() bool { return failedSoFar() >= 3 && time.Since(t0) > time.Second })
	t.Logf("outage: every CashBox had three failed receipts after %v", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := os.Rename(away, tokenDir); err != nil {
		t.Fatal(err)
	}
	waitFor("recovery of every queue", 90*time.Second, func() bool {
		for _, c := range clients {
			if echoSigner(t, c)["State"] != "up" {
				return false
			}
		}
		return true
	})
	t.Logf("recovery: every queue up %v after the token came back", time.Since(t0).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond) // receipts after the recovery
	close(stop)
	wg.Wait()

	metrics := scrape(t, d)
	if v := metrics[`fiscald_device_up{device="demo-pkcs11"}`]; v != "1" {
		t.Errorf("fiscald_device_up = %q after recovery, want 1", v)
	}
	if err, _ := d.stop(); err != nil {
		t.Fatalf("fiscald did not stop cleanly: %v\n%s", err, d.log)
	}
	t0 = time.Now()
	for i, c := range clients {
		// The official tool takes seconds per thousand receipts: one
		// CashBox is enough for its second opinion.
		checkOutageRun(t, dir, c, results[i], metrics, i == 0)
	}
	t.Logf("checks took %v", time.Since(t0).Round(time.Millisecond))
	if out, stderr, code := fiscalctl(t, "journal", "verify", "--data", dir); code != 0 {
		t.Fatalf("journal verify: %s%s", out, stderr)
	}
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// checkOutageRun checks one CashBox's responses against its DEP.
func checkOutageRun(t *testing.T, dir string, c *client, rs []sent, metrics map[string]string, official bool) {
	t.Helper()
	var marked []string
	sammelbelegSeen := false
	for _, r := range rs {
		if r.err != nil || r.status != 200 {
			t.Fatalf("cashbox %s: a request failed during the outage: %v %d", c.cashbox, r.err, r.status)
		}
		if r.marked != (r.state&0x2 != 0) {
			t.Errorf("receipt %s: marked %t but ftState %#x", r.number, r.marked, r.state)
		}
		if r.marked {
			marked = append(marked, r.number)
		}
		for _, it := range r.items {
			sammelbelegSeen = sammelbelegSeen || it == "Sammelbeleg"
		}
	}
	if len(marked) < 3 || !sammelbelegSeen {
		t.Fatalf("cashbox %s: %d marked receipts, Sammelbeleg reported to the POS: %t", c.cashbox, len(marked), sammelbelegSeen)
	}
	if v := metrics[`fiscald_at_failed_receipts_total{queue="`+c.queueID+`"}`]; v != strconv.Itoa(len(marked)) {
		t.Errorf("fiscald_at_failed_receipts_total for %s = %q, want %d", c.queueID, v, len(marked))
	}
	if v := metrics[`fiscald_at_outage_start_timestamp_seconds{queue="`+c.queueID+`"}`]; v != "0" {
		t.Errorf("outage start after recovery = %q, want 0", v)
	}

	dep := exportDEP(t, dir, c)
	res, container := verifyOffline(t, dir, c.cashbox, dep)
	if !res.Valid {
		t.Fatalf("cashbox %s: the DEP across the outage does not verify: %v", c.cashbox, res.Err)
	}
	receipts := depReceipts(t, dep)
	// Everything acknowledged is in the DEP: the start receipt, every
	// receipt the terminals got, and the Sammelbelege fiscald made.
	if want := 1 + len(rs); len(receipts) <= want || res.Receipts != len(receipts) {
		t.Fatalf("cashbox %s: DEP has %d receipts (%d verified); %d were acknowledged plus at least one Sammelbeleg", c.cashbox, len(receipts), res.Receipts, want)
	}
	inDEP := map[string]depReceipt{}
	lastFailed := -1
	for i, r := range receipts {
		inDEP[r.number] = r
		if r.failed {
			lastFailed = i
		}
	}
	for _, r := range rs {
		got, ok := inDEP[r.number]
		if !ok || got.failed != r.marked {
			t.Fatalf("receipt %s (marked %t) is missing from the DEP or marked differently", r.number, r.marked)
		}
	}
	if res.Failed != len(marked) {
		t.Errorf("DEP has %d failed receipts, the POS saw %d", res.Failed, len(marked))
	}
	if lastFailed < 0 || lastFailed+1 >= len(receipts) || !receipts[lastFailed+1].null || receipts[lastFailed+1].failed {
		t.Fatalf("the receipt after the last failed one is not a signed null receipt (the Sammelbeleg)")
	}
	if official && len(res.Warnings) == 0 {
		// No unsigned null receipt (rksv.md §4.2: Prüftool 1.0.0 rejects
		// those although they are allowed), so the official tool can judge
		// the outage too.
		t.Logf("Prüftool on %d receipts (%d failed)", len(receipts), res.Failed)
		prueftool(t, dep, container)
	}
}

type depReceipt struct {
	number       string
	failed, null bool
}

// depReceipts decodes the Belegnummer and the marks of every receipt.
func depReceipts(t *testing.T, dep []byte) []depReceipt {
	t.Helper()
	var v struct {
		Groups []struct {
			Receipts []string `json:"Belege-kompakt"`
		} `json:"Belege-Gruppe"`
	}
	if err := json.Unmarshal(dep, &v); err != nil {
		t.Fatal(err)
	}
	var out []depReceipt
	for _, g := range v.Groups {
		for _, jws := range g.Receipts {
			parts := strings.Split(jws, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Split(string(payload), "_")
			null := true
			for _, a := range f[5:10] {
				null = null && a == "0,00"
			}
			out = append(out, depReceipt{number: f[3], failed: parts[2] == failedSig, null: null})
		}
	}
	return out
}

func exportDEP(t *testing.T, dir string, c *client) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "dep.json")
	if o, stderr, code := fiscalctl(t, "journal", "export", "--data", dir, "--cashbox", c.cashbox, "--type", strconv.FormatUint(atDEP7, 10), "--out", out); code != 0 {
		t.Fatalf("journal export: %s%s", o, stderr)
	}
	dep, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return dep
}

// scrape reads the daemon's metrics into "name{labels}" → value.
func scrape(t *testing.T, d *proc) map[string]string {
	t.Helper()
	base := strings.TrimSuffix(d.creds.BaseURL, "/v2")
	res, err := d.httpClient().Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	out := map[string]string{}
	for line := range strings.SplitSeq(b.String(), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			out[line[:i]] = line[i+1:]
		}
	}
	return out
}

// TestPKCS11TokenWithoutCertificate: a token whose key pair was made with
// other tools than fiscalctl has no certificate; the demo then registers
// its CashBox as a closed system (rksv.md §5.1), and the DEP verifies
// against the key's public half.
func TestPKCS11TokenWithoutCertificate(t *testing.T) {
	module := softhsm.Module(t)
	softhsm.Env(t)
	m, err := cryptoki.Load(module, cryptoki.ModuleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const pin = "1357-2468"
	tok, key := cryptoki.TokenSelector{TokenLabel: "bare"}, cryptoki.KeySelector{KeyLabel: "k1"}
	if _, err := cryptoki.InitToken(m, "bare", pin, pin); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cryptoki.EnsureKey(m, tok, key, pin); err != nil {
		t.Fatal(err)
	}
	m.Close()
	pinFile := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(pinFile, []byte(pin), 0o600)
	dir := t.TempDir()
	d := startDaemon(t, dir, "--pkcs11-module", module, "--pkcs11-token", "bare", "--pkcs11-key", "k1", "--pkcs11-pin-file", pinFile)
	defer d.kill()
	c := d.client(0)
	for i, body := range [][]byte{receiptBody("start", caseStart, 0), receiptBody("a", casePOS, 990)} {
		if r := parseSent(c.post("/sign", newOp(), body)); r.status != 200 || r.marked {
			t.Fatalf("receipt %d: %+v", i, r)
		}
	}
	if err, _ := d.stop(); err != nil {
		t.Fatal(err)
	}
	res, container := verifyOffline(t, dir, c.cashbox, exportDEP(t, dir, c))
	if !bytes.Contains(container, []byte("PUBLIC_KEY")) || !bytes.Contains(container, []byte("U:ATU00000000-K1")) {
		t.Fatalf("container of a token without certificate: %s", container)
	}
	if !res.Valid || res.Signed != 2 {
		t.Fatalf("DEP of a closed-system token: %+v", res)
	}

	// The same data directory restarts with the token, and refuses to run
	// without it rather than falling back to a simulator.
	d = startDaemon(t, dir, "--pkcs11-module", module, "--pkcs11-token", "bare", "--pkcs11-key", "k1", "--pkcs11-pin-file", pinFile)
	if r := parseSent(d.client(0).post("/sign", newOp(), receiptBody("b", casePOS, 120))); r.status != 200 || r.marked {
		t.Fatalf("receipt after the restart: %+v", r)
	}
	d.stop()
	out, err := exec.Command(filepath.Join(binDir, "fiscald"), "--demo", "--data", dir, "--listen", "127.0.0.1:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pass the --pkcs11-* flags again") {
		t.Fatalf("restart without the token flags: %v\n%s", err, out)
	}
}
