package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func exampleResponse() *ReceiptResponse {
	terminal := "T02"
	return &ReceiptResponse{
		QueueID:               "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01",
		QueueItemID:           "2c9b6d54-0f4e-4d0a-8f0b-3e6b8b1d7a22",
		QueueRow:              731,
		CashBoxID:             "5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090",
		CashBoxIdentification: "KASSE-01",
		ReceiptReference:      "T02-2025-000731",
		TerminalID:            &terminal,
		ReceiptIdentification: "ft2DB#727",
		ReceiptMoment:         time.Date(2025, 3, 14, 12, 31, 5, 412000000, time.UTC),
		Signatures: []SignatureItem{
			{Format: 3, Type: 4707422694881099777, Caption: "fiscald", Data: "_R1-AT1_KASSE-01_ft2DB#727"},
			{Format: 1, Type: 0x4154_2000_0000_3000, Data: "line1\nline2 \"quoted\" <b>&</b>", ID: "0f0e0d0c-0b0a-0908-0706-050403020100"},
		},
		State: 4707422694881099776,
	}
}

func TestReceiptResponseGolden(t *testing.T) {
	r := exampleResponse()
	want := `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"2c9b6d54-0f4e-4d0a-8f0b-3e6b8b1d7a22",` +
		`"ftQueueRow":731,"ftCashBoxID":"5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090","ftCashBoxIdentification":"KASSE-01",` +
		`"cbReceiptReference":"T02-2025-000731","cbTerminalID":"T02","ftReceiptIdentification":"ft2DB#727",` +
		`"ftReceiptMoment":"2025-03-14T12:31:05.412Z","ftSignatures":[` +
		`{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"_R1-AT1_KASSE-01_ft2DB#727"},` +
		`{"ftSignatureFormat":1,"ftSignatureType":4707422694881112064,"Data":"line1\nline2 \"quoted\" <b>&</b>","ftSignatureItemId":"0f0e0d0c-0b0a-0908-0706-050403020100"}],` +
		`"ftState":4707422694881099776}`
	if got := string(r.AppendJSON(nil)); got != want {
		t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
	}
	// MarshalJSON gives the same bytes, for values and pointers
	// (encoding/json adds its HTML escaping unless told not to).
	for _, x := range []any{r, *r} {
		b, err := marshalNoHTML(x)
		if err != nil || string(b) != want {
			t.Errorf("json.Marshal(%T) = %s, %v; want AppendJSON's bytes", x, b, err)
		}
	}
}

func TestReceiptResponseOptionalFields(t *testing.T) {
	r := &ReceiptResponse{
		QueueID: "q", QueueItemID: "i", CashBoxID: "c",
		ReceiptMoment: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		State:         0xFFFF_FFFF_FFFF_FFFF,
		StateData:     mustParse(t, `{"Messages":["x"],"ClosingDue":"daily","Amount":4.50}`),
	}
	want := `{"ftQueueID":"q","ftQueueItemID":"i","ftQueueRow":0,"ftCashBoxID":"c","ftCashBoxIdentification":"",` +
		`"cbReceiptReference":"","ftReceiptIdentification":"","ftReceiptMoment":"2025-01-02T03:04:05.000Z",` +
		`"ftSignatures":[],"ftState":18446744073709551615,"ftStateData":{"Amount":4.5,"ClosingDue":"daily","Messages":["x"]}}`
	if got := string(r.AppendJSON(nil)); got != want {
		t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
	}
}

func TestReceiptResponseRoundTrip(t *testing.T) {
	for _, r := range []*ReceiptResponse{
		exampleResponse(),
		{
			QueueID: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", QueueItemID: "2c9b6d54-0f4e-4d0a-8f0b-3e6b8b1d7a22",
			CashBoxID: "5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090", QueueRow: 9223372036854775807,
			ReceiptReference: "r\u0000\u001f\u2028😀", ReceiptMoment: time.Date(2025, 3, 14, 12, 31, 5, 999000000, time.UTC),
			Signatures: []SignatureItem{}, State: 0xEEEE_EEEE_EEEE_EEEE,
			StateData: mustParse(t, `{"a":[1,2,{"b":null}],"c":18446744073709551615}`),
		},
	} {
		data := r.AppendJSON(nil)
		if !json.Valid(data) {
			t.Fatalf("AppendJSON output is not valid JSON: %s", data)
		}
		got, err := DecodeReceiptResponse(data)
		if err != nil {
			t.Fatalf("DecodeReceiptResponse(%s): %v", data, err)
		}
		// StateData is compared canonically; the rest field by field.
		wantState, gotState := r.StateData, got.StateData
		a, b := *r, *got
		a.StateData, b.StateData = nil, nil
		if len(a.Signatures) == 0 {
			a.Signatures = []SignatureItem{}
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("round trip\n got %+v\nwant %+v", b, a)
		}
		if string(AppendCanonical(nil, wantState)) != string(AppendCanonical(nil, gotState)) {
			t.Errorf("StateData round trip: got %s, want %s", AppendCanonical(nil, gotState), AppendCanonical(nil, wantState))
		}
		if !bytes.Equal(got.AppendJSON(nil), data) {
			t.Errorf("re-encoding differs:\n%s\n%s", got.AppendJSON(nil), data)
		}
	}
}

