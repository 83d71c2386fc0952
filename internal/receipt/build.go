package receipt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// ErrMismatch reports a request and a response that belong to different
// receipts.
var ErrMismatch = errors.New("receipt: request and response are of different receipts")

// Build makes the Document of one receipt from the body of its /v2/sign
// request and the ReceiptResponse fiscald stored for it. Both are parsed
// with the API's own rules (httpapi/wire), so amounts and case values stay
// exact. Malformed input gives an error, never a panic.
func Build(request, response []byte) (*Document, error) {
	req, err := decodeRequest(request)
	if err != nil {
		return nil, fmt.Errorf("receipt: request: %w", err)
	}
	resp, err := wire.DecodeReceiptResponse(response)
	if err != nil {
		return nil, fmt.Errorf("receipt: response: %w", err)
	}
	if req.ReceiptReference != resp.ReceiptReference {
		return nil, fmt.Errorf("%w: cbReceiptReference %q and %q", ErrMismatch, req.ReceiptReference, resp.ReceiptReference)
	}
	return newDocument(req, resp)
}

func decodeRequest(body []byte) (*wire.ReceiptRequest, error) {
	v, err := wire.Parse(body)
	if err != nil {
		return nil, err
	}
	return wire.DecodeReceiptRequest(v)
}

func newDocument(req *wire.ReceiptRequest, resp *wire.ReceiptResponse) (*Document, error) {
	c := country(req.ReceiptCase)
	if c == "" {
		c = country(resp.State)
	}
	doc := &Document{Labels: labelsFor(c), Country: c, Currency: req.Currency}
	if doc.Currency == "" {
		doc.Currency = "EUR"
	}
	doc.Header = header(req, resp, c)
	if err := doc.addCharges(req.ChargeItems); err != nil {
		return nil, err
	}
	if err := doc.addPayments(req.PayItems); err != nil {
		return nil, err
	}
	doc.Notes = receiptLines(req.ReceiptCaseData)
	doc.addSignatures(resp.Signatures)
	doc.Banners = doc.banners(req.ReceiptCase, uint32(resp.State))
	return doc, nil
}

func header(req *wire.ReceiptRequest, resp *wire.ReceiptResponse, country string) Header {
	h := Header{
		CashBoxIdentification: clean(resp.CashBoxIdentification),
		ReceiptIdentification: clean(resp.ReceiptIdentification),
		Moment:                resp.ReceiptMoment.In(zoneFor(country)),
		ReceiptReference:      clean(resp.ReceiptReference),
	}
	if resp.TerminalID != nil {
		h.TerminalID = clean(*resp.TerminalID)
	}
	for _, r := range req.PreviousReceiptReferences {
		h.PreviousReferences = append(h.PreviousReferences, clean(r))
	}
	return h
}

// addCharges adds the charge lines, the VAT summary and the total. Sums are
// exact and rounded once, so the printed VAT gross per rate is the amount
// RKSV counts in that rate's column.
func (d *Document) addCharges(items []wire.ChargeItem) error {
	gross := map[wire.Decimal]wire.Decimal{}
	var total wire.Decimal
	for i := range items {
		it := &items[i]
		amount, err := cents(it.Amount)
		if err != nil {
			return fmt.Errorf("receipt: cbChargeItems[%d]: %w", i, err)
		}
		d.Charges = append(d.Charges, ChargeLine{Description: clean(it.Description), Quantity: it.Quantity, Amount: amount, VATRate: it.VATRate})
		gross[it.VATRate] = gross[it.VATRate].Add(it.Amount)
		total = total.Add(it.Amount)
	}
	var err error
	if d.Total, err = cents(total); err != nil {
		return fmt.Errorf("receipt: total: %w", err)
	}
	return d.addVAT(gross)
}

func (d *Document) addVAT(gross map[wire.Decimal]wire.Decimal) error {
	for rate, sum := range gross {
		g, err := cents(sum)
		if err != nil {
			return fmt.Errorf("receipt: gross at %s%%: %w", rate, err)
		}
		v := vatOf(g, rate)
		d.VAT = append(d.VAT, VATLine{Rate: rate, Gross: g, VAT: v, Net: g - v})
	}
	slices.SortFunc(d.VAT, func(a, b VATLine) int { return b.Rate.Cmp(a.Rate) })
	return nil
}

