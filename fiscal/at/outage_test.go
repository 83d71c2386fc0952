package at_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
)

func autoHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, fmt.Sprintf(`{"kassenId":%q,"signer":"card-1"}`, testKassenID))
}

func due(t *testing.T, h *harness) (uint64, <-chan struct{}) {
	t.Helper()
	init, ok := h.reg.(fiscal.Initiator)
	if !ok {
		t.Fatal("the AT register does not implement fiscal.Initiator")
	}
	return init.Due()
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// echoSigner decodes the register's /v2/echo member.
type echoSigner struct {
	Name, Kind, State string
	FailedSince       *string
	FailedReceipts    int
}

func echoOf(t *testing.T, h *harness, now time.Time) echoSigner {
	t.Helper()
	var v struct{ Signer echoSigner }
	raw := h.reg.(fiscal.EchoReporter).EchoInfo(now)
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("EchoInfo %s: %v", raw, err)
	}
	return v.Signer
}

// TestAutomaticSammelbeleg follows rksv.md §4.5: the register asks for a
// zero receipt only once the device is back, the signed zero receipt
// closes the outage, and the POS sees the Sammelbeleg item on its next
// receipt because nobody read the initiated one's response.
func TestAutomaticSammelbeleg(t *testing.T) {
	h := autoHarness(t)
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	if c, wake := due(t, h); c != 0 || wake != nil {
		t.Fatalf("Due with a healthy register = %#x, %v; want 0, nil", c, wake)
	}
	h.signer.setDown(true)
	first := h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0})
	checkFailed(t, first)
	last := h.send(t0.Add(2*time.Minute), casePOS, charge{"4.00", "10", 0})
	checkFailed(t, last)
	c, wake := due(t, h)
	if c != 0 || wake == nil || isClosed(wake) {
		t.Fatalf("Due while the device is down = %#x (wake closed %t); want 0 and an open wake channel", c, wake != nil && isClosed(wake))
	}
	if e := echoOf(t, h, t0.Add(3*time.Minute)); e.State != "failed" || e.FailedReceipts != 2 || e.FailedSince == nil || e.Kind != "test" || e.Name != "card-1" {
		t.Errorf("echo while failed: %+v", e)
	}

	h.signer.setDown(false) // the driver's probe succeeded
	if !isClosed(wake) {
		t.Fatal("the device's recovery did not wake the queue")
	}
	c, _ = due(t, h)
	if c != 0x4154_2000_0000_2000 {
		t.Fatalf("Due after recovery = %#x, want the AT zero receipt", c)
	}
	if again, _ := due(t, h); again != 0 {
		t.Fatalf("Due asked twice for the same recovery (%#x)", again)
	}
	// The device still looks failed to the echo until the Sammelbeleg.
	if e := echoOf(t, h, t0.Add(3*time.Minute)); e.State != "failed" {
		t.Errorf("echo before the Sammelbeleg: %+v, want failed", e)
	}
	h.initiated = true
	sb := h.send(t0.Add(3*time.Minute), c)
	qr := qrFields(t, sb)
	if isFailed(qr) {
		t.Fatal("the automatic Sammelbeleg is not signed")
	}
	if qr[5] != "0,00" || qr[6] != "0,00" || qr[7] != "0,00" || qr[8] != "0,00" || qr[9] != "0,00" {
		t.Errorf("Sammelbeleg amounts %v, want a null receipt", qr[5:10])
	}
	item := storageItem(t, sb, "Sammelbeleg")
	want := "Von " + qrFields(t, first)[3] + " bis " + qr[3]
	if item.Data != want {
		t.Errorf("Sammelbeleg item %q, want %q", item.Data, want)
	}
	if !hasNote(sb, "closes the outage") || !hasNote(sb, "2 failed receipts") || !hasNote(sb, qrFields(t, last)[3]) {
		t.Errorf("no outage record (first, last, count) in the notes: %q", sb.Notes)
	}
	if sb.Global&fiscal.StateSCUFailed != 0 {
		t.Errorf("state after the Sammelbeleg %#x still says failed", sb.Global)
	}
	if c, wake := due(t, h); c != 0 || wake != nil {
		t.Errorf("Due after the outage = %#x, %v; want 0, nil", c, wake)
	}
	if e := echoOf(t, h, t0.Add(4*time.Minute)); e.State != "up" || e.FailedSince != nil || e.FailedReceipts != 0 {
		t.Errorf("echo after recovery: %+v", e)
	}

	// The POS's next receipt carries the item; the one after does not.
	next := h.send(t0.Add(5*time.Minute), casePOS, charge{"1.00", "20", 0})
	if isFailed(qrFields(t, next)) {
		t.Fatal("receipt after the Sammelbeleg is not signed")
	}
	if got := storageItem(t, next, "Sammelbeleg"); got.Data != want {
		t.Errorf("next response's Sammelbeleg item %q, want %q", got.Data, want)
	}
	if hasStorageItem(h.send(t0.Add(6*time.Minute), casePOS, charge{"1.00", "20", 0}), "Sammelbeleg") {
		t.Error("the Sammelbeleg item was repeated on a later receipt")
	}
}

