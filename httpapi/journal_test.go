package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/internal/depcheck"
)

func journalType(t uint64) string { return `{"ftJournalType":` + strconv.FormatUint(t, 10) + `}` }

func TestJournalTypes(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	for i := range 5 {
		e.post(b, "/v2/sign", receipt("j"+strconv.Itoa(i), casePOS, sale("1.00", "2.00")))
	}
	cases := []struct {
		name   string
		body   string
		status int
		check  func(t *testing.T, r resp)
	}{
		{"version", journalType(0), 200, func(t *testing.T, r resp) {
			if m := r.JSON(t); m["Assembly"] != "fiscald" || m["AssemblyVersion"] != "1.2.3-test" {
				t.Fatalf("version: %v", m)
			}
		}},
		{"configuration has no secrets", journalType(255), 200, func(t *testing.T, r resp) {
			if !strings.Contains(string(r.Body), "TEST-KASSE-0") || strings.Contains(strings.ToLower(string(r.Body)), "aeskey\"") {
				t.Fatalf("configuration: %s", r.Body)
			}
		}},
		{"queue items", journalType(3), 200, func(t *testing.T, r resp) {
			if n := len(array(t, r)); n != 6 {
				t.Fatalf("%d queue items, want 6", n)
			}
		}},
		{"receipt journal chains hashes", journalType(2), 200, func(t *testing.T, r resp) {
			items := array(t, r)
			if len(items) != 6 {
				t.Fatalf("%d receipts, want 6", len(items))
			}
			for i := 1; i < len(items); i++ {
				if items[i]["previousReceiptHash"] != items[i-1]["journalHash"] {
					t.Fatalf("receipt %d does not link to %d", i, i-1)
				}
			}
		}},
		{"action journal", journalType(1), 200, func(t *testing.T, r resp) { array(t, r) }},
		{"row range", `{"ftJournalType":3,"FromQueueRow":2,"ToQueueRow":4}`, 200, func(t *testing.T, r resp) {
			items := array(t, r)
			if len(items) != 3 || items[0]["ftQueueRow"].(json.Number).String() != "2" || items[2]["ftQueueRow"].(json.Number).String() != "4" {
				t.Fatalf("rows 2..4: %v", items)
			}
		}},
		{"at most N", `{"ftJournalType":3,"To":-2}`, 200, func(t *testing.T, r resp) {
			if n := len(array(t, r)); n != 2 {
				t.Fatalf("To -2 gave %d items", n)
			}
		}},
		{"ticks in the future", `{"ftJournalType":3,"From":` + strconv.FormatInt(ticksNowPlusDays(1), 10) + `}`, 200, func(t *testing.T, r resp) {
			if n := len(array(t, r)); n != 0 {
				t.Fatalf("From tomorrow gave %d items", n)
			}
		}},
		{"rows and ticks together", `{"ftJournalType":3,"From":1,"FromQueueRow":2}`, 400, nil},
		{"DSFinV-K for an AT CashBox", journalType(0x4445_0000_0000_0002), 501, nil},
		{"DE in v2 layout", journalType(0x4445_2000_0000_0002), 501, nil},
		{"France", journalType(0x4652_0000_0000_0001), 501, nil},
		{"undefined AT type", journalType(0x4154_0000_0000_0099), 422, nil},
		{"undefined generic type", journalType(0x1234), 422, nil},
		{"AT DEP7 with version 5", journalType(0x4154_5000_0000_0001), 422, nil},
		{"receipt journal with version 5", journalType(0x0000_5000_0000_0002), 422, nil},
		{"receipt journal with version 2", journalType(0x0000_2000_0000_0002), 200, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post(b, "/v2/journal", tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func ticksNowPlusDays(d int) int64 {
	return (timeNow().Unix()+int64(d)*86400)*10_000_000 + 621_355_968_000_000_000
}

func array(t *testing.T, r resp) []map[string]any {
	t.Helper()
	var out []map[string]any
	d := json.NewDecoder(strings.NewReader(string(r.Body)))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatalf("not a JSON array: %v: %.300s", err, r.Body)
	}
	return out
}

// TestDEPExportVerifies sends receipts of every kind and checks the DEP
// export with the independent verifier: valid, every QR equal to the DEP's
// JWS, final counter = the non-training amounts sent.
func TestDEPExportVerifies(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	items := func(pairs ...string) string {
		var ch, total []string
		for i := 0; i < len(pairs); i += 2 {
			q := "1"
			if strings.HasPrefix(pairs[i], "-") {
				q = "-1"
			}
			ch = append(ch, `{"Quantity":`+q+`,"Description":"item","Amount":`+pairs[i]+`,"VATRate":`+pairs[i+1]+`}`)
			total = append(total, pairs[i])
		}
		sum := 0.0
		for _, a := range total {
			f, _ := strconv.ParseFloat(a, 64)
			sum += f
		}
		return `"cbChargeItems":[` + strings.Join(ch, ",") + `],"cbPayItems":[{"Description":"Bar","Amount":` + strconv.FormatFloat(sum, 'f', 2, 64) + `}]`
	}
	type step struct {
		ref   string
		rc    uint64
		items string
		cents int64 // what the turnover counter must move by
	}
	steps := []step{
		{"all-rates", casePOS, items("20.00", "20", "10.00", "10", "13.00", "13", "1.00", "0", "19.00", "19"), 6300},
		{"big", casePOS, items("1234.56", "20", "1000.01", "10"), 223457},
		{"negative", casePOS, items("-5.55", "20", "10.00", "20"), 445},
		{"storno", casePOS | flagVoid, items("-1234.56", "20", "-1000.01", "10"), -223457},
		{"training", casePOS | flagTraining, items("99.99", "20"), 0},
		{"reduced 4.9", casePOS, items("4.90", "4.9"), 490},
		{"zero", caseZero, "", 0},
		{"monthly", caseMonthly, "", 0},
		{"yearly", caseYearly, "", 0},
		{"daily", caseDaily, "", 0},
	}
	var qrs []string
	var want int64
	for _, s := range steps {
		body := receipt(s.ref, s.rc, s.items)
		if s.rc&flagVoid != 0 {
			body = strings.Replace(body, `"ftReceiptCase"`, `"cbPreviousReceiptReference":"big","ftReceiptCase"`, 1)
		}
		r := e.post(b, "/v2/sign", body)
		if r.Status != 200 || stateOf(t, r)&0xFFFF_FFFF == 0xEEEE_EEEE {
			t.Fatalf("%s: %d %s", s.ref, r.Status, r.Body)
		}
		for _, sig := range signatures(t, r) {
			if sig["ftSignatureType"].(json.Number).String() == strconv.FormatUint(sigTypeRKSVQR, 10) {
				qrs = append(qrs, sig["Data"].(string))
			}
		}
		want += s.cents
	}
	for _, jt := range []uint64{atDEP7, atDEP7v2} {
		r := e.post(b, "/v2/journal", journalType(jt))
		if r.Status != 200 || r.Header.Get("Content-Length") != strconv.Itoa(len(r.Body)) ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; filename=") {
			t.Fatalf("DEP export %x: %d headers %v", jt, r.Status, r.Header)
		}
		sum := sha256.Sum256(r.Body)
		if r.Header.Get("x-content-sha256") != hex.EncodeToString(sum[:]) {
			t.Fatal("x-content-sha256 does not match the body")
		}
		res := verifyDEP(t, e, b, r.Body)
		if !res.Valid || res.State.Counter != want || res.Receipts != len(steps)+1 || len(res.Warnings) != 0 {
			t.Fatalf("DEP: valid %v err %v counter %d want %d receipts %d warnings %v", res.Valid, res.Err, res.State.Counter, want, res.Receipts, res.Warnings)
		}
		var dep struct {
			Groups []struct {
				Receipts []string `json:"Belege-kompakt"`
			} `json:"Belege-Gruppe"`
		}
		json.Unmarshal(r.Body, &dep)
		// The DEP starts with the start receipt, which qrs does not hold.
		for i, jws := range dep.Groups[0].Receipts[1:] {
			if got, err := depcheck.QRToJWS(qrs[i]); err != nil || got != jws {
				t.Fatalf("receipt %d: the QR returned to the POS is not the DEP's JWS", i)
			}
		}
	}
}

// verifyDEP runs the independent verifier with the register's container.
func verifyDEP(t *testing.T, e *env, b box, dep []byte) depcheck.Result {
	t.Helper()
	raw, err := e.svc.QueueConfig(b.QueueID)
	if err != nil {
		t.Fatal(err)
	}
	cont, err := at.Container(raw)
	if err != nil {
		t.Fatal(err)
	}
	cj, _ := json.Marshal(cont)
	c, err := depcheck.ParseContainer(cj)
	if err != nil {
		t.Fatal(err)
	}
	res, err := depcheck.VerifyDEP(dep, c, depcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestJournalExportsAreJSONWhateverTheReference sends references with
// control characters and checks that every journal type stays valid JSON.
func TestJournalExportsAreJSONWhateverTheReference(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	ref := `a\u0007b\u007f\"<&>\u2028`
	if r := e.post(b, "/v2/sign", receipt(ref, casePOS, sale("1.00", "2.00"))); r.Status != 200 {
		t.Fatalf("sign: %d %s", r.Status, r.Body)
	}
	for _, jt := range []string{"0", "1", "2", "3", "255"} {
		r := e.post(b, "/v2/journal", `{"ftJournalType":`+jt+`}`)
		if r.Status != 200 || !json.Valid(r.Body) {
			t.Fatalf("type %s: %d, valid JSON %v: %s", jt, r.Status, json.Valid(r.Body), r.Body)
		}
		if jt == "2" && !strings.Contains(string(r.Body), `"cbReceiptReference":"a\u0007b`) {
			t.Fatalf("type 2 lost the reference: %s", r.Body)
		}
	}
}