func TestReceiptResponseUint64Exact(t *testing.T) {
	// encoding/json with UseNumber sees the exact integers.
	r := exampleResponse()
	r.State = 0x4154_2000_0000_0003 // 2^53 < value, odd: lost through float64
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.AppendJSON(nil)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if got := m["ftState"].(json.Number).String(); got != "4707422694881099779" {
		t.Errorf("ftState = %s, want 4707422694881099779", got)
	}
	sig := m["ftSignatures"].([]any)[0].(map[string]any)
	if got := sig["ftSignatureType"].(json.Number).String(); got != "4707422694881099777" {
		t.Errorf("ftSignatureType = %s", got)
	}
	back, err := DecodeReceiptResponse(r.AppendJSON(nil))
	if err != nil || back.State != 0x4154_2000_0000_0003 || back.Signatures[0].Type != 4707422694881099777 {
		t.Errorf("DecodeReceiptResponse: state %d, %v", back.State, err)
	}
}

func TestDecodeReceiptResponseErrors(t *testing.T) {
	if _, err := DecodeReceiptResponse([]byte(`[]`)); !errors.As(err, new(*SyntaxError)) {
		t.Errorf("array body: error %v, want *SyntaxError", err)
	}
	_, err := DecodeReceiptResponse([]byte(`{"ftQueueID":"x","ftQueueRow":1.5,"ftReceiptMoment":"2025-01-01","ftSignatures":[{"ftSignatureFormat":-3,"Data":1},5],"ftState":"0"}`))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want *ValidationError", err)
	}
	assertFieldErrors(t, ve.Errors, []FieldError{
		{Field: "ftQueueID", Code: CodeFormat},
		{Field: "ftQueueItemID", Code: CodeRequired},
		{Field: "ftQueueRow", Code: CodeFormat},
		{Field: "ftCashBoxID", Code: CodeRequired},
		{Field: "ftCashBoxIdentification", Code: CodeRequired},
		{Field: "cbReceiptReference", Code: CodeRequired},
		{Field: "ftReceiptIdentification", Code: CodeRequired},
		{Field: "ftReceiptMoment", Code: CodeFormat},
		{Field: "ftSignatures[0].ftSignatureFormat", Code: CodeRange},
		{Field: "ftSignatures[0].ftSignatureType", Code: CodeRequired},
		{Field: "ftSignatures[0].Data", Code: CodeType},
		{Field: "ftSignatures[1]", Code: CodeType},
		{Field: "ftState", Code: CodeType},
	})
}

// marshalNoHTML is json.Marshal without encoding/json's HTML escaping, so
// that MarshalJSON output can be compared byte for byte.
func marshalNoHTML(x any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func TestSignatureItemJSON(t *testing.T) {
	s := SignatureItem{Format: 0x1_0003, Type: 18446744073709551615, Data: ""}
	want := `{"ftSignatureFormat":65539,"ftSignatureType":18446744073709551615,"Data":""}`
	b, err := json.Marshal(s)
	if err != nil || string(b) != want {
		t.Errorf("json.Marshal(SignatureItem) = %s, %v, want %s", b, err, want)
	}
}

func TestAppendStringEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"<>&", `"<>&"`},
		{"Brötchen €", `"Brötchen €"`},
		{"a\xffb\xc3", "\"a\uFFFDb\uFFFD\""},
		{"\U0001F600", "\"\U0001F600\""},
	}
	for _, tt := range tests {
		got := string(appendString(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendString(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("appendString(%q) = %q is not valid JSON", tt.in, got)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || (strings.ToValidUTF8(tt.in, "\uFFFD") != back && !strings.Contains(tt.in, "\xff")) {
			t.Errorf("appendString(%q) decodes to %q, %v", tt.in, back, err)
		}
	}
}

func TestProblemJSON(t *testing.T) {
	p := &Problem{
		Type:          ProblemTypePrefix + "validation-error",
		Title:         "Request validation failed",
		Status:        400,
		Detail:        "cbChargeItems[1].VATRate: must be a JSON number >= 0",
		Instance:      "/v2/sign#op=5f1c0a2e-7d0b-4c1e-9a53-2b1f0d6c9e11",
		Errors:        []FieldError{{Field: "cbChargeItems[1].VATRate", Code: "type", Message: "must be a JSON number >= 0"}},
		CorrelationID: "01J9Z7K3T6Q8V4W2X0Y5B1N3M7",
	}
	want := `{"type":"urn:fiscald:problem:validation-error","title":"Request validation failed","status":400,` +
		`"detail":"cbChargeItems[1].VATRate: must be a JSON number >= 0","instance":"/v2/sign#op=5f1c0a2e-7d0b-4c1e-9a53-2b1f0d6c9e11",` +
		`"errors":[{"field":"cbChargeItems[1].VATRate","code":"type","message":"must be a JSON number >= 0"}],` +
		`"correlationId":"01J9Z7K3T6Q8V4W2X0Y5B1N3M7"}`
	if got := string(p.AppendJSON(nil)); got != want {
		t.Errorf("Problem.AppendJSON\n got %s\nwant %s", got, want)
	}
	// FieldError's JSON tags match the item shape written by hand.
	item, _ := marshalNoHTML(p.Errors[0])
	if !strings.Contains(want, string(item)) {
		t.Errorf("json.Marshal(FieldError) = %s, not the problem item shape", item)
	}

	empty := &Problem{Type: ProblemTypePrefix + "unauthorized", Title: "Unauthorized", Status: 401}
	got := string(empty.AppendJSON(nil))
	wantEmpty := `{"type":"urn:fiscald:problem:unauthorized","title":"Unauthorized","status":401,"detail":"","instance":"","errors":[],"correlationId":""}`
	if got != wantEmpty {
		t.Errorf("Problem without errors\n got %s\nwant %s", got, wantEmpty)
	}
	b, err := json.Marshal(*empty)
	if err != nil || string(b) != wantEmpty {
		t.Errorf("json.Marshal(Problem) = %s, %v", b, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["errors"] == nil {
		t.Errorf("errors is %v (%v), want []", m["errors"], err)
	}
}
