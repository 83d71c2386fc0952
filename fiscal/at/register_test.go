package at_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/internal/depcheck"
)

// Receipt cases used below, as a POS sends them.
var (
	caseStart   = receiptCase(fiscal.CaseInitialOperation, 0)
	caseStop    = receiptCase(fiscal.CaseOutOfOperation, 0)
	casePOS     = receiptCase(fiscal.CasePOSReceipt, 0)
	caseZero    = receiptCase(fiscal.CaseZeroReceipt, 0)
	caseDaily   = receiptCase(fiscal.CaseDailyClosing, 0)
	caseMonthly = receiptCase(fiscal.CaseMonthlyClosing, 0)
	caseYearly  = receiptCase(fiscal.CaseYearlyClosing, 0)
)

// testSerialHex is field 11 of the harness's device: lower-case hex, no
// leading zeros (rksv.md §5.1).
const testSerialHex = "abcdef012345678"

func TestProvisionRejects(t *testing.T) {
	tests := []struct {
		name, params string
	}{
		{"underscore in Kassen-ID", `{"kassenId":"KASSE_1","signer":"card-1"}`},
		{"empty Kassen-ID", `{"kassenId":"","signer":"card-1"}`},
		{"counter length 4", `{"kassenId":"K1","signer":"card-1","counterLength":4}`},
		{"counter length 17", `{"kassenId":"K1","signer":"card-1","counterLength":17}`},
		{"unknown signer", `{"kassenId":"K1","signer":"card-2"}`},
		{"provider PFX", `{"kassenId":"K1","signer":"card-1","provider":"PFX"}`},
		{"provider AT0 without closed-system id", `{"kassenId":"K1","signer":"card-1","provider":"AT0"}`},
		{"malformed closed-system id", `{"kassenId":"K1","signer":"card-1","closedSystemId":"ATU12345678"}`},
		{"unknown parameter", `{"kassenId":"K1","signer":"card-1","counterLen":8}`},
	}
	sig := newKeySigner(t, "card-1", testSerial)
	m := at.New(at.Options{Signers: []device.Signer{sig}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if cfg, err := m.Provision("q", []byte(tt.params)); err == nil {
				t.Errorf("Provision(%s) = %s, nil; want an error", tt.params, cfg)
			}
		})
	}
}

func TestStartReceipt(t *testing.T) {
	h := newHarness(t)
	res := h.start(wall(2025, 3, 10, 9, 0, 0))

	if res.Identification != "ft1#1" || res.Kind != "start" {
		t.Errorf("Identification %q, Kind %q; want ft1#1, start", res.Identification, res.Kind)
	}
	qr := qrFields(t, res)
	want := []string{"", "R1-AT100", testKassenID, "ft1#1", "2025-03-10T09:00:00", "0,00", "0,00", "0,00", "0,00", "0,00"}
	for i, w := range want {
		if qr[i] != w {
			t.Errorf("start receipt field %d = %q, want %q", i, qr[i], w)
		}
	}
	if qr[11] != testSerialHex {
		t.Errorf("field 11 = %q, want the certificate serial in lower-case hex %q", qr[11], testSerialHex)
	}
	if want := chainOf(testKassenID); qr[12] != want {
		t.Errorf("field 12 = %q, want ChainValue(Kassen-ID) = %q", qr[12], want)
	}
	if isFailed(qr) {
		t.Fatalf("start receipt is marked failed: %s", codeItem(t, res).Data)
	}
	if got := h.counterOf(qr); got != 0 {
		t.Errorf("start receipt counter decrypts to %d, want 0", got)
	}
	_, dc := h.containers()
	if err := depcheck.VerifyQR(codeItem(t, res).Data, dc); err != nil {
		t.Errorf("start receipt QR does not verify: %v", err)
	}
	if c := codeItem(t, res).Caption; c == "" || strings.Contains(c, failedText) {
		t.Errorf("code item caption %q for a signed receipt", c)
	}
	st := storageItem(t, res, "Startbeleg")
	if st.Caption != "Startbeleg" || st.Data != "Startbeleg" {
		t.Errorf("storage item %q/%q, want Startbeleg/Startbeleg", st.Caption, st.Data)
	}
	if res.Local != 0 || res.Global != fiscal.StateReady {
		t.Errorf("state after start: local %#x global %#x, want 0, 0", res.Local, res.Global)
	}
	if n := h.signer.callCount(); n != 1 {
		t.Errorf("device asked %d times, want 1", n)
	}
}

