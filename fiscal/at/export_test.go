package at_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/internal/depcheck"
)

// TestExportVerifies runs a register through every kind of receipt and
// checks its DEP7 export with the independent verifier and the container
// the production code writes (rksv.md §10.6).
func TestExportVerifies(t *testing.T) {
	h := newHarness(t)
	type step struct {
		caseValue uint64
		items     []charge
		down      bool  // the device is out for this receipt
		counted   int64 // cents this receipt adds to the counter
	}
	pos := func(cents int64, items ...charge) step { return step{casePOS, items, false, cents} }
	steps := []step{
		{caseStart, nil, false, 0},
		pos(2279, charge{"12.50", "20", 0}, charge{"3.20", "10", 0}, charge{"1.10", "13", 0}, charge{"0.99", "0", 0}, charge{"5.00", "19", 0}),
		pos(123456, charge{"1234.56", "20", 0}),
		pos(-1550, charge{"-20.00", "10", 0}, charge{"4.50", "4.9", 0}),
		pos(2, charge{"0.005", "20", 0}, charge{"0.005", "20", 0}, charge{"0.005", "20", 0}),
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagVoid), []charge{{"-12.50", "20", 0}}, false, -1250},
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagTraining), []charge{{"99.99", "20", 0}}, false, 0},
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagTraining|fiscal.FlagVoid), []charge{{"-99.99", "20", 0}}, false, 0},
		{receiptCase(fiscal.CaseInvoiceB2B, 0), []charge{{"1000.00", "20", 0}}, false, 100000},
		{caseDaily, nil, false, 0},
		{casePOS, []charge{{"7.70", "10", 0}}, true, 770},
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagVoid), []charge{{"-7.70", "10", 0}}, true, -770},
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagTraining), []charge{{"1.00", "20", 0}}, true, 0},
		{casePOS, []charge{{"3.00", "13", 0}}, true, 300},
		{caseZero, nil, false, 0}, // Sammelbeleg
		{caseMonthly, nil, false, 0},
		pos(-100, charge{"-1.00", "0", 0}),
		{caseYearly, nil, false, 0},
		{caseStop, nil, false, 0},
	}
	var want int64
	var qrs []string
	moment := wall(2024, 12, 30, 8, 0, 0)
	for i, s := range steps {
		h.signer.setDown(s.down)
		res := h.send(moment.Add(time.Duration(i)*time.Hour), s.caseValue, s.items...)
		if res.Error != "" || !res.Receipt {
			t.Fatalf("step %d (case %#x): Error %q, Receipt %t", i, s.caseValue, res.Error, res.Receipt)
		}
		qrs = append(qrs, codeItem(t, res).Data)
		want += s.counted
	}

	var buf bytes.Buffer
	name, ctype, err := h.reg.Export(context.Background(), &buf, at.JournalDEP7, itemSource(h.items))
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if name != "dep7-"+testKassenID+".json" || ctype != "application/json; charset=utf-8" {
		t.Errorf("Export file %q, type %q; want %q, application/json; charset=utf-8", name, ctype, "dep7-"+testKassenID+".json")
	}
	dep := buf.Bytes()

	_, dc := h.containers()
	v := verify(t, dep, dc)
	if v.Receipts != len(steps) || v.Failed != 4 || v.Signed != len(steps)-4 {
		t.Errorf("verifier: %d receipts, %d failed, %d signed; want %d, 4, %d", v.Receipts, v.Failed, v.Signed, len(steps), len(steps)-4)
	}
	if v.State.Counter != want {
		t.Errorf("verifier: final counter %d, want %d (the sum of the non-training amounts sent)", v.State.Counter, want)
	}
	if len(v.Warnings) != 0 {
		t.Errorf("verifier warnings %v, want none", v.Warnings)
	}
	wantKinds := map[string]int{depcheck.KindStart: 1, depcheck.KindStandard: 8, depcheck.KindStorno: 2, depcheck.KindTraining: 3, depcheck.KindNull: 5}
	for k, n := range wantKinds {
		if v.Kinds[k] != n {
			t.Errorf("verifier: %d %s receipts, want %d", v.Kinds[k], k, n)
		}
	}

	// One device, one group, its certificate named; the QR strings the POS
	// got are the DEP's JWS in QR form.
	groups := parseDEP(t, dep)
	if len(groups) != 1 {
		t.Fatalf("DEP has %d groups, want 1 (one device)", len(groups))
	}
	g := groups[0]
	if g.Cert == nil || *g.Cert != base64.StdEncoding.EncodeToString(h.signer.cert) {
		t.Errorf("Signaturzertifikat %v, want the device certificate", g.Cert)
	}
	if g.CAs == nil || len(*g.CAs) != 0 {
		t.Errorf("Zertifizierungsstellen %v, want []", g.CAs)
	}
	if !bytes.Contains(dep, []byte(`"Zertifizierungsstellen":[]`)) || bytes.Contains(dep, []byte("null")) {
		t.Errorf("DEP must write [] and never null:\n%s", dep)
	}
	if len(g.Receipts) != len(qrs) {
		t.Fatalf("DEP has %d receipts, the POS got %d QR codes", len(g.Receipts), len(qrs))
	}
	for i, jws := range g.Receipts {
		if got := jwsOf(t, strings.Split(qrs[i], "_")); got != jws {
			t.Errorf("receipt %d: QR %q converts to JWS %q, the DEP has %q", i, qrs[i], got, jws)
		}
	}
}