// addPayments adds the pay lines with their terminal slips.
func (d *Document) addPayments(items []wire.PayItem) error {
	var slips [][]string
	for i := range items {
		it := &items[i]
		amount, err := cents(it.Amount)
		if err != nil {
			return fmt.Errorf("receipt: cbPayItems[%d]: %w", i, err)
		}
		p := PayLine{Description: d.Labels.payLabel(it.Case, clean(it.Description)), Amount: amount}
		if slip := slipLines(it.CaseData); slip != nil && !slices.ContainsFunc(slips, func(s []string) bool { return slices.Equal(s, slip) }) {
			p.Slip = slip
			slips = append(slips, slip)
		}
		d.Payments = append(d.Payments, p)
	}
	return nil
}

// payLabel names a payment by its case: tip and change by their flag, the
// common types by a label of the receipt's language; other types keep the
// POS's description.
func (l *Labels) payLabel(c uint64, description string) string {
	switch {
	case c&payTip != 0:
		return l.Tip
	case c&payChange != 0:
		return l.Change
	}
	switch c & payTypeMask {
	case payCash:
		return l.Cash
	case payNonCash:
		return l.NonCash
	case payDebitCard, payCreditCard:
		return l.Card
	case payVoucher:
		return l.Voucher
	}
	return description
}

// slipLines reads ftPayItemCaseData.Receipt, the slip lines a card terminal
// returned through /v2/pay; anything that is not an array of strings is
// not a slip.
func slipLines(data *wire.Value) []string { return stringArray(data.Get("Receipt")) }

// receiptLines reads ftReceiptCaseData.cbReceiptLines.
func receiptLines(data *wire.Value) []string { return stringArray(data.Get("cbReceiptLines")) }

func stringArray(v *wire.Value) []string {
	if v == nil || v.Kind != wire.Array {
		return nil
	}
	var out []string
	for i := range v.Elems {
		if v.Elems[i].Kind == wire.String {
			out = append(out, clean(v.Elems[i].Str))
		}
	}
	return out
}

// addSignatures keeps the items a person should see and finds the QR code.
func (d *Document) addSignatures(items []wire.SignatureItem) {
	for _, it := range items {
		if it.Type&sigDontVisualize != 0 {
			continue
		}
		s := Signature{
			Caption:  clean(it.Caption),
			Data:     it.Data,
			Format:   uint16(it.Format & sigFormatMask),
			Position: Position(it.Format >> sigPosShift & sigPosMask),
		}
		if s.Position > BeforeHeader {
			s.Position = AfterPayments
		}
		switch {
		case it.Type&sigPrintedOnly != 0:
			s.Medium = PrintedOnly
		case it.Type&sigDigitalOnly != 0:
			s.Medium = DigitalOnly
		}
		if s.IsQR() && d.QR == "" {
			d.QR = it.Data // verbatim: the code is what a verifier checks
		}
		if !s.IsQR() {
			s.Data = clean(s.Data)
		}
		d.Signatures = append(d.Signatures, s)
	}
}

// banners lists what makes the receipt special: its kind, the training,
// void, refund and handwritten flags, a failed signature device, and a
// response that is no receipt at all.
func (d *Document) banners(receiptCase uint64, state uint32) []string {
	l := &d.Labels
	var b []string
	if state == stateError || state == stateFail {
		b = append(b, l.Error)
	}
	if name := l.caseName(uint16(receiptCase)); name != "" {
		b = append(b, name)
	}
	for _, f := range []struct {
		flag  uint64
		label string
	}{{receiptTraining, l.Training}, {receiptVoid, l.Void}, {receiptRefund, l.Refund}, {receiptHandwritten, l.Handwritten}} {
		if receiptCase&f.flag != 0 {
			b = append(b, f.label)
		}
	}
	if d.signatureFailed() {
		b = append(b, l.Failed)
	}
	return b
}

// signatureFailed reports whether the code says the signature device
// failed: fiscald's caption, or the marker in the code itself for
// responses from other servers.
func (d *Document) signatureFailed() bool {
	for _, s := range d.Signatures {
		if s.IsQR() && (s.Caption == failedCaption || strings.HasSuffix(s.Data, failedQRSuffix)) {
			return true
		}
	}
	return false
}

// clean replaces control and format characters by spaces: they have no
// place on a receipt, and a printer would execute ESC or GS as commands.
func clean(s string) string {
	if strings.IndexFunc(s, unwanted) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unwanted(r) {
			return ' '
		}
		return r
	}, s)
}

func unwanted(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }
