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
	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// pluggable is a simulated signer that can be unplugged: while out it
// fails like a driver does (ErrUnavailable, health failed), and plugging
// it back in is what a driver's successful probe reports.
type pluggable struct {
	device.Signer
	mu  sync.Mutex
	out bool
	mon device.Monitor
}

func (p *pluggable) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	p.mu.Lock()
	out := p.out
	p.mu.Unlock()
	if out {
		err := fmt.Errorf("test device unplugged: %w", device.ErrUnavailable)
		p.mon.Failed(err, time.Now())
		return nil, err
	}
	return p.Signer.Sign(ctx, digest)
}

func (p *pluggable) Health() device.Health { return p.mon.Health() }

func (p *pluggable) plug(in bool) {
	p.mu.Lock()
	p.out = !in
	p.mu.Unlock()
	if in {
		p.mon.Succeeded(time.Now())
	}
}

// pluggableEnv starts a server with one started CashBox whose simulated
// device can be unplugged; *dev is replaced by a healthy one on restart.
func pluggableEnv(t *testing.T) (*env, **pluggable) {
	dev := new(*pluggable)
	e := newEnv(t, envOptions{wrap: func(_ int, s device.Signer) device.Signer {
		*dev = &pluggable{Signer: s}
		return *dev
	}})
	e.startQueue(e.Boxes[0])
	return e, dev
}

// echoSignerOf returns the Signer member of the caller's queue in /v2/echo.
func echoSignerOf(t *testing.T, e *env, b box) map[string]any {
	t.Helper()
	r := e.post(b, "/v2/echo", `{"Message":"x"}`)
	if r.Status != 200 {
		t.Fatalf("echo: %d %s", r.Status, r.Body)
	}
	var v struct {
		Capabilities struct {
			Queues []struct{ Signer map[string]any }
		}
	}
	if err := json.Unmarshal(r.Body, &v); err != nil || len(v.Capabilities.Queues) != 1 {
		t.Fatalf("echo body %s: %v", r.Body, err)
	}
	return v.Capabilities.Queues[0].Signer
}

// TestOutageAndAutomaticRecovery drives a device outage through the real
// queue: receipts keep coming back (marked), /v2/echo and ftState say
// so, and when the device is back the queue makes the Sammelbeleg on its
// own, before any later receipt, and tells the POS with its next receipt.
// The DEP verifies across the outage.
func TestOutageAndAutomaticRecovery(t *testing.T) {
	e, dev := pluggableEnv(t)
	b := e.Boxes[0]
	if s := echoSignerOf(t, e, b); s["State"] != "up" || s["Kind"] != "simulator" || s["FailedSince"] != nil {
		t.Fatalf("echo before the outage: %v", s)
	}
	(*dev).plug(false)
	var failedNumbers []string
	for i := range 5 {
		r := e.post(b, "/v2/sign", receipt(fmt.Sprintf("out-%d", i), casePOS, sale("2.00", "1.00")))
		if r.Status != 200 {
			t.Fatalf("receipt in the outage: %d %s", r.Status, r.Body)
		}
		if st := stateOf(t, r); st&0x2 == 0 {
			t.Fatalf("ftState %#x lacks 'SCU temporarily out of service'", st)
		}
		if !hasCaption(t, r, rksv.FailedText) {
			t.Fatalf("receipt in the outage not marked: %s", r.Body)
		}
		failedNumbers = append(failedNumbers, r.JSON(t)["ftReceiptIdentification"].(string))
	}
	s := echoSignerOf(t, e, b)
	if s["State"] != "failed" || s["FailedSince"] == nil || fmt.Sprint(s["FailedReceipts"]) != "5" {
		t.Fatalf("echo in the outage: %v", s)
	}

	(*dev).plug(true)
	deadline := time.Now().Add(10 * time.Second)
	for echoSignerOf(t, e, b)["State"] != "up" {
		if time.Now().After(deadline) {
			t.Fatal("the queue did not make the Sammelbeleg within 10 s of the device's recovery")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := e.post(b, "/v2/sign", receipt("after", casePOS, sale("1.00", "0.00")))
	if r.Status != 200 || stateOf(t, r)&0x2 != 0 || hasCaption(t, r, rksv.FailedText) {
		t.Fatalf("receipt after recovery: %d %s", r.Status, r.Body)
	}
	var sammel string
	for _, sig := range signatures(t, r) {
		if sig["Caption"] == "Sammelbeleg" {
			sammel = sig["Data"].(string)
		}
	}
	if !strings.HasPrefix(sammel, "Von "+failedNumbers[0]+" bis ") {
		t.Fatalf("the next response's Sammelbeleg item is %q; want it to start at %s", sammel, failedNumbers[0])
	}

	// The queue item fiscald made sits between the outage and "after".
	items := array(t, e.post(b, "/v2/journal", journalType(3)))
	var kinds []string
	for _, it := range items {
		var req struct{ CbReceiptReference string }
		raw, _ := json.Marshal(it["request"])
		json.Unmarshal(raw, &req)
		kinds = append(kinds, req.CbReceiptReference)
	}
	if got := strings.Join(kinds, ","); !strings.Contains(got, "out-4,fiscald-") || !strings.HasSuffix(got, ",after") {
		t.Errorf("receipt order %s; want out-4, the Sammelbeleg fiscald made, then after", got)
	}
	dep := e.post(b, "/v2/journal", journalType(atDEP7))
	res := verifyDEP(t, e, b, dep.Body)
	if !res.Valid || res.Receipts != 8 {
		t.Fatalf("DEP across the outage: valid %v err %v receipts %d warnings %v", res.Valid, res.Err, res.Receipts, res.Warnings)
	}
}

// A daemon restarted while a queue is in failed mode closes the outage as
// soon as the device answers, without waiting for a device state change
// it would never see.
func TestFailedModeSurvivesRestart(t *testing.T) {
	e, dev := pluggableEnv(t)
	b := e.Boxes[0]
	(*dev).plug(false)
	for i := range 2 {
		if r := e.post(b, "/v2/sign", receipt(fmt.Sprintf("out-%d", i), casePOS, sale("2.00", "1.00"))); !hasCaption(t, r, rksv.FailedText) {
			t.Fatalf("receipt in the outage not marked: %s", r.Body)
		}
	}
	e.restart() // the new device is plugged in
	deadline := time.Now().Add(10 * time.Second)
	for echoSignerOf(t, e, b)["State"] != "up" {
		if time.Now().After(deadline) {
			t.Fatal("no Sammelbeleg within 10 s of the restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
	res := verifyDEP(t, e, b, e.post(b, "/v2/journal", journalType(atDEP7)).Body)
	if !res.Valid || res.Receipts != 4 || res.Failed != 2 || res.Signed != 2 {
		t.Fatalf("DEP after restart: %+v", res)
	}
}
