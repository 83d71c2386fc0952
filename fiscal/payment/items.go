package payment

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// Pay-item case bits (pos-system-api-v2.md §7.5).
const (
	caseNonCash     = 0x02
	caseDebitCard   = 0x04
	caseCreditCard  = 0x05
	flagVoid        = 0x0001_0000
	flagRefund      = 0x0002_0000
	flagTip         = 0x0040_0000
	flagElectronic  = 0x0080_0000
	flagInterface   = 0x0100_0000
	caseVersion2    = 2 << 44
	countryBitShift = 48
)

// HTTP statuses of payment outcomes (§8.4); the fiscal layers name them
// without importing net/http.
const (
	statusOK      = 200
	statusRefused = 422
	statusTimeout = 504
)

// Titles of the payment problem types (the HTTP layer's table has the
// same; a test keeps them equal).
var titles = map[fiscal.Code]string{
	fiscal.CodePaymentDeclined:  "Payment declined",
	fiscal.CodePaymentCancelled: "Payment cancelled",
	fiscal.CodePaymentTimeout:   "Payment timeout",
}

// Title returns the problem title of a payment outcome code.
func Title(c fiscal.Code) string { return titles[c] }

// outItem is one pay item of a response with its record.
type outItem struct {
	id string
	item
	json payItemJSON
}

// payItemJSON is a PayItem as /v2/pay returns it.
type payItemJSON struct {
	Description string       `json:"Description"`
	Amount      wire.Decimal `json:"Amount"`
	Case        uint64       `json:"ftPayItemCase"`
	CaseData    caseData     `json:"ftPayItemCaseData"`
	ID          string       `json:"ftPayItemId"`
	Moment      string       `json:"Moment"`
}

// caseData is ftPayItemCaseData: the terminal's data and slip.
type caseData struct {
	Provider provider `json:"Provider"`
	Receipt  []string `json:"Receipt"`
}

type provider struct {
	Protocol        string       `json:"Protocol"`
	Terminal        string       `json:"Terminal"`
	Action          string       `json:"Action"`
	TerminalID      string       `json:"TerminalId,omitempty"`
	TraceNumber     string       `json:"TraceNumber,omitempty"`
	ReceiptNumber   string       `json:"ReceiptNumber,omitempty"`
	CardType        string       `json:"CardType,omitempty"`
	CardBrand       string       `json:"CardBrand,omitempty"`
	MaskedPAN       string       `json:"MaskedPan,omitempty"`
	ResultCode      string       `json:"ResultCode"`
	ResultText      string       `json:"ResultText,omitempty"`
	TransactionTime string       `json:"TransactionTime,omitempty"`
	RequestedAmount wire.Decimal `json:"RequestedAmount"`
	ChargedAmount   wire.Decimal `json:"ChargedAmount"`
	TipAmount       wire.Decimal `json:"TipAmount"`
	PaymentID       string       `json:"PaymentId"`
	OperationID     string       `json:"OperationId"`
}

// payResponse is the body of a successful /v2/pay.
type payResponse struct {
	Protocol string        `json:"Protocol"`
	QueueID  string        `json:"ftQueueID"`
	PayItems []payItemJSON `json:"ftPayItems"`
}

// outcome renders the answer of a verdict and the items it creates.
func (s *Service) outcome(p *payment, f *flight, v verdict) (fiscal.Outcome, []outItem) {
	if v.code != "" {
		status := statusRefused
		if v.code == fiscal.CodePaymentTimeout {
			status = statusTimeout
		}
		doc := wire.Problem{Type: wire.ProblemTypePrefix + string(v.code), Title: titles[v.code], Status: status,
			Detail: v.detail, Instance: "/v2/pay#op=" + f.OperationID, CorrelationID: f.Correlation}
		return fiscal.Outcome{Status: status, Problem: true, Body: doc.AppendJSON(nil)}, nil
	}
	items := s.items(p, f, v.result)
	resp := payResponse{Protocol: p.term.Protocol, QueueID: f.QueueID}
	for _, it := range items {
		resp.PayItems = append(resp.PayItems, it.json)
	}
	body, _ := json.Marshal(&resp)
	return fiscal.Outcome{Status: statusOK, Body: body}, items
}