func TestStartReceiptDeviceFailure(t *testing.T) {
	h := newHarness(t)
	h.signer.setDown(true)
	res := h.send(wall(2025, 3, 10, 9, 0, 0), caseStart)
	if res.Error == "" || res.Receipt {
		t.Fatalf("start with a failed device: Error %q, Receipt %t; want an error and no receipt", res.Error, res.Receipt)
	}
	if n := h.signer.callCount(); n != 1 {
		t.Fatalf("device asked %d times, want 1 (the payload ft1#1 reached it)", n)
	}

	h.signer.setDown(false)
	h.reopen() // a restart in between must not bring ft1#1 back either
	res = h.send(wall(2025, 3, 10, 9, 1, 0), caseStart)
	if res.Error != "" || !res.Receipt {
		t.Fatalf("second start attempt: Error %q, Receipt %t; want a signed start receipt", res.Error, res.Receipt)
	}
	qr := qrFields(t, res)
	// The queue's numerator did not move (no receipt), the RKSV number did:
	// ft1#1 reached the device and must never be used again.
	if res.Identification != "ft1#2" || qr[3] != "ft1#2" {
		t.Errorf("second start attempt: Identification %q, field 3 %q; want ft1#2 (a new Belegnummer)", res.Identification, qr[3])
	}
	if isFailed(qr) || qr[12] != chainOf(testKassenID) {
		t.Errorf("second start attempt: failed %t, chain %q; want signed, chain %q", isFailed(qr), qr[12], chainOf(testKassenID))
	}
	_, dc := h.containers()
	v := verify(t, h.export(), dc)
	if v.Receipts != 1 || v.Kinds[depcheck.KindStart] != 1 {
		t.Errorf("DEP: %d receipts, %d start; want exactly the one signed start receipt", v.Receipts, v.Kinds[depcheck.KindStart])
	}
}

func TestAmountColumns(t *testing.T) {
	tests := []struct {
		name  string
		items []charge
		want  [5]string // fields 5–9
		cents int64     // added to the counter
	}{
		{"each rate to its column",
			[]charge{{"12.50", "20", 0}, {"3.20", "10", 0}, {"1.10", "13", 0}, {"0.99", "0", 0}, {"5.00", "19", 0}},
			[5]string{"12,50", "3,20", "1,10", "0,99", "5,00"}, 2279},
		{"4.9 % and any other rate to Besonders",
			[]charge{{"1.00", "4.9", 0}, {"2.00", "5", 0}, {"0.50", "7", 0}, {"1.00", "19.00", 0}},
			[5]string{"0,00", "0,00", "0,00", "0,00", "4,50"}, 450},
		{"rates written with decimals",
			[]charge{{"1.00", "20.00", 0}, {"2.00", "10.0", 0}, {"3.00", "13.000", 0}, {"4.00", "0.0", 0}},
			[5]string{"1,00", "2,00", "3,00", "4,00", "0,00"}, 1000},
		{"column sum rounded once, half away from zero",
			[]charge{{"0.005", "20", 0}, {"0.005", "20", 0}, {"0.005", "20", 0}},
			[5]string{"0,02", "0,00", "0,00", "0,00", "0,00"}, 2},
		{"negative half rounds away from zero",
			[]charge{{"-0.005", "10", 0}, {"-0.005", "10", 0}, {"-0.005", "10", 0}},
			[5]string{"0,00", "-0,02", "0,00", "0,00", "0,00"}, -2},
		{"sub-cent items add up before rounding",
			[]charge{{"0.004", "13", 0}, {"0.004", "13", 0}},
			[5]string{"0,00", "0,00", "0,01", "0,00", "0,00"}, 1},
		{"decimal, not binary, arithmetic",
			[]charge{{"0.1", "10", 0}, {"0.2", "10", 0}, {"1.15", "20", 0}, {"1.15", "20", 0}, {"1.15", "20", 0}},
			[5]string{"3,45", "0,30", "0,00", "0,00", "0,00"}, 375},
		{"negative amounts",
			[]charge{{"-37.11", "20", 0}, {"10.00", "20", 0}, {"-0.05", "0", 0}},
			[5]string{"-27,11", "0,00", "0,00", "-0,05", "0,00"}, -2716},
		{"amounts of 1000 and more without separator",
			[]charge{{"1234.56", "20", 0}, {"1000000", "0", 0}, {"-1500", "10", 0}},
			[5]string{"1234,56", "-1500,00", "0,00", "1000000,00", "0,00"}, 99973456},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.start(wall(2025, 3, 10, 9, 0, 0))
			before := h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"100.00", "20", 0})
			base := h.counterOf(qrFields(t, before))

			res := h.send(wall(2025, 3, 10, 9, 2, 0), casePOS, tt.items...)
			if res.Error != "" || res.Kind != "standard" {
				t.Fatalf("items %v: Error %q, Kind %q; want a standard receipt", tt.items, res.Error, res.Kind)
			}
			qr := qrFields(t, res)
			for i, w := range tt.want {
				if qr[5+i] != w {
					t.Errorf("items %v: field %d = %q, want %q", tt.items, 5+i, qr[5+i], w)
				}
			}
			if got := h.counterOf(qr); got != base+tt.cents {
				t.Errorf("items %v: counter %d, want %d + %d", tt.items, got, base, tt.cents)
			}
		})
	}
}