func TestExportRejectsOtherJournalTypes(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	for _, jt := range []uint64{0, 2, 3, 0x4154_0000_0000_0001, 0x4445_0000_0000_0002} {
		var buf bytes.Buffer
		if _, _, err := h.reg.Export(context.Background(), &buf, jt, itemSource(h.items)); err == nil {
			t.Errorf("Export(type %#x) succeeded with %q; want an error (DEP7 is %d without country and version)", jt, buf.String(), at.JournalDEP7)
		}
	}
}

// TestExportItemsWithoutData follows the fiscal.MarketItem contract: Data is
// nil for an item the market stored nothing for (a receipt error, a failed
// start attempt), and an item source may pass such items along.
func TestExportItemsWithoutData(t *testing.T) {
	h := newHarness(t)
	h.signer.setDown(true)
	failedStart := h.send(wall(2025, 3, 10, 8, 59, 0), caseStart)
	h.signer.setDown(false)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	protocol := h.send(wall(2025, 3, 10, 9, 1, 0), receiptCase(fiscal.CaseProtocol, 0))
	h.send(wall(2025, 3, 10, 9, 2, 0), casePOS, charge{"1.00", "20", 0})

	items := []fiscal.MarketItem{
		{Row: 1, Data: failedStart.Data},
		h.items[0],
		{Row: 3, Data: protocol.Data},
		h.items[1],
	}
	var buf bytes.Buffer
	if _, _, err := h.reg.Export(context.Background(), &buf, at.JournalDEP7, itemSource(items)); err != nil {
		t.Fatalf("Export over items with nil Data (rows 1 and 3): %v; want them skipped", err)
	}
	_, dc := h.containers()
	if v := verify(t, buf.Bytes(), dc); v.Receipts != 2 {
		t.Errorf("DEP has %d receipts, want 2", v.Receipts)
	}
}

// TestExportEmpty: an export without receipts (an empty range) is one
// empty group, which the structure rule of rksv.md §9.2 A accepts.
func TestExportEmpty(t *testing.T) {
	h := newHarness(t)
	dep := h.export()
	groups := parseDEP(t, dep)
	if len(groups) != 1 || len(groups[0].Receipts) != 0 {
		t.Errorf("export without receipts: %s; want one empty group", dep)
	}
	_, dc := h.containers()
	if v := verify(t, dep, dc); v.Err != nil && v.Err.Code == "MALFORMED_DEP" {
		t.Errorf("empty export is not a well-formed DEP: %v", v.Err)
	}
}

// TestExportItemSourceError: an error from the item source (a journal read
// failure) ends the export with that error.
func TestExportItemSourceError(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	boom := fmt.Errorf("journal read failed")
	src := func(fn func(fiscal.MarketItem) error) error {
		if err := fn(h.items[0]); err != nil {
			return err
		}
		return boom
	}
	var buf bytes.Buffer
	if _, _, err := h.reg.Export(context.Background(), &buf, at.JournalDEP7, src); err != boom {
		t.Errorf("Export with a failing source: error %v, want %v", err, boom)
	}
}

func TestContainer(t *testing.T) {
	h := newHarness(t)
	res := h.start(wall(2025, 3, 10, 9, 0, 0))
	c, _ := h.containers()

	key, err := base64.StdEncoding.Strict().DecodeString(c.AESKey)
	if err != nil || len(key) != 32 || base64.StdEncoding.EncodeToString(key) != c.AESKey {
		t.Fatalf("container AES key %q: %d bytes, %v; want standard padded Base64 of 32 bytes", c.AESKey, len(key), err)
	}
	qr := qrFields(t, res)
	if got, err := rksv.DecryptCounter(key, qr[2], qr[3], qr[10]); err != nil || got != 0 {
		t.Errorf("start receipt counter with the container's key: %d, %v; want 0", got, err)
	}
	if got, want := h.reg.Info()["aesKeyChecksum"], rksv.AESKeyChecksum(c.AESKey); got != want {
		t.Errorf("Info aesKeyChecksum %v, want the check value of the container's key %q", got, want)
	}
	info, _ := json.Marshal(h.reg.Info())
	if bytes.Contains(info, []byte(c.AESKey)) || bytes.Contains(info, []byte(base64.StdEncoding.EncodeToString(key[:12]))) {
		t.Errorf("Info reveals the AES key: %s", info)
	}

	if len(c.Devices) != 1 {
		t.Fatalf("container has %d devices, want 1: %+v", len(c.Devices), c.Devices)
	}
	d, ok := c.Devices[testSerialHex]
	if !ok {
		t.Fatalf("container devices %+v, want one keyed by the lower-case hex serial %q", c.Devices, testSerialHex)
	}
	if d.ID != testSerialHex || d.Type != "CERTIFICATE" || d.Data != base64.StdEncoding.EncodeToString(h.signer.cert) {
		t.Errorf("container device %+v, want id %q, type CERTIFICATE, the device certificate", d, testSerialHex)
	}
	if qr[11] != testSerialHex {
		t.Errorf("field 11 %q, want the container id %q", qr[11], testSerialHex)
	}

	// Every provisioned register gets its own random key.
	other := newHarness(t)
	oc, _ := other.containers()
	if oc.AESKey == c.AESKey {
		t.Errorf("two provisioned registers share the AES key %q", c.AESKey)
	}
}

