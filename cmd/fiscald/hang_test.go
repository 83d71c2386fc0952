package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
	"github.com/fiscald/fiscald/internal/config"
)

// stallingAPI is a fault injector at the driver's PKCS#11 seam
// (devices.md §4.9, §7.3): C_Sign can be slowed down or made to hang until
// released, as a card that stops answering does. Everything above it is
// the production driver.
type stallingAPI struct {
	cryptoki.API
	mu    sync.Mutex
	gate  chan struct{} // non-nil: C_Sign blocks until it is closed
	delay time.Duration
	signs int // receipt signatures asked for (not the driver's probes)
}

// probeDigest is what the driver's health check signs.
var probeDigest = sha256.Sum256([]byte("fiscald signature device health check"))

func (s *stallingAPI) Sign(sh pkcs11.SessionHandle, msg []byte) ([]byte, error) {
	s.mu.Lock()
	gate, delay := s.gate, s.delay
	if !bytes.Equal(msg, probeDigest[:]) {
		s.signs++
	}
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	time.Sleep(delay)
	return s.API.Sign(sh, msg)
}

func (s *stallingAPI) set(gate chan struct{}, delay time.Duration) {
	s.mu.Lock()
	s.gate, s.delay = gate, delay
	s.mu.Unlock()
}

func (s *stallingAPI) signCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signs
}

// startInProcess runs the demo daemon in this process with a fault
// injector under its PKCS#11 driver, and returns a client for CashBox 0.
func startInProcess(t *testing.T, deadline time.Duration, faults func(cryptoki.API) cryptoki.API) *client {
	t.Helper()
	module := softhsm.Module(t)
	softhsm.Env(t)
	tok := softhsm.Provision(t, module, "stall", "rksv-sig", "2468-1357")
	pinFile := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(pinFile, []byte(tok.PIN), 0o600)
	dir := t.TempDir()
	cfg := &config.Config{Listen: "127.0.0.1:0", Data: dir, LogLevel: "info", DeviceDeadline: deadline}
	f := flags{demo: true, data: dir, demoCashboxes: 1, faults: faults,
		pkcs11: config.PKCS11{Module: module, TokenLabel: tok.Label, KeyLabel: tok.KeyLabel, PINFile: pinFile}}
	d, err := build(cfg, f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.serve(ctx) }()
	hc := &http.Client{Timeout: 20 * time.Second}
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
		hc.CloseIdleConnections()
	})
	var creds credentials
	deadlineAt := time.Now().Add(20 * time.Second)
	for {
		raw, err := os.ReadFile(filepath.Join(dir, credentialsFile))
		if err == nil && json.Unmarshal(raw, &creds) == nil {
			break
		}
		if time.Now().After(deadlineAt) {
			t.Fatal("the daemon wrote no credentials within 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := creds.CashBoxes[0]
	return &client{base: creds.BaseURL, cashbox: c.CashBoxID, token: c.AccessToken, posID: c.PosSystemID, queueID: c.QueueID, http: hc}
}

// TestStallingTokenNeverStallsThePOS: a slow token within the deadline
// signs normally; a hanging one makes the receipt a failed receipt within
// the deadline (rksv.md §4.5) while the C call is still stuck, later
// receipts do not ask the device, a POS zero receipt tries it and gives
// up in time, and when the call comes back the driver's probe and the
// queue's Sammelbeleg end the outage by themselves.
func TestStallingTokenNeverStallsThePOS(t *testing.T) {
	stall := &stallingAPI{}
	c := startInProcess(t, time.Second, func(api cryptoki.API) cryptoki.API {
		stall.API = api
		return stall
	})
	sign := func(ref string, rc uint64, cents int64) sent {
		t.Helper()
		r := parseSent(c.post("/sign", newOp(), receiptBody(ref, rc, cents)))
		if r.err != nil || r.status != 200 {
			t.Fatalf("%s: %v %d", ref, r.err, r.status)
		}
		return r
	}
	sign("start", caseStart, 0)
	stall.set(nil, 50*time.Millisecond) // slow, but within the deadline
	if r := sign("slow", casePOS, 250); r.marked {
		t.Fatal("a slow signature within the deadline was marked failed")
	}

	gate := make(chan struct{})
	stall.set(gate, 0)
	released := false
	defer func() {
		if !released {
			close(gate)
		}
	}()
	if r := sign("stuck", casePOS, 300); !r.marked || r.state&0x2 == 0 {
		t.Fatalf("receipt on a hanging token: marked %t, ftState %#x", r.marked, r.state)
	}
	asked := stall.signCalls()
	for _, ref := range []string{"a", "b", "c"} {
		if r := sign(ref, casePOS, 100); !r.marked {
			t.Fatalf("receipt %s while failed is not marked", ref)
		}
	}
	if n := stall.signCalls(); n != asked {
		t.Errorf("receipts in failed mode asked the token %d times", n-asked)
	}
	// The POS's zero receipt does try the token, and gives up in time.
	if r := sign("zero", caseZero, 0); !r.marked {
		t.Fatal("a zero receipt on a hanging token was signed")
	}
	if s := echoSigner(t, c); s["State"] != "failed" || s["FailedReceipts"] != float64(5) {
		t.Fatalf("echo while hanging: %v", s)
	}

	stall.set(nil, 0)
	close(gate)
	released = true
	deadline := time.Now().Add(60 * time.Second)
	for echoSigner(t, c)["State"] != "up" {
		if time.Now().After(deadline) {
			t.Fatal("no recovery within 60 s of the call returning")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := sign("after", casePOS, 100)
	hasSammel := false
	for _, it := range r.items {
		hasSammel = hasSammel || it == "Sammelbeleg"
	}
	if r.marked || !hasSammel {
		t.Fatalf("receipt after recovery: marked %t, items %v", r.marked, r.items)
	}
}