func TestTrainingAndStorno(t *testing.T) {
	tests := []struct {
		name    string
		flags   uint16
		amount  string
		field10 string
		kind    string
		counted bool
	}{
		{"training", fiscal.FlagTraining, "10.00", "VFJB", "training", false},
		{"storno", fiscal.FlagVoid, "-10.00", "U1RP", "storno", true},
		{"training storno", fiscal.FlagTraining | fiscal.FlagVoid, "-10.00", "VFJB", "training", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.start(wall(2025, 3, 10, 9, 0, 0))
			h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"100.00", "20", 0})

			res := h.send(wall(2025, 3, 10, 9, 2, 0), receiptCase(fiscal.CasePOSReceipt, tt.flags), charge{tt.amount, "20", 0})
			if res.Error != "" || res.Kind != tt.kind {
				t.Fatalf("flags %#x: Error %q, Kind %q; want %s", tt.flags, res.Error, res.Kind, tt.kind)
			}
			qr := qrFields(t, res)
			if qr[10] != tt.field10 {
				t.Errorf("flags %#x: field 10 = %q, want %q", tt.flags, qr[10], tt.field10)
			}
			if isFailed(qr) {
				t.Errorf("flags %#x: receipt not signed", tt.flags)
			}
			if want := strings.Replace(tt.amount, ".", ",", 1); qr[5] != want {
				t.Errorf("flags %#x: field 5 = %q, want %q (printed as sent)", tt.flags, qr[5], want)
			}

			next := h.send(wall(2025, 3, 10, 9, 3, 0), casePOS, charge{"1.00", "20", 0})
			want := int64(10000 + 100)
			if tt.counted {
				want += -1000
			}
			if got := h.counterOf(qrFields(t, next)); got != want {
				t.Errorf("flags %#x: counter after the next receipt %d, want %d (counted %t)", tt.flags, got, want, tt.counted)
			}
		})
	}
}

func TestFailedMode(t *testing.T) {
	h := newHarness(t)
	t0 := wall(2025, 3, 10, 9, 0, 0)
	h.start(t0)
	h.send(t0.Add(time.Minute), casePOS, charge{"10.00", "20", 0})

	// The device fails on a receipt: the receipt is complete but marked.
	h.signer.setDown(true)
	failAt := t0.Add(2 * time.Minute)
	first := h.send(failAt, casePOS, charge{"20.00", "20", 0})
	if first.Error != "" || !first.Receipt {
		t.Fatalf("receipt with a failed device: Error %q, Receipt %t; want a (failed) receipt", first.Error, first.Receipt)
	}
	checkFailed(t, first)
	if n := h.signer.callCount(); n != 3 {
		t.Fatalf("device asked %d times, want 3 (start, signed receipt, the failing attempt)", n)
	}
	firstNumber := qrFields(t, first)[3]

	// While failed, normal receipts and closings other than zero and yearly
	// receipts are not sent to the device, even if it would answer.
	h.signer.setDown(false)
	for i, c := range []struct {
		caseValue uint64
		items     []charge
	}{
		{casePOS, []charge{{"5.00", "10", 0}}},
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagTraining), []charge{{"7.00", "20", 0}}},
		{receiptCase(fiscal.CasePOSReceipt, fiscal.FlagVoid), []charge{{"-5.00", "10", 0}}},
		{caseDaily, nil},
	} {
		res := h.send(failAt.Add(time.Duration(i+1)*time.Minute), c.caseValue, c.items...)
		checkFailed(t, res)
		if n := h.signer.callCount(); n != 3 {
			t.Fatalf("case %#x while failed: device asked (%d calls), want it left alone", c.caseValue, n)
		}
	}

	// ftState: temporarily failed; after 48 hours also permanently (local 1).
	now := failAt.Add(10 * time.Minute)
	if local, global, _ := h.reg.Status(now); global&fiscal.StateSCUFailed == 0 || local&0x001 != 0 {
		t.Errorf("Status(+10m) while failed: local %#x global %#x; want SCU failed, not yet permanently", local, global)
	}
	if local, global, _ := h.reg.Status(failAt.Add(49 * time.Hour)); local&0x001 == 0 || global&fiscal.StateSCUFailed == 0 {
		t.Errorf("Status(+49h) while failed: local %#x global %#x; want local 0x001 and SCU failed", local, global)
	}
	// The 48 hours run from the first failed receipt, not from the latest.
	for _, tc := range []struct {
		after time.Duration
		local uint16
	}{{48 * time.Hour, 0}, {48*time.Hour + time.Second, 0x001}, {48*time.Hour + 2*time.Minute, 0x001}} {
		if local, _, _ := h.reg.Status(failAt.Add(tc.after)); local&0x001 != tc.local {
			t.Errorf("Status(first failure + %v): local %#x, want %#x", tc.after, local, tc.local)
		}
	}

	// A zero receipt retries the device; while it is still out the zero
	// receipt is a failed null receipt and the outage goes on.
	h.signer.setDown(true)
	res := h.send(failAt.Add(20*time.Minute), caseZero)
	checkFailed(t, res)
	if n := h.signer.callCount(); n != 4 {
		t.Fatalf("zero receipt while failed: device asked %d times in all, want 4 (the zero receipt retries it)", n)
	}
	if hasStorageItem(res, "Sammelbeleg") {
		t.Errorf("unsigned zero receipt carries a Sammelbeleg item")
	}

	// Once the device answers, the zero receipt is the Sammelbeleg.
	h.signer.setDown(false)
	res = h.send(failAt.Add(30*time.Minute), caseZero)
	qr := qrFields(t, res)
	if isFailed(qr) {
		t.Fatalf("zero receipt with the device back is not signed")
	}
	if n := h.signer.callCount(); n != 5 {
		t.Errorf("device asked %d times in all, want 5", n)
	}
	sb := storageItem(t, res, "Sammelbeleg")
	if want := "Von " + firstNumber + " bis " + qr[3]; sb.Caption != "Sammelbeleg" || sb.Data != want {
		t.Errorf("Sammelbeleg item %q/%q, want Sammelbeleg/%q", sb.Caption, sb.Data, want)
	}
	if res.Global&fiscal.StateSCUFailed != 0 || res.Local != 0 {
		t.Errorf("state after the Sammelbeleg: local %#x global %#x; want the failed flags cleared", res.Local, res.Global)
	}
	if local, global, _ := h.reg.Status(failAt.Add(49 * time.Hour)); local != 0 || global&fiscal.StateSCUFailed != 0 {
		t.Errorf("Status after the Sammelbeleg: local %#x global %#x; want no failure flags", local, global)
	}

	// Normal receipts go to the device again.
	res = h.send(failAt.Add(31*time.Minute), casePOS, charge{"1.00", "20", 0})
	if isFailed(qrFields(t, res)) || h.signer.callCount() != 6 {
		t.Errorf("receipt after the Sammelbeleg: failed %t, device calls %d; want signed, 6", isFailed(qrFields(t, res)), h.signer.callCount())
	}

	// The journal of this run is a valid DEP: the outage is closed by the
	// signed null receipt; the unsigned daily closing and zero receipt are
	// warnings, not errors.
	_, dc := h.containers()
	v := verify(t, h.export(), dc)
	if v.Failed != 6 || v.Signed != 4 {
		t.Errorf("DEP: %d failed, %d signed receipts; want 6, 4", v.Failed, v.Signed)
	}
	if len(v.Warnings) != 2 {
		t.Errorf("DEP warnings %v; want the two unsigned null receipts", v.Warnings)
	}
	if want := int64(1000 + 2000 + 500 - 500 + 100); v.State.Counter != want {
		t.Errorf("DEP counter %d, want %d", v.State.Counter, want)
	}
}

// checkFailed requires a receipt marked "Sicherheitseinrichtung ausgefallen"
// and the temporarily-failed ftState flag.
func checkFailed(t *testing.T, res *fiscal.Result) {
	t.Helper()
	if res.Error != "" || !res.Receipt {
		t.Fatalf("%s: Error %q, Receipt %t; want a failed receipt", res.Identification, res.Error, res.Receipt)
	}
	item := codeItem(t, res)
	qr := qrFields(t, res)
	if !isFailed(qr) {
		t.Errorf("%s: signature part %q, want the failure text %q", res.Identification, qr[13], failedSegmentStd)
	}
	if item.Caption != failedText {
		t.Errorf("%s: code item caption %q, want %q", res.Identification, item.Caption, failedText)
	}
	if res.Global&fiscal.StateSCUFailed == 0 {
		t.Errorf("%s: global state %#x lacks StateSCUFailed", res.Identification, res.Global)
	}
}

func TestClosings(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2024, 12, 2, 9, 0, 0))
	h.send(wall(2024, 12, 2, 10, 0, 0), casePOS, charge{"1234.56", "20", 0})
	h.send(wall(2024, 12, 3, 10, 0, 0), casePOS, charge{"-0.06", "10", 0})

	res := h.send(wall(2024, 12, 31, 23, 0, 0), caseMonthly)
	mb := storageItem(t, res, "Monatsbeleg")
	if mb.Caption != "Monatsbeleg #12" || mb.Data != "1234.50" {
		t.Errorf("monthly closing item %q/%q, want Monatsbeleg #12/1234.50", mb.Caption, mb.Data)
	}
	if res.Kind != "null" {
		t.Errorf("monthly closing kind %q, want null", res.Kind)
	}

	// A yearly closing while the device is out is only a failed null
	// receipt: no Jahresbeleg item, it must be repeated.
	h.signer.setDown(true)
	h.send(wall(2024, 12, 31, 23, 10, 0), casePOS, charge{"100", "20", 0})
	calls := h.signer.callCount()
	res = h.send(wall(2024, 12, 31, 23, 20, 0), caseYearly)
	if h.signer.callCount() != calls+1 {
		t.Errorf("yearly closing while failed: device not asked (calls %d → %d); the Jahresbeleg must be signed, so it retries", calls, h.signer.callCount())
	}
	if !isFailed(qrFields(t, res)) {
		t.Fatalf("yearly closing with the device out is signed")
	}
	if hasStorageItem(res, "Jahresbeleg") {
		t.Errorf("failed yearly closing carries a Jahresbeleg item: %+v", res.Signatures)
	}

	h.signer.setDown(false)
	res = h.send(wall(2024, 12, 31, 23, 30, 0), caseYearly)
	if isFailed(qrFields(t, res)) {
		t.Fatalf("yearly closing with the device back is not signed")
	}
	jb := storageItem(t, res, "Jahresbeleg")
	if jb.Caption != "Jahresbeleg" || jb.Data != "1334.50" {
		t.Errorf("yearly closing item %q/%q, want Jahresbeleg/1334.50", jb.Caption, jb.Data)
	}

	res = h.send(wall(2025, 1, 5, 12, 0, 0), caseStop)
	sb := storageItem(t, res, "Stopbeleg")
	if sb.Caption != "Stopbeleg" || sb.Data != "Stopbeleg" {
		t.Errorf("stop item %q/%q, want Stopbeleg/Stopbeleg", sb.Caption, sb.Data)
	}
	if isFailed(qrFields(t, res)) || res.Kind != "null" {
		t.Errorf("stop receipt: failed %t kind %q; want a signed null receipt", isFailed(qrFields(t, res)), res.Kind)
	}

	_, dc := h.containers()
	if v := verify(t, h.export(), dc); v.State.Counter != 133450 {
		t.Errorf("DEP counter %d, want 133450", v.State.Counter)
	}
}

func TestMonthlyClosingNegativeCounter(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 1, 2, 9, 0, 0))
	h.send(wall(2025, 1, 2, 10, 0, 0), receiptCase(fiscal.CasePOSReceipt, fiscal.FlagVoid), charge{"-1005.07", "20", 0})
	res := h.send(wall(2025, 1, 31, 22, 0, 0), caseMonthly)
	if mb := storageItem(t, res, "Monatsbeleg"); mb.Caption != "Monatsbeleg #1" || mb.Data != "-1005.07" {
		t.Errorf("monthly closing item %q/%q, want Monatsbeleg #1/-1005.07", mb.Caption, mb.Data)
	}
}

func TestDailyClosingDue(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 8, 0, 0))
	steps := []struct {
		name      string
		moment    time.Time
		caseValue uint64
		due       bool
	}{
		{"first receipt of the day", wall(2025, 3, 10, 9, 0, 0), casePOS, false},
		{"same Vienna day, late evening", wall(2025, 3, 10, 23, 59, 0), casePOS, false},
		// 23:30 UTC is already the next day in Vienna.
		{"next Vienna day, same UTC day", time.Date(2025, 3, 10, 23, 30, 0, 0, time.UTC), casePOS, true},
		{"daily closing", wall(2025, 3, 11, 0, 45, 0), caseDaily, false},
		// 00:50 in Vienna is still 10 March in UTC; the business day is
		// the Vienna one.
		{"first receipt after the closing, just after midnight", wall(2025, 3, 11, 0, 50, 0), casePOS, false},
		{"later the same Vienna day", wall(2025, 3, 11, 9, 0, 0), casePOS, false},
		{"two days later", wall(2025, 3, 13, 9, 0, 0), casePOS, true},
		{"daily closing again", wall(2025, 3, 13, 22, 0, 0), caseDaily, false},
	}
	for _, s := range steps {
		var items []charge
		if s.caseValue == casePOS {
			items = []charge{{"1.00", "20", 0}}
		}
		res := h.send(s.moment, s.caseValue, items...)
		if got := res.Global&fiscal.StateDailyDue != 0; got != s.due {
			t.Errorf("%s (%s): daily closing due %t, want %t (global %#x)", s.name, s.moment.UTC().Format(time.RFC3339), got, s.due, res.Global)
		}
		_, global, _ := h.reg.Status(s.moment)
		if got := global&fiscal.StateDailyDue != 0; got != s.due {
			t.Errorf("%s: Status(%s) daily closing due %t, want %t", s.name, s.moment.UTC().Format(time.RFC3339), got, s.due)
		}
	}
}

