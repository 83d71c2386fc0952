package wire

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/internal/fixtures"
)

// fixtureMoment replaces {{current_moment}} in the published requests.
const fixtureMoment = "2025-03-14T12:31:02.000Z"

// loadFixture reads and parses one of the published v2 requests.
func loadFixture(t testing.TB, name string) *Value {
	t.Helper()
	data, err := os.ReadFile(fixtures.Path(t, "api-v2", name))
	if err != nil {
		t.Fatalf("read fixture %s: %v", name, err)
	}
	data = bytes.ReplaceAll(data, []byte("{{current_moment}}"), []byte(fixtureMoment))
	v, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return v
}

func TestFixturesDecode(t *testing.T) {
	dir := fixtures.Path(t, "api-v2")
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures in %s (%v)", dir, err)
	}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			v := loadFixture(t, name)
			switch {
			case strings.Contains(name, "Echo"):
				r, err := DecodeEchoRequest(v)
				if err != nil || r.Message == "" {
					t.Fatalf("DecodeEchoRequest(%s) = %+v, %v", name, r, err)
				}
			case strings.HasSuffix(name, "Export.json"):
				r, err := DecodeJournalRequest(v)
				if err != nil {
					t.Fatalf("DecodeJournalRequest(%s): %v", name, err)
				}
				if r.JournalType == 0 {
					t.Errorf("DecodeJournalRequest(%s).JournalType = 0", name)
				}
			default:
				r, err := DecodeReceiptRequest(v)
				if err != nil {
					t.Fatalf("DecodeReceiptRequest(%s): %v", name, err)
				}
				if r.ReceiptReference == "" || r.ReceiptCase>>48 != 0x4445 || r.ChargeItems == nil || r.PayItems == nil {
					t.Errorf("DecodeReceiptRequest(%s) = %+v: want reference, DE case, non-nil item slices", name, r)
				}
				if want := time.Date(2025, 3, 14, 12, 31, 2, 0, time.UTC); !r.ReceiptMoment.Time.Equal(want) || r.ReceiptMoment.NoOffset {
					t.Errorf("DecodeReceiptRequest(%s).ReceiptMoment = %+v, want %v", name, r.ReceiptMoment, want)
				}
			}
		})
	}
}

func TestDecodePosReceiptFixture(t *testing.T) {
	r, err := DecodeReceiptRequest(loadFixture(t, "middleware-Pos-receipt.json"))
	if err != nil {
		t.Fatal(err)
	}
	moment := &Moment{Time: time.Date(2020, 6, 29, 17, 45, 40, 505000000, time.UTC)}
	want := &ReceiptRequest{
		ReceiptReference: "pos-action-identification-02",
		ReceiptMoment:    Moment{Time: time.Date(2025, 3, 14, 12, 31, 2, 0, time.UTC)},
		ChargeItems: []ChargeItem{
			{Quantity: NewDecimal(2, 0), Description: "Coffee to Go", Amount: NewDecimal(2, 0), VATRate: NewDecimal(19, 0), Case: 0x4445_2000_0000_0011, Moment: moment},
			{Quantity: NewDecimal(1, 0), Description: "Brötchen", Amount: NewDecimal(250, 2), VATRate: NewDecimal(7, 0), Case: 0x4445_2000_0000_0012, Moment: moment},
		},
		PayItems: []PayItem{
			{Quantity: NewDecimal(1, 0), Description: "Cash", Amount: NewDecimal(45, 1), Case: 0x4445_2000_0000_0001,
				Moment: &Moment{Time: time.Date(2020, 6, 29, 18, 5, 33, 912000000, time.UTC)}},
		},
		ReceiptCase: 0x4445_2000_0000_0001,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("DecodeReceiptRequest(Pos-receipt)\n got %+v\nwant %+v", r, want)
	}
}

const (
	goodCharge = `{"Description":"Coffee","Amount":2,"VATRate":19}`
	goodPay    = `{"Description":"Cash","Amount":2}`
	goodTop    = `"cbReceiptReference":"R1","cbReceiptMoment":"2025-03-14T12:31:02Z","ftReceiptCase":4919373352344223745`
)

// receiptDoc builds a request from top-level members and item lists.
func receiptDoc(top string, charges, pays []string) string {
	return `{` + top + `,"cbChargeItems":[` + strings.Join(charges, ",") + `],"cbPayItems":[` + strings.Join(pays, ",") + `]}`
}

func repeatItems(item string, n int) []string {
	items := make([]string, n)
	for i := range items {
		items[i] = item
	}
	return items
}

func TestDecodeReceiptRequestErrors(t *testing.T) {
	one := []string{goodCharge}
	pay := []string{goodPay}
	tests := []struct {
		name string
		doc  string
		want []FieldError // Message not compared when empty
	}{
		{"missing Description in cbChargeItems[1]",
			receiptDoc(goodTop, []string{goodCharge, `{"Amount":2,"VATRate":19}`}, pay),
			[]FieldError{{Field: "cbChargeItems[1].Description", Code: CodeRequired}}},
		{"string Amount",
			receiptDoc(goodTop, []string{`{"Description":"x","Amount":"2.00","VATRate":19}`}, pay),
			[]FieldError{{Field: "cbChargeItems[0].Amount", Code: CodeType, Message: "must be a JSON number"}}},
		{"string VATRate uses the spec message",
			receiptDoc(goodTop, []string{goodCharge, `{"Description":"x","Amount":2,"VATRATE":"19"}`}, pay),
			[]FieldError{{Field: "cbChargeItems[1].VATRate", Code: CodeType, Message: "must be a JSON number >= 0"}}},
		{"negative VATRate",
			receiptDoc(goodTop, []string{`{"Description":"x","Amount":2,"VATRate":-1}`}, pay),
			[]FieldError{{Field: "cbChargeItems[0].VATRate", Code: CodeRange}}},
		{"too long cbReceiptReference",
			receiptDoc(`"cbReceiptReference":"`+strings.Repeat("r", 257)+`","cbReceiptMoment":"2025-03-14T12:31:02Z","ftReceiptCase":1`, one, pay),
			[]FieldError{{Field: "cbReceiptReference", Code: CodeLength, Message: "must be at most 256 characters"}}},
		{"empty cbReceiptReference",
			receiptDoc(`"cbReceiptReference":"","cbReceiptMoment":"2025-03-14T12:31:02Z","ftReceiptCase":1`, one, pay),
			[]FieldError{{Field: "cbReceiptReference", Code: CodeLength}}},
		{"null cbReceiptReference",
			receiptDoc(`"cbReceiptReference":null,"cbReceiptMoment":"2025-03-14T12:31:02Z","ftReceiptCase":1`, one, pay),
			[]FieldError{{Field: "cbReceiptReference", Code: CodeRequired}}},
		{"10 001 charge items",
			receiptDoc(goodTop, repeatItems(goodCharge, MaxItems+1), pay),
			[]FieldError{{Field: "cbChargeItems", Code: CodeLength, Message: "must have at most 10000 items"}}},
		{"10 001 pay items",
			receiptDoc(goodTop, one, repeatItems(goodPay, MaxItems+1)),
			[]FieldError{{Field: "cbPayItems", Code: CodeLength}}},
		{"missing everything",
			`{}`,
			[]FieldError{
				{Field: "cbReceiptReference", Code: CodeRequired, Message: "is required"},
				{Field: "cbReceiptMoment", Code: CodeRequired},
				{Field: "cbChargeItems", Code: CodeRequired},
				{Field: "cbPayItems", Code: CodeRequired},
				{Field: "ftReceiptCase", Code: CodeRequired},
			}},
		{"wrong container types",
			`{"cbReceiptReference":1,"cbReceiptMoment":20250314,"cbChargeItems":{},"cbPayItems":"none","ftReceiptCase":"1"}`,
			[]FieldError{
				{Field: "cbReceiptReference", Code: CodeType},
				{Field: "cbReceiptMoment", Code: CodeType},
				{Field: "cbChargeItems", Code: CodeType},
				{Field: "cbPayItems", Code: CodeType},
				{Field: "ftReceiptCase", Code: CodeType},
			}},
		{"bad moment",
			receiptDoc(`"cbReceiptReference":"R","cbReceiptMoment":"14.03.2025 12:31","ftReceiptCase":1`, one, pay),
			[]FieldError{{Field: "cbReceiptMoment", Code: CodeFormat}}},
		{"8 fractional digits in item Moment",
			receiptDoc(goodTop, []string{`{"Description":"x","Amount":2,"VATRate":19,"Moment":"2020-06-29T17:45:40.12345678Z"}`}, pay),
			[]FieldError{{Field: "cbChargeItems[0].Moment", Code: CodeFormat}}},
		{"negative case value",
			receiptDoc(`"cbReceiptReference":"R","cbReceiptMoment":"2025-03-14T12:31:02Z","ftReceiptCase":-1`, one, pay),
			[]FieldError{{Field: "ftReceiptCase", Code: CodeRange}}},
		{"fractional case value",
			receiptDoc(goodTop, []string{`{"Description":"x","Amount":2,"VATRate":19,"ftChargeItemCase":1.0}`}, pay),
			[]FieldError{{Field: "cbChargeItems[0].ftChargeItemCase", Code: CodeFormat}}},
		{"exponent case value",
			receiptDoc(goodTop, one, []string{`{"Description":"x","Amount":2,"ftPayItemCase":1e3}`}),
			[]FieldError{{Field: "cbPayItems[0].ftPayItemCase", Code: CodeFormat}}},
		{"case value over uint64",
			receiptDoc(`"cbReceiptReference":"R","cbReceiptMoment":"2025-03-14T12:31:02Z","ftReceiptCase":18446744073709551616`, one, pay),
			[]FieldError{{Field: "ftReceiptCase", Code: CodeRange}}},
		{"empty Description",
			receiptDoc(goodTop, one, []string{`{"Description":"","Amount":2}`}),
			[]FieldError{{Field: "cbPayItems[0].Description", Code: CodeLength, Message: "must not be empty"}}},
		{"29-digit Quantity",
			receiptDoc(goodTop, []string{`{"Description":"x","Amount":2,"VATRate":19,"Quantity":12345678901234567890123456789}`}, pay),
			[]FieldError{{Field: "cbChargeItems[0].Quantity", Code: CodeRange}}},
		{"scale 11 Amount",
			receiptDoc(goodTop, one, []string{`{"Description":"x","Amount":0.00000000001}`}),
			[]FieldError{{Field: "cbPayItems[0].Amount", Code: CodeRange}}},
		{"bad ids",
			receiptDoc(goodTop+`,"ftCashBoxID":"nope","ftPosSystemId":12,"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c0"`,
				[]string{`{"Description":"x","Amount":2,"VATRate":19,"ftChargeItemId":"x"}`},
				[]string{`{"Description":"x","Amount":2,"ftPayItemId":"y"}`}),
			[]FieldError{
				{Field: "ftCashBoxID", Code: CodeFormat},
				{Field: "ftPosSystemId", Code: CodeType},
				{Field: "ftQueueID", Code: CodeFormat},
				{Field: "cbChargeItems[0].ftChargeItemId", Code: CodeFormat},
				{Field: "cbPayItems[0].ftPayItemId", Code: CodeFormat},
			}},
		{"too long cbTerminalID",
			receiptDoc(goodTop+`,"cbTerminalID":"`+strings.Repeat("t", 257)+`"`, one, pay),
			[]FieldError{{Field: "cbTerminalID", Code: CodeLength}}},
		{"4097 characters",
			receiptDoc(goodTop, []string{`{"Description":"` + strings.Repeat("é", 4097) + `","Amount":2,"VATRate":19}`}, pay),
			[]FieldError{{Field: "cbChargeItems[0].Description", Code: CodeLength, Message: "must be at most 4096 characters"}}},
		{"previous reference of the wrong type",
			receiptDoc(goodTop+`,"cbPreviousReceiptReference":5`, one, pay),
			[]FieldError{{Field: "cbPreviousReceiptReference", Code: CodeType}}},
		{"previous reference array with a number",
			receiptDoc(goodTop+`,"cbPreviousReceiptReference":["a",1,null]`, one, pay),
			[]FieldError{
				{Field: "cbPreviousReceiptReference[1]", Code: CodeType},
				{Field: "cbPreviousReceiptReference[2]", Code: CodeType},
			}},
		{"item that is not an object",
			receiptDoc(goodTop, []string{goodCharge, `"coffee"`}, []string{`null`}),
			[]FieldError{
				{Field: "cbChargeItems[1]", Code: CodeType},
				{Field: "cbPayItems[0]", Code: CodeType},
			}},
		{"pay item without Amount",
			receiptDoc(goodTop, one, []string{`{"Description":"Cash","amount":null}`}),
			[]FieldError{{Field: "cbPayItems[0].Amount", Code: CodeRequired}}},
		{"master data types",
			receiptDoc(goodTop,
				[]string{`{"Description":"x","Amount":2,"VATRate":19,"ProductNumber":42,"UnitPrice":"1.00","Currency":1,"DecimalPrecisionMultiplier":1.5}`},
				[]string{`{"Description":"x","Amount":2,"MoneyNumber":true}`}),
			[]FieldError{
				{Field: "cbChargeItems[0].ProductNumber", Code: CodeType},
				{Field: "cbChargeItems[0].UnitPrice", Code: CodeType},
				{Field: "cbChargeItems[0].Currency", Code: CodeType},
				{Field: "cbChargeItems[0].DecimalPrecisionMultiplier", Code: CodeFormat},
				{Field: "cbPayItems[0].MoneyNumber", Code: CodeType},
			}},
		{"top-level optional types",
			receiptDoc(goodTop+`,"cbReceiptAmount":"4.50","Currency":978,"DecimalPrecisionMultiplier":"1","cbTerminalID":7`, one, pay),
			[]FieldError{
				{Field: "cbTerminalID", Code: CodeType},
				{Field: "cbReceiptAmount", Code: CodeType},
				{Field: "Currency", Code: CodeType},
				{Field: "DecimalPrecisionMultiplier", Code: CodeType},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeReceiptRequest(mustParse(t, tt.doc))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("DecodeReceiptRequest = %+v, %v; want *ValidationError", r, err)
			}
			if r != nil {
				t.Errorf("DecodeReceiptRequest returned a request with its error")
			}
			assertFieldErrors(t, ve.Errors, tt.want)
			if got, want := ve.Error(), ve.Errors[0].Field+": "+ve.Errors[0].Message; got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
		})
	}
}

func assertFieldErrors(t *testing.T, got, want []FieldError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("errors %+v, want %d errors %+v", got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Field != w.Field || g.Code != w.Code || (w.Message != "" && g.Message != w.Message) || g.Message == "" {
			t.Errorf("error %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestDecodeReceiptRequestErrorCap(t *testing.T) {
	bad := `{"Amount":"x","VATRate":"y"}` // three errors per item
	_, err := DecodeReceiptRequest(mustParse(t, receiptDoc(goodTop, repeatItems(bad, 500), []string{goodPay})))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != maxFieldErrors {
		t.Fatalf("got %v, want %d errors", err, maxFieldErrors)
	}
	if ve.Errors[0].Field != "cbChargeItems[0].Description" {
		t.Errorf("first error %+v, want cbChargeItems[0].Description", ve.Errors[0])
	}
}

func TestDecodeReceiptRequestAccepted(t *testing.T) {
	const id = "8D3F3F1E-2B7A-4C55-9A0E-6F1F4B2A9C01"
	const lowerID = "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, r *ReceiptRequest)
	}{
		{"case-variant property names",
			`{"CBRECEIPTREFERENCE":"R1","cbreceiptmoment":"2025-03-14T12:31:02Z","CbChargeItems":[{"DESCRIPTION":"x","amount":2,"vatrate":19,"FTCHARGEITEMCASE":17}],"CBPAYITEMS":[],"FtReceiptCase":1}`,
			func(t *testing.T, r *ReceiptRequest) {
				if r.ReceiptReference != "R1" || len(r.ChargeItems) != 1 || r.ChargeItems[0].Case != 17 || r.ChargeItems[0].Description != "x" || r.ReceiptCase != 1 {
					t.Errorf("got %+v", r)
				}
			}},
		{"defaults and absent optionals",
			receiptDoc(goodTop, []string{goodCharge}, []string{goodPay}),
			func(t *testing.T, r *ReceiptRequest) {
				c, p := r.ChargeItems[0], r.PayItems[0]
				if c.Quantity != NewDecimal(1, 0) || c.Case != 0 || c.VATAmount != nil || c.Moment != nil || c.Position != nil || c.ID != "" {
					t.Errorf("charge item defaults wrong: %+v", c)
				}
				if p.Quantity != NewDecimal(1, 0) || p.Case != 0 || p.Moment != nil || p.Position != nil || p.ID != "" || p.CaseData != nil {
					t.Errorf("pay item defaults wrong: %+v", p)
				}
				if r.TerminalID != nil || r.PreviousReceiptReferences != nil || r.PreviousIsArray || r.ReceiptAmount != nil ||
					r.CashBoxID != "" || r.PosSystemID != "" || r.QueueID != "" || r.Currency != "" || r.DecimalPrecisionMultiplier != 0 || r.ReceiptCaseData != nil {
					t.Errorf("receipt optionals not absent: %+v", r)
				}
			}},
		{"null optionals are absent",
			receiptDoc(goodTop+`,"cbTerminalID":null,"cbPreviousReceiptReference":null,"ftReceiptCaseData":null,"cbReceiptAmount":null,"ftCashBoxID":null,"Currency":null,"DecimalPrecisionMultiplier":null`,
				[]string{`{"Description":"x","Amount":2,"VATRate":19,"Quantity":null,"ftChargeItemCase":null,"VATAmount":null,"Moment":null,"Position":null,"ftChargeItemId":null,"ProductNumber":null}`},
				[]string{`{"Description":"x","Amount":2,"ftPayItemCaseData":null,"ftPayItemId":null}`}),
			func(t *testing.T, r *ReceiptRequest) {
				if r.TerminalID != nil || r.PreviousReceiptReferences != nil || r.ReceiptCaseData != nil || r.ReceiptAmount != nil || r.CashBoxID != "" {
					t.Errorf("receipt optionals not absent: %+v", r)
				}
				if c := r.ChargeItems[0]; c.Quantity != NewDecimal(1, 0) || c.VATAmount != nil || c.Moment != nil {
					t.Errorf("charge item: %+v", c)
				}
				if r.PayItems[0].CaseData != nil {
					t.Errorf("pay item CaseData = %+v, want nil", r.PayItems[0].CaseData)
				}
			}},
		{"ftPayItemId empty is absent",
			receiptDoc(goodTop, []string{goodCharge}, []string{`{"Description":"Card","Amount":2,"ftPayItemId":""}`}),
			func(t *testing.T, r *ReceiptRequest) {
				if r.PayItems[0].ID != "" {
					t.Errorf("ID = %q, want empty", r.PayItems[0].ID)
				}
			}},
		{"every optional given",
			receiptDoc(`"cbReceiptReference":"R1","cbReceiptMoment":"2025-03-14T13:31:02+01:00","ftReceiptCase":4707422694881099777,`+
				`"cbTerminalID":"T02","cbPreviousReceiptReference":"R0","ftReceiptCaseData":{"cbReceiptLines":["a"]},"cbReceiptAmount":22.70,`+
				`"ftCashBoxID":"`+id+`","ftPosSystemId":"`+id+`","ftQueueID":"`+id+`","Currency":"EUR","DecimalPrecisionMultiplier":1,"cbUser":{"Name":"Anna"}`,
				[]string{`{"Position":1,"Quantity":1,"Description":"Wiener Schnitzel","Amount":14.90,"VATRate":10,"ftChargeItemCase":4707422694881099793,` +
					`"VATAmount":1.35,"Moment":"2025-03-14T12:30:00","ftChargeItemId":"` + id + `","ProductNumber":"4711","UnitPrice":14.9,"Unit":"pc"}`,
					`{"Position":2,"Quantity":-2,"Description":"Almdudler","Amount":-7.80,"VATRate":20}`},
				[]string{`{"Position":1,"Description":"Bar","Amount":22.70,"ftPayItemCase":4707422694881099777,"ftPayItemCaseData":{"Provider":{"x":1}},` +
					`"Moment":"2025-03-14T12:31:00Z","ftPayItemId":"` + id + `","MoneyNumber":"V-1"}`}),
			func(t *testing.T, r *ReceiptRequest) {
				if r.TerminalID == nil || *r.TerminalID != "T02" {
					t.Errorf("TerminalID = %v", r.TerminalID)
				}
				if !reflect.DeepEqual(r.PreviousReceiptReferences, []string{"R0"}) || r.PreviousIsArray {
					t.Errorf("previous = %q array=%v", r.PreviousReceiptReferences, r.PreviousIsArray)
				}
				if r.ReceiptCaseData == nil || r.ReceiptCaseData.Get("cbReceiptLines") == nil {
					t.Errorf("ReceiptCaseData = %+v", r.ReceiptCaseData)
				}
				if r.ReceiptAmount == nil || *r.ReceiptAmount != NewDecimal(2270, 2) {
					t.Errorf("ReceiptAmount = %v", r.ReceiptAmount)
				}
				if r.CashBoxID != lowerID || r.PosSystemID != lowerID || r.QueueID != lowerID {
					t.Errorf("ids not lower case: %q %q %q", r.CashBoxID, r.PosSystemID, r.QueueID)
				}
				if r.Currency != "EUR" || r.DecimalPrecisionMultiplier != 1 || r.ReceiptCase != 0x4154_2000_0000_0001 {
					t.Errorf("Currency %q DPM %d case %#x", r.Currency, r.DecimalPrecisionMultiplier, r.ReceiptCase)
				}
				if want := time.Date(2025, 3, 14, 12, 31, 2, 0, time.UTC); !r.ReceiptMoment.Time.Equal(want) {
					t.Errorf("ReceiptMoment = %v, want %v", r.ReceiptMoment.Time, want)
				}
				c := r.ChargeItems[0]
				if c.Position == nil || *c.Position != NewDecimal(1, 0) || c.VATAmount == nil || *c.VATAmount != NewDecimal(135, 2) ||
					c.Moment == nil || !c.Moment.NoOffset || c.ID != lowerID || c.Case != 0x4154_2000_0000_0011 {
					t.Errorf("charge item 0: %+v", c)
				}
				if c1 := r.ChargeItems[1]; c1.Quantity != NewDecimal(-2, 0) || c1.Amount != NewDecimal(-780, 2) || *c1.Position != NewDecimal(2, 0) {
					t.Errorf("charge item 1: %+v", c1)
				}
				p := r.PayItems[0]
				if p.CaseData == nil || p.CaseData.Get("Provider") == nil || p.ID != lowerID || p.Moment == nil || p.Moment.NoOffset || *p.Position != NewDecimal(1, 0) {
					t.Errorf("pay item: %+v", p)
				}
			}},
		{"previous references as an array",
			receiptDoc(goodTop+`,"cbPreviousReceiptReference":["a","b"]`, []string{goodCharge}, []string{goodPay}),
			func(t *testing.T, r *ReceiptRequest) {
				if !reflect.DeepEqual(r.PreviousReceiptReferences, []string{"a", "b"}) || !r.PreviousIsArray {
					t.Errorf("previous = %q array=%v", r.PreviousReceiptReferences, r.PreviousIsArray)
				}
			}},
		{"10 000 items are allowed",
			receiptDoc(goodTop, repeatItems(goodCharge, MaxItems), repeatItems(goodPay, MaxItems)),
			func(t *testing.T, r *ReceiptRequest) {
				if len(r.ChargeItems) != MaxItems || len(r.PayItems) != MaxItems {
					t.Errorf("got %d/%d items", len(r.ChargeItems), len(r.PayItems))
				}
			}},
		{"unknown properties ignored",
			receiptDoc(goodTop+`,"ftFutureField":{"x":[1,2]},"cbArea":"Terrasse","cbSettlement":5`, []string{`{"Description":"x","Amount":2,"VATRate":19,"Extra":true}`}, []string{goodPay}),
			func(t *testing.T, r *ReceiptRequest) {
				if len(r.ChargeItems) != 1 {
					t.Errorf("got %+v", r)
				}
			}},
		{"4096 two-byte characters",
			receiptDoc(goodTop, []string{`{"Description":"` + strings.Repeat("é", 4096) + `","Amount":2,"VATRate":19}`}, []string{goodPay}),
			func(t *testing.T, r *ReceiptRequest) {
				if len([]rune(r.ChargeItems[0].Description)) != 4096 {
					t.Errorf("Description has %d runes", len([]rune(r.ChargeItems[0].Description)))
				}
			}},
		{"zero VATRate and 28 digits",
			receiptDoc(goodTop, []string{`{"Description":"x","Amount":9999999999999999999999999999,"VATRate":0.0}`}, []string{goodPay}),
			func(t *testing.T, r *ReceiptRequest) {
				if r.ChargeItems[0].VATRate.Sign() != 0 || r.ChargeItems[0].Amount.String() != "9999999999999999999999999999" {
					t.Errorf("item %+v", r.ChargeItems[0])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeReceiptRequest(mustParse(t, tt.doc))
			if err != nil {
				t.Fatalf("DecodeReceiptRequest: %v", err)
			}
			tt.check(t, r)
		})
	}
}

func TestDecodeReceiptRequestNotObject(t *testing.T) {
	for _, v := range []*Value{nil, {Kind: Array}} {
		_, err := DecodeReceiptRequest(v)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Errors[0].Code != CodeType || ve.Error() != "must be a JSON object" {
			t.Errorf("DecodeReceiptRequest(%v) error %v, want type error", v, err)
		}
	}
}

func TestValidationErrorMessage(t *testing.T) {
	if got := (&ValidationError{}).Error(); got != "validation failed" {
		t.Errorf("empty ValidationError = %q", got)
	}
	e := &ValidationError{Errors: []FieldError{{"cbChargeItems[1].VATRate", CodeType, "must be a JSON number >= 0"}, {"x", CodeRequired, "is required"}}}
	if got, want := e.Error(), "cbChargeItems[1].VATRate: must be a JSON number >= 0"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
