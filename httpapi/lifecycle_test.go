package httpapi_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func rowOf(t *testing.T, r resp) int64 {
	t.Helper()
	n, _ := r.JSON(t)["ftQueueRow"].(json.Number).Int64()
	return n
}

func signatures(t *testing.T, r resp) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, s := range r.JSON(t)["ftSignatures"].([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func TestLifecycleOrder(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	// Before the initial operation nothing is fiscalized.
	r := e.post(b, "/v2/sign", receipt("early", casePOS, sale("1.00", "1.00")))
	if r.Status != 200 || stateOf(t, r) != stateOutOfOp {
		t.Fatalf("receipt before start: %d %s", r.Status, r.Body)
	}
	sigs := signatures(t, r)
	if len(sigs) != 1 || !strings.Contains(sigs[0]["Data"].(string), "not been started") || sigs[0]["ftSignatureType"].(json.Number).String() != strconv.FormatUint(0x4154_2000_0000_3000, 10) {
		t.Fatalf("out-of-operation item: %v", sigs)
	}
	if rowOf(t, r) != 1 {
		t.Fatalf("the refused receipt takes row %d, want 1", rowOf(t, r))
	}
	e.startQueue(b)
	// A second initial operation is a receipt error.
	if r := e.post(b, "/v2/sign", receipt("again", caseStart, "")); r.Status != 200 || stateOf(t, r) != stateError {
		t.Fatalf("second start: %d %s", r.Status, r.Body)
	}
	if r := e.post(b, "/v2/sign", receipt("sale", casePOS, sale("1.00", "1.00"))); stateOf(t, r) != stateReady {
		t.Fatalf("sale: %s", r.Body)
	}
	stop := e.post(b, "/v2/sign", receipt("stop", caseStop, ""))
	if stop.Status != 200 || !hasCaption(t, stop, "Stopbeleg") || stateOf(t, stop)&0xFFFF_FFFF != 1 {
		t.Fatalf("stop: %s", stop.Body)
	}
	// After the stop: out of operation, but the journal still answers.
	if r := e.post(b, "/v2/sign", receipt("late", casePOS, sale("1.00", "1.00"))); stateOf(t, r) != stateOutOfOp || !strings.Contains(string(r.Body), "stopped") {
		t.Fatalf("receipt after stop: %s", r.Body)
	}
	if r := e.post(b, "/v2/sign", receipt("restart", caseStart, "")); stateOf(t, r) != stateOutOfOp {
		t.Fatalf("initial operation after stop: %s", r.Body)
	}
	if r := e.post(b, "/v2/journal", `{"ftJournalType":`+strconv.FormatUint(atDEP7, 10)+`}`); r.Status != 200 {
		t.Fatalf("journal after stop: %d", r.Status)
	}
	// Echo reports the stopped queue.
	echo := e.post(b, "/v2/echo", `{"Message":""}`)
	if !strings.Contains(string(echo.Body), `"State":`+strconv.FormatUint(stateOutOfOp, 10)) {
		t.Fatalf("echo after stop: %s", echo.Body)
	}
}

func hasCaption(t *testing.T, r resp, caption string) bool {
	for _, s := range signatures(t, r) {
		if s["Caption"] == caption {
			return true
		}
	}
	return false
}

func TestReceiptIdentificationAndRows(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	var ids []string
	for i := range 17 {
		r := e.post(b, "/v2/sign", receipt("s"+strconv.Itoa(i), casePOS, sale("1.00", "2.00")))
		if r.Status != 200 || rowOf(t, r) != int64(i+2) {
			t.Fatalf("receipt %d: %d row %d", i, r.Status, rowOf(t, r))
		}
		ids = append(ids, r.JSON(t)["ftReceiptIdentification"].(string))
		m := r.JSON(t)
		if m["ftCashBoxIdentification"] != "TEST-KASSE-0" || m["ftQueueID"] != b.QueueID || m["ftCashBoxID"] != b.ID || m["cbReceiptReference"] != "s"+strconv.Itoa(i) {
			t.Fatalf("response fields: %v", m)
		}
	}
	if ids[0] != "ft2#2" || ids[15] != "ft11#17" {
		t.Fatalf("identifications %q … %q, want ft2#2 … ft11#17", ids[0], ids[15])
	}
}

func TestValidationErrorsNameTheField(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	pos := strconv.FormatUint(casePOS, 10)
	cases := []struct {
		name, body, status, typ, field string
	}{
		{"unbalanced", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"Amount":3.00`, `"Amount":3.02`, 1)), "400", "validation-error", "cbPayItems"},
		{"missing description", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"Description":"Almdudler",`, ``, 1)), "400", "validation-error", "cbChargeItems[1].Description"},
		{"amount as string", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"Amount":1.00`, `"Amount":"1.00"`, 1)), "400", "validation-error", "cbChargeItems[1].Amount"},
		{"negative VAT rate", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"VATRate":20`, `"VATRate":-20`, 1)), "400", "validation-error", "cbChargeItems[1].VATRate"},
		{"sign mismatch", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"Quantity":2,`, `"Quantity":-2,`, 1)), "400", "validation-error", "cbChargeItems[1].Amount"},
		{"moment in the future", strings.Replace(receipt("u", casePOS, sale("1.00", "2.00")), `"cbReceiptMoment":"`, `"cbReceiptMoment":"2999-01-01T00:00:00Z","x":"`, 1), "400", "validation-error", "cbReceiptMoment"},
		{"receipt amount", receipt("u", casePOS, sale("1.00", "2.00")+`,"cbReceiptAmount":4`), "400", "validation-error", "cbReceiptAmount"},
		{"cashbox id mismatch", receipt("u", casePOS, sale("1.00", "2.00")+`,"ftCashBoxID":"`+e.Boxes[0].QueueID+`"`), "400", "validation-error", "ftCashBoxID"},
		{"zero receipt with items", receipt("u", caseZero, sale("1.00", "2.00")), "400", "validation-error", "cbChargeItems"},
		{"training closing", receipt("u", caseDaily|flagTraining, ""), "400", "validation-error", "ftReceiptCase"},
		{"refund without reference", receipt("u", casePOS|flagRefund, sale("-1.00", "-2.00")), "400", "validation-error", "cbPreviousReceiptReference"},
		{"currency", receipt("u", casePOS, sale("1.00", "2.00")+`,"Currency":"USD"`), "422", "unsupported-value", "Currency"},
		{"item currency", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"VATRate":10}`, `"VATRate":10,"Currency":"USD"}`, 1)), "422", "unsupported-value", "cbChargeItems[0].Currency"},
		{"pay precision", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"Description":"Bar",`, `"Description":"Bar","DecimalPrecisionMultiplier":100,`, 1)), "422", "unsupported-value", "cbPayItems[0].DecimalPrecisionMultiplier"},
		{"zero receipt with pay items only", receipt("u", caseZero, `"cbChargeItems":[],"cbPayItems":[{"Description":"Bar","Amount":0}]`), "400", "validation-error", "cbPayItems"},
		{"German receipt", receipt("u", 0x4445_2000_0000_0001, ""), "422", "unsupported-market", "ftReceiptCase"},
		{"version 3", receipt("u", 0x4154_3000_0000_0001, ""), "422", "unknown-case", "ftReceiptCase"},
		{"undefined case", receipt("u", atV2|0x0777, ""), "422", "unknown-case", "ftReceiptCase"},
		{"reserved flag", receipt("u", casePOS|0x4000_0000, ""), "422", "unknown-case", "ftReceiptCase"},
		{"German charge item", receipt("u", casePOS, strings.Replace(sale("1.00", "2.00"), `"VATRate":10}`, `"VATRate":10,"ftChargeItemCase":4919373352344223761}`, 1)), "422", "unsupported-market", "cbChargeItems[0].ftChargeItemCase"},
		{"case as negative number", strings.Replace(receipt("u", casePOS, ""), `"ftReceiptCase":`+pos, `"ftReceiptCase":-1`, 1), "400", "validation-error", "ftReceiptCase"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post(b, "/v2/sign", tc.body)
			if strconv.Itoa(r.Status) != tc.status || problemType(t, r) != tc.typ {
				t.Fatalf("%d %s, want %s %s", r.Status, r.Body, tc.status, tc.typ)
			}
			m := r.JSON(t)
			errs, _ := m["errors"].([]any)
			if len(errs) == 0 || !strings.HasPrefix(errs[0].(map[string]any)["field"].(string), tc.field) || !strings.Contains(m["detail"].(string), tc.field) {
				t.Fatalf("errors %v / detail %q do not name %s", errs, m["detail"], tc.field)
			}
		})
	}
	// None of these created a queue item.
	if r := e.post(b, "/v2/journal", `{"ftJournalType":3}`); strings.Count(string(r.Body), `"journalSeq":`) != 1 {
		t.Fatalf("refused requests became queue items: %s", r.Body)
	}
}

func TestReferencesVoidAndRequested(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	orig := e.post(b, "/v2/sign", receipt("orig-1", casePOS, sale("7.80", "14.90")))
	// A void of an unknown receipt is a receipt error.
	unknown := strings.Replace(receipt("void-x", casePOS|flagVoid, sale("-7.80", "-14.90")), `"ftReceiptCase"`, `"cbPreviousReceiptReference":"nope","ftReceiptCase"`, 1)
	if r := e.post(b, "/v2/sign", unknown); stateOf(t, r) != stateError || !strings.Contains(string(r.Body), "nope") {
		t.Fatalf("void of unknown receipt: %s", r.Body)
	}
	void := strings.Replace(receipt("void-1", casePOS|flagVoid, sale("-7.80", "-14.90")), `"ftReceiptCase"`, `"cbPreviousReceiptReference":"orig-1","ftReceiptCase"`, 1)
	r := e.post(b, "/v2/sign", void)
	if stateOf(t, r) != stateReady || !strings.Contains(string(r.Body), "_U1RP_") {
		t.Fatalf("void: %s", r.Body)
	}
	if r := e.post(b, "/v2/sign", strings.Replace(void, "void-1", "void-2", 1)); stateOf(t, r) != stateError || !strings.Contains(string(r.Body), "already voided") {
		t.Fatalf("second void: %s", r.Body)
	}
	// Receipt requested: the stored response of orig-1, signing nothing.
	req := receipt("orig-1", casePOS|flagRequested, sale("7.80", "14.90"))
	if got := e.post(b, "/v2/sign", req); got.Status != 200 || string(got.Body) != string(orig.Body) {
		t.Fatalf("receipt requested:\n got %s\nwant %s", got.Body, orig.Body)
	}
	if got := e.post(b, "/v2/sign", receipt("never", casePOS|flagRequested, "")); stateOf(t, got)&0xFFFF_FFFF != 0xFFFF_FFFF {
		t.Fatalf("receipt requested for an unknown reference: %s", got.Body)
	}
}