func TestMonthlyClosingDue(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 1, 31, 20, 0, 0))
	if _, global, _ := h.reg.Status(wall(2025, 1, 31, 23, 59, 59)); global&fiscal.StateMonthlyDue != 0 {
		t.Errorf("Status in the start month: monthly due (global %#x)", global)
	}
	if _, global, _ := h.reg.Status(wall(2025, 2, 1, 0, 0, 1)); global&fiscal.StateMonthlyDue == 0 {
		t.Errorf("Status in the month after the start: monthly not due (global %#x)", global)
	}
	res := h.send(wall(2025, 2, 1, 9, 0, 0), casePOS, charge{"1.00", "20", 0})
	if res.Global&fiscal.StateMonthlyDue == 0 {
		t.Errorf("receipt in a new month: monthly not due (global %#x)", res.Global)
	}
	res = h.send(wall(2025, 2, 1, 9, 5, 0), caseMonthly)
	if res.Global&fiscal.StateMonthlyDue != 0 {
		t.Errorf("monthly closing: monthly still due (global %#x)", res.Global)
	}
	res = h.send(wall(2025, 2, 28, 23, 0, 0), casePOS, charge{"1.00", "20", 0})
	if res.Global&fiscal.StateMonthlyDue != 0 {
		t.Errorf("receipt in the month of the closing: monthly due (global %#x)", res.Global)
	}
	// Vienna decides the month: 23:30 UTC on 28 February is March in Vienna.
	res = h.send(time.Date(2025, 2, 28, 23, 30, 0, 0, time.UTC), casePOS, charge{"1.00", "20", 0})
	if res.Global&fiscal.StateMonthlyDue == 0 {
		t.Errorf("receipt on 1 March (Vienna): monthly not due (global %#x)", res.Global)
	}
}

func TestDatesNeverDecrease(t *testing.T) {
	tests := []struct {
		name            string
		first, second   time.Time
		field4, field4b string
	}{
		{"clock set back",
			wall(2025, 3, 10, 12, 0, 0), wall(2025, 3, 10, 11, 0, 0),
			"2025-03-10T12:00:00", "2025-03-10T12:00:00"},
		{"repeated hour at the end of summer time",
			time.Date(2025, 10, 26, 0, 50, 0, 0, time.UTC), time.Date(2025, 10, 26, 1, 10, 0, 0, time.UTC),
			"2025-10-26T02:50:00", "2025-10-26T02:50:00"},
		{"clock moving forward",
			wall(2025, 3, 10, 12, 0, 0), wall(2025, 3, 10, 12, 0, 1),
			"2025-03-10T12:00:00", "2025-03-10T12:00:01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.start(tt.first.Add(-time.Hour))
			a := qrFields(t, h.send(tt.first, casePOS, charge{"1.00", "20", 0}))
			b := qrFields(t, h.send(tt.second, casePOS, charge{"1.00", "20", 0}))
			if a[4] != tt.field4 || b[4] != tt.field4b {
				t.Errorf("moments %s, %s: field 4 %q, %q; want %q, %q",
					tt.first.UTC().Format(time.RFC3339), tt.second.UTC().Format(time.RFC3339), a[4], b[4], tt.field4, tt.field4b)
			}
			_, dc := h.containers()
			verify(t, h.export(), dc)
		})
	}
}

func TestCasesWithoutATReceipt(t *testing.T) {
	cases := []uint16{
		fiscal.CaseProtocol, fiscal.CaseProtocolTechnical, fiscal.CaseProtocolAccount, fiscal.CaseShiftClosing,
		fiscal.CaseOneReceipt, fiscal.CaseCopyReceipt, fiscal.CaseInitSCUSwitch, fiscal.CaseFinishSCUSwitch,
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%#04x", c), func(t *testing.T) {
			h := newHarness(t)
			h.start(wall(2025, 3, 10, 9, 0, 0))
			calls := h.signer.callCount()
			res := h.send(wall(2025, 3, 10, 9, 1, 0), receiptCase(c, 0))
			if res.Error == "" || res.Receipt {
				t.Errorf("case %#04x (%s): Error %q, Receipt %t; want a receipt error", c, fiscal.ReceiptCaseName(c), res.Error, res.Receipt)
			}
			if h.signer.callCount() != calls {
				t.Errorf("case %#04x: device asked", c)
			}
			// The register goes on as if nothing happened.
			next := h.send(wall(2025, 3, 10, 9, 2, 0), casePOS, charge{"1.00", "20", 0})
			if next.Error != "" || isFailed(qrFields(t, next)) {
				t.Errorf("receipt after case %#04x: Error %q; want a signed receipt", c, next.Error)
			}
			_, dc := h.containers()
			verify(t, h.export(), dc)
		})
	}
}