// items builds the pay items of an approval: the card payment, a tip
// item that nets the tip out (§8.5), or the negative item of a refund or
// cancel.
func (s *Service) items(p *payment, f *flight, r device.PayResult) []outItem {
	charged := r.Amount
	if charged == 0 {
		charged = abs(f.Amount)
	}
	if f.Action == wire.ActionCancel && p.original != nil {
		charged = p.original.Charged
	}
	country, _ := fiscal.ParseCountry(f.Country)
	c := uint64(country)<<countryBitShift | caseVersion2 | flagElectronic | flagInterface | cardCase(r)
	moment := r.Time
	if moment.IsZero() {
		moment = s.now()
	}
	var tip int64
	amount := charged
	switch f.Action {
	case wire.ActionPayment:
		if charged > f.Amount {
			tip = charged - f.Amount
		}
	case wire.ActionCancel:
		amount, c = -charged, c|flagVoid
		if p.original != nil {
			c = p.original.Case | flagVoid
		}
	case wire.ActionRefund:
		amount, c = -charged, c|flagRefund
	}
	data := caseData{Provider: provider{
		Protocol: p.term.Protocol, Terminal: f.Terminal, Action: f.Action, TerminalID: r.TerminalID,
		TraceNumber: r.Trace, ReceiptNumber: r.ReceiptNo, CardType: r.CardType, CardBrand: r.CardName, MaskedPAN: r.MaskedPAN,
		ResultCode: fmt.Sprintf("%02X", r.ResultCode), ResultText: r.Text, TransactionTime: formatTime(r.Time),
		RequestedAmount: wire.NewDecimal(f.Amount, 2), ChargedAmount: wire.NewDecimal(charged, 2), TipAmount: wire.NewDecimal(tip, 2),
		PaymentID: f.PaymentID, OperationID: f.OperationID,
	}, Receipt: r.Receipt}
	if data.Receipt == nil {
		data.Receipt = []string{}
	}
	rec := item{PaymentID: f.PaymentID, OperationID: f.OperationID, Action: f.Action, Protocol: p.term.Protocol, Terminal: f.Terminal,
		Amount: amount, Case: c, ReceiptNo: r.ReceiptNo, Trace: r.Trace, Charged: charged}
	main := outItem{id: f.PaymentID, item: rec, json: payItemJSON{Description: f.Description, Amount: wire.NewDecimal(amount, 2),
		Case: c, CaseData: data, ID: f.PaymentID, Moment: wire.FormatMoment(moment)}}
	out := []outItem{main}
	if tip > 0 {
		id := fiscal.NewUUID()
		t := rec
		t.Amount, t.Case, t.Tip = -tip, c|flagTip, true
		out = append(out, outItem{id: id, item: t, json: payItemJSON{Description: "Tip", Amount: wire.NewDecimal(-tip, 2),
			Case: t.Case, CaseData: data, ID: id, Moment: wire.FormatMoment(moment)}})
	}
	return out
}

// cardCase is the payment type of a card: debit for girocard, Maestro,
// V PAY and other debit schemes, credit for the credit schemes, non-cash
// when the terminal did not say.
func cardCase(r device.PayResult) uint64 {
	name := strings.ToLower(r.CardType + " " + r.CardName)
	for _, d := range []string{"girocard", "maestro", "v pay", "debit", "electronic cash", "bancomat"} {
		if strings.Contains(name, d) {
			return caseDebitCard
		}
	}
	for _, c := range []string{"visa", "mastercard", "american express", "amex", "diners", "jcb", "credit", "sandbox"} {
		if strings.Contains(name, c) {
			return caseCreditCard
		}
	}
	return caseNonCash
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return wire.FormatMoment(t)
}

func itemIDs(items []outItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	return ids
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// resultData is the Data of a pay-result entry.
func resultData(f *flight, r device.PayResult) map[string]any {
	return map[string]any{"paymentId": f.PaymentID, "operationId": f.OperationID, "result": r}
}