// A device that fails again between probe and Sammelbeleg gives a failed
// null receipt; the register waits for the next recovery, and a POS zero
// receipt still tries the device at any time.
func TestAutomaticSammelbelegFailsAgain(t *testing.T) {
	h := autoHarness(t)
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	h.signer.setDown(true)
	checkFailed(t, h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0}))
	h.signer.setDown(false)
	c, _ := due(t, h)
	if c == 0 {
		t.Fatal("no Sammelbeleg asked after recovery")
	}
	h.signer.mu.Lock()
	h.signer.down = true // fails without its supervisor noticing yet
	h.signer.mu.Unlock()
	h.initiated = true
	res := h.send(t0.Add(2*time.Minute), c)
	checkFailed(t, res)
	if hasStorageItem(res, "Sammelbeleg") {
		t.Error("a failed null receipt carries a Sammelbeleg item")
	}
	if c, _ := due(t, h); c != 0 {
		t.Fatalf("Due asked again (%#x) without a new recovery", c)
	}
	h.signer.setDown(false)
	res = h.send(t0.Add(3*time.Minute), caseZero)
	if isFailed(qrFields(t, res)) || !hasStorageItem(res, "Sammelbeleg") {
		t.Fatal("the POS's zero receipt did not close the outage")
	}
}

// With autoSammelbeleg off the register never initiates a receipt.
func TestAutomaticSammelbelegOff(t *testing.T) {
	h := newHarness(t) // autoSammelbeleg: false
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	h.signer.setDown(true)
	checkFailed(t, h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0}))
	h.signer.setDown(false)
	if c, wake := due(t, h); c != 0 || wake != nil {
		t.Fatalf("Due with autoSammelbeleg off = %#x, %v", c, wake)
	}
}

// After 48 hours the next receipt raises the FinanzOnline notification
// once; the Sammelbeleg adds the end-of-outage one.
func TestOutageNotifications(t *testing.T) {
	h := autoHarness(t)
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	h.signer.setDown(true)
	res := h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0})
	if n := notifications(res); len(n) != 0 {
		t.Fatalf("notification at the outage's start: %v", n)
	}
	res = h.send(t0.Add(49*time.Hour), casePOS, charge{"3.00", "20", 0})
	if n := notifications(res); len(n) != 1 || n[0] != "FonDeactivateSCU" {
		t.Fatalf("after 48 h: notifications %v, want [FonDeactivateSCU]", n)
	}
	if res.Local&0x001 == 0 {
		t.Errorf("local state %#x lacks 'permanently out of service'", res.Local)
	}
	if n := notifications(h.send(t0.Add(50*time.Hour), casePOS, charge{"3.00", "20", 0})); len(n) != 0 {
		t.Errorf("notification repeated: %v", n)
	}
	h.signer.setDown(false)
	res = h.send(t0.Add(51*time.Hour), caseZero)
	if n := notifications(res); len(n) != 1 || n[0] != "FonActivateSCU" {
		t.Errorf("Sammelbeleg after 48 h: notifications %v, want [FonActivateSCU]", n)
	}
	if res.Local != 0 {
		t.Errorf("local state after recovery %#x", res.Local)
	}
}