func TestVATNibbleNote(t *testing.T) {
	tests := []struct {
		name     string
		item     charge
		note     bool
		field    int
		wantText string
	}{
		{"nibble 3 (20 %) with 10 %", charge{"5.00", "10", atV2 | 0x13}, true, 6, "5,00"},
		{"nibble 1 (10 %) with 20 %", charge{"5.00", "20", atV2 | 0x11}, true, 5, "5,00"},
		{"nibble 6 (19 %) with 13 %", charge{"5.00", "13", atV2 | 0x16}, true, 7, "5,00"},
		{"nibble 3 with 20 %", charge{"5.00", "20", atV2 | 0x13}, false, 5, "5,00"},
		{"nibble 2 with 13.00 %", charge{"5.00", "13.00", atV2 | 0x12}, false, 7, "5,00"},
		{"nibble 0 (from VATRate)", charge{"5.00", "19", atV2}, false, 9, "5,00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.start(wall(2025, 3, 10, 9, 0, 0))
			res := h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, tt.item)
			var notes []string
			for _, n := range res.Notes {
				if strings.Contains(n, "VAT") {
					notes = append(notes, n)
				}
			}
			if got := len(notes) > 0; got != tt.note || len(notes) > 1 {
				t.Errorf("item %+v: VAT notes %q, want a note %t", tt.item, notes, tt.note)
			}
			if qr := qrFields(t, res); qr[tt.field] != tt.wantText {
				t.Errorf("item %+v: field %d = %q, want %q (VATRate decides)", tt.item, tt.field, qr[tt.field], tt.wantText)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"12.34", "20", 0})
	last := h.send(wall(2025, 3, 10, 9, 2, 0), casePOS, charge{"0.66", "10", 0})
	lastJWS := jwsOf(t, qrFields(t, last))

	h.reopen()
	res := h.send(wall(2025, 3, 10, 9, 3, 0), casePOS, charge{"1.00", "0", 0})
	qr := qrFields(t, res)
	if qr[12] != chainOf(lastJWS) {
		t.Errorf("first receipt after restore: chain %q, want the hash of the previous JWS %q", qr[12], chainOf(lastJWS))
	}
	if got := h.counterOf(qr); got != 1400 {
		t.Errorf("first receipt after restore: counter %d, want 1400", got)
	}
	if res.Identification != "ft4#4" {
		t.Errorf("first receipt after restore: Identification %q, want ft4#4", res.Identification)
	}

	// Failed mode survives a restart: the reopened register does not ask the
	// device for a normal receipt.
	h.signer.setDown(true)
	h.send(wall(2025, 3, 10, 9, 4, 0), casePOS, charge{"2.00", "20", 0})
	h.signer.setDown(false)
	h.reopen()
	if _, global, _ := h.reg.Status(wall(2025, 3, 10, 9, 5, 0)); global&fiscal.StateSCUFailed == 0 {
		t.Errorf("restored register in failed mode: Status global %#x lacks StateSCUFailed", global)
	}
	calls := h.signer.callCount()
	checkFailed(t, h.send(wall(2025, 3, 10, 9, 6, 0), casePOS, charge{"3.00", "20", 0}))
	if h.signer.callCount() != calls {
		t.Errorf("restored register in failed mode asked the device for a normal receipt")
	}
	sb := storageItem(t, h.send(wall(2025, 3, 10, 9, 7, 0), caseZero), "Sammelbeleg")
	if sb.Data != "Von ft5#5 bis ft7#7" {
		t.Errorf("Sammelbeleg after a restart: %q, want Von ft5#5 bis ft7#7 (the outage began before the restart)", sb.Data)
	}

	_, dc := h.containers()
	v := verify(t, h.export(), dc)
	if v.Receipts != 7 || v.State.Counter != 1900 {
		t.Errorf("DEP across restarts: %d receipts, counter %d; want 7, 1900", v.Receipts, v.State.Counter)
	}
}

func TestUncommittedResult(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	prev := h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"1.00", "20", 0})

	// The journal write of this item fails: the result is never committed.
	lost, _ := h.fiscalize(wall(2025, 3, 10, 9, 2, 0), casePOS, false, charge{"50.00", "20", 0})
	lostNumber := qrFields(t, lost)[3]

	res := h.send(wall(2025, 3, 10, 9, 3, 0), casePOS, charge{"2.00", "20", 0})
	qr := qrFields(t, res)
	if qr[3] == lostNumber {
		t.Errorf("next receipt reuses Belegnummer %q whose payload reached the device", lostNumber)
	}
	if want := chainOf(jwsOf(t, qrFields(t, prev))); qr[12] != want {
		t.Errorf("next receipt chains to %q, want %q (the last committed receipt)", qr[12], want)
	}
	if got := h.counterOf(qr); got != 300 {
		t.Errorf("next receipt counter %d, want 300 (the uncommitted 50.00 not counted)", got)
	}
	_, dc := h.containers()
	verify(t, h.export(), dc)
}