func TestClosedSystem(t *testing.T) {
	h := newHarnessWith(t, `{"kassenId":"GGS-1","signer":"card-1","closedSystemId":"U:ATU12345678-K1"}`)
	res := h.start(wall(2025, 3, 10, 9, 0, 0))
	qr := qrFields(t, res)
	if qr[1] != "R1-AT0" || qr[11] != "U:ATU12345678-K1" {
		t.Errorf("closed system: fields 1 and 11 %q, %q; want R1-AT0, U:ATU12345678-K1", qr[1], qr[11])
	}
	h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"1.00", "20", 0})

	c, dc := h.containers()
	d, ok := c.Devices["U:ATU12345678-K1"]
	if !ok || d.Type != "PUBLIC_KEY" || d.Data != base64.StdEncoding.EncodeToString(h.signer.Identity().PublicKeyDER) {
		t.Errorf("closed-system container %+v, want the public key under U:ATU12345678-K1", c.Devices)
	}
	dep := h.export()
	groups := parseDEP(t, dep)
	if len(groups) != 1 || groups[0].Cert == nil || *groups[0].Cert != "" {
		t.Errorf("closed-system DEP groups %+v, want one with an empty Signaturzertifikat", groups)
	}
	if v := verify(t, dep, dc); v.Signed != 2 {
		t.Errorf("closed-system DEP: %d signed receipts, want 2", v.Signed)
	}
}

func TestCounterLength(t *testing.T) {
	tests := []struct {
		param string
		want  int // bytes of field 10
	}{
		{``, 8},
		{`,"counterLength":5`, 5},
		{`,"counterLength":6`, 6},
		{`,"counterLength":16`, 16},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("param%q", tt.param), func(t *testing.T) {
			h := newHarnessWith(t, `{"kassenId":"K-1","signer":"card-1"`+tt.param+`}`)
			h.start(wall(2025, 3, 10, 9, 0, 0))
			res := h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"-3.00", "20", 0})
			f10 := qrFields(t, res)[10]
			b, err := base64.StdEncoding.Strict().DecodeString(f10)
			if err != nil || len(b) != tt.want {
				t.Errorf("counter length %q: field 10 %q is %d bytes (%v), want %d", tt.param, f10, len(b), err, tt.want)
			}
			if got := h.counterOf(qrFields(t, res)); got != -300 {
				t.Errorf("counter length %q: counter %d, want -300", tt.param, got)
			}
		})
	}
}

// TestDeviceNames: the device name is configuration text and is recorded
// with every receipt; whatever name the configuration accepts, the market's
// records must stay JSON that Export reads back.
func TestDeviceNames(t *testing.T) {
	names := []string{"card-1", "Kassa Küche 1", "card\t1", `card "A" <1> & co`, "card\x01", "card\x7f", "card\u2028"}
	for _, name := range names {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			sig := newKeySigner(t, name, testSerial)
			m := at.New(at.Options{Signers: []device.Signer{sig}})
			params, err := json.Marshal(map[string]string{"kassenId": testKassenID, "signer": name})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := m.Provision("queue-1", params)
			if err != nil {
				t.Fatalf("Provision refuses device name %q: %v", name, err)
			}
			reg, err := m.OpenRegister("queue-1", cfg, nil, true)
			if err != nil {
				t.Fatalf("OpenRegister: %v", err)
			}
			h := &harness{t: t, kassenID: testKassenID, market: m, signer: sig, config: cfg, reg: reg}
			res := h.start(wall(2025, 3, 10, 9, 0, 0))
			if !json.Valid(res.Data) {
				tail := res.Data[max(0, bytes.LastIndex(res.Data, []byte(`"device"`))):]
				t.Errorf("device %q: Result.Data is not JSON: …%s", name, tail)
			}
			var buf bytes.Buffer
			if _, _, err := h.reg.Export(context.Background(), &buf, at.JournalDEP7, itemSource(h.items)); err != nil {
				t.Fatalf("device %q: Export: %v", name, err)
			}
			_, dc := h.containers()
			verify(t, buf.Bytes(), dc)
		})
	}
}