func notifications(res *fiscal.Result) []string {
	var out []string
	for _, s := range res.Signatures {
		if s.Type == 0x4154_2000_0000_1003 && s.Format == 8 {
			var n struct{ Type string }
			json.Unmarshal([]byte(s.Data), &n)
			out = append(out, n.Type)
		}
	}
	return out
}

func hasNote(res *fiscal.Result, part string) bool {
	for _, n := range res.Notes {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// The outage metrics follow the register's state and count failed
// receipts over its life.
func TestOutageMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	sig := newKeySigner(t, "card-1", testSerial)
	m := at.New(at.Options{Signers: []device.Signer{sig}, Metrics: reg})
	cfg, err := m.Provision("queue-1", []byte(`{"kassenId":"K-1","signer":"card-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, kassenID: "K-1", market: m, signer: sig, config: cfg}
	h.reg, err = m.OpenRegister("queue-1", cfg, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	read := func() (failed, start float64) {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, mt := range mf.GetMetric() {
				if len(mt.GetLabel()) != 1 || mt.GetLabel()[0].GetValue() != "queue-1" {
					t.Fatalf("%s: labels %v", mf.GetName(), mt.GetLabel())
				}
				switch mf.GetName() {
				case "fiscald_at_failed_receipts_total":
					failed = mt.GetCounter().GetValue()
				case "fiscald_at_outage_start_timestamp_seconds":
					start = mt.GetGauge().GetValue()
				}
			}
		}
		return failed, start
	}
	if f, s := read(); f != 0 || s != 0 {
		t.Fatalf("healthy: failed %v start %v", f, s)
	}
	h.signer.setDown(true)
	h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0})
	h.send(t0.Add(2*time.Minute), casePOS, charge{"3.00", "20", 0})
	if f, s := read(); f != 2 || s != float64(t0.Add(time.Minute).Unix()) {
		t.Fatalf("in outage: failed %v start %v, want 2 and %d", f, s, t0.Add(time.Minute).Unix())
	}
	h.signer.setDown(false)
	h.send(t0.Add(3*time.Minute), caseZero)
	h.reopen() // the count survives a restart with the state
	if f, s := read(); f != 2 || s != 0 {
		t.Fatalf("after recovery and restart: failed %v start %v, want 2 and 0", f, s)
	}
}

// A signer that reports another key than the registered one (a swapped
// card) does not sign the register's receipts.
func TestSwappedKeyIsNotUsed(t *testing.T) {
	h := autoHarness(t)
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	other := newKeySigner(t, "card-1", testSerial)
	h.signer.key = other.key // the same name, another key
	res := h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0})
	checkFailed(t, res)
	if !hasNote(res, "another key") {
		t.Errorf("notes %q do not name the key mismatch", res.Notes)
	}
}

// A device whose driver is up again by the time the register records the
// failure (a supervisor can recover within milliseconds) still gets its
// Sammelbeleg: the register does not wait for a change it already missed.
func TestRecoveryBeforeTheFailureIsRecorded(t *testing.T) {
	h := autoHarness(t)
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	h.signer.mu.Lock()
	h.signer.down = true // the call fails, its health already says up
	h.signer.mu.Unlock()
	checkFailed(t, h.send(t0.Add(time.Minute), casePOS, charge{"3.00", "20", 0}))
	h.signer.mu.Lock()
	h.signer.down = false
	h.signer.mu.Unlock()
	if c, _ := due(t, h); c == 0 {
		t.Fatal("no Sammelbeleg asked for a device that is up")
	}
}