// TestNumberNotReusedAfterCrash: a Belegnummer whose payload reached the
// device is never used again, even if the process dies before the receipt
// is committed and the register is restored from the last committed state
// (rksv.md §2.5, §7.2: advance durably first, or recover with a margin).
func TestNumberNotReusedAfterCrash(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"1.00", "20", 0})

	calls := h.signer.callCount()
	lost, _ := h.fiscalize(wall(2025, 3, 10, 9, 2, 0), casePOS, false, charge{"50.00", "20", 0})
	if h.signer.callCount() != calls+1 {
		t.Fatalf("the lost receipt did not reach the device")
	}
	lostNumber := qrFields(t, lost)[3]

	h.crash() // restart from the last committed state after an unclean stop
	res := h.send(wall(2025, 3, 10, 9, 3, 0), casePOS, charge{"2.00", "20", 0})
	if got := qrFields(t, res)[3]; got == lostNumber {
		t.Errorf("after a restart the register reuses Belegnummer %q, whose payload (50,00) was already signed by the device; "+
			"the same Kassen-ID and number give the same AES-CTR keystream", got)
	}
}

// TestDeviceDeadline: a device that does not answer within the market's
// deadline makes a failed receipt at once (rksv.md §4.5, bounded latency).
func TestDeviceDeadline(t *testing.T) {
	h := newHarnessOptions(t, fmt.Sprintf(`{"kassenId":%q,"signer":"card-1"}`, testKassenID), 50*time.Millisecond)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	h.signer.setHang(true)
	began := time.Now()
	res := h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"1.00", "20", 0})
	if d := time.Since(began); d > time.Second {
		t.Errorf("receipt with a hanging device took %v, market deadline 50ms", d)
	}
	checkFailed(t, res)
}

// TestStopWhileFailed: a Schlussbeleg may be unsigned (§4.2), but the
// Stopbeleg storage item belongs to a signed stop receipt (§8.4 table).
func TestStopWhileFailed(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	h.signer.setDown(true)
	h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"1.00", "20", 0})
	res := h.send(wall(2025, 3, 10, 9, 2, 0), caseStop)
	checkFailed(t, res)
	if hasStorageItem(res, "Stopbeleg") {
		t.Errorf("unsigned stop receipt carries a Stopbeleg item: %+v", res.Signatures)
	}
}

// TestStatusConcurrent: Status may be called while the queue goroutine
// fiscalizes (fiscal.Register); run with -race.
func TestStatusConcurrent(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
				h.reg.Status(wall(2025, 3, 11, 9, 0, 0))
			}
		}
	}()
	for i := range 20 {
		h.send(wall(2025, 3, 10, 10, i, 0), casePOS, charge{"1.00", "20", 0})
	}
	close(done)
	wg.Wait()
	if _, global, _ := h.reg.Status(wall(2025, 3, 11, 9, 0, 0)); global&fiscal.StateDailyDue == 0 {
		t.Errorf("Status on the next day after 20 receipts: global %#x, want daily closing due", global)
	}
}

func TestIdentification(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	for n := 2; n <= 28; n++ {
		res := h.send(wall(2025, 3, 10, 9, n, 0), caseZero)
		want := fmt.Sprintf("ft%X#%d", n, n)
		if res.Identification != want {
			t.Errorf("receipt %d: Identification %q, want %q", n, res.Identification, want)
		}
		if qr := qrFields(t, res); qr[3] != res.Identification {
			t.Errorf("receipt %d: field 3 %q differs from Identification %q", n, qr[3], res.Identification)
		}
	}
}

// TestMarginSurvivesItemsWithoutReceipts: after a crash the register skips
// the numbers that may have left the process. An item the market makes no
// receipt for stores the register's current state (State), so a later
// clean restart keeps the skip instead of falling back to the numbers
// before the crash.
func TestMarginSurvivesItemsWithoutReceipts(t *testing.T) {
	h := newHarness(t)
	h.start(wall(2025, 3, 10, 9, 0, 0))
	h.send(wall(2025, 3, 10, 9, 1, 0), casePOS, charge{"1.00", "20", 0})
	lost, _ := h.fiscalize(wall(2025, 3, 10, 9, 2, 0), casePOS, false, charge{"50.00", "20", 0})
	lostNumber := qrFields(t, lost)[3]
	h.crash()
	h.state = h.reg.State() // what the queue stores with an item the market did not see
	h.reopen()              // then a clean stop and start
	res := h.send(wall(2025, 3, 10, 9, 3, 0), casePOS, charge{"2.00", "20", 0})
	if got := qrFields(t, res)[3]; got == lostNumber {
		t.Fatalf("Belegnummer %s reused after crash + item without receipt + clean restart", got)
	}
}
