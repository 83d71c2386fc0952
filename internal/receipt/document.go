package receipt

import (
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// Document is one receipt as people see it, independent of the output.
// Build fills it from stored data; the renderers only lay it out.
type Document struct {
	Labels   Labels // the words and number format of the receipt's market
	Country  string // ISO 3166 alpha-2 of the receipt case, "" if unknown
	Currency string // ISO 4217, "EUR" unless the request says otherwise

	Header Header
	// Banners say what kind of receipt this is when it is not an ordinary
	// sale ("TRAINING", "STORNO", "NULLBELEG", "Sicherheitseinrichtung
	// ausgefallen" …), in the order they should be printed.
	Banners []string

	Charges []ChargeLine
	VAT     []VATLine // one per rate, highest rate first
	Total   Money     // exact sum of the charge amounts, rounded once

	Payments []PayLine
	Notes    []string // extra lines the POS asked to print (ftReceiptCaseData.cbReceiptLines)

	// Signatures are the items of ftSignatures a person should see, in
	// response order; items marked "don't visualize" are left out.
	Signatures []Signature
	// QR is the Data of the first visible QR-code signature item, byte for
	// byte: the RKSV machine-readable code. "" when there is none.
	QR string
}

// Header identifies the receipt.
type Header struct {
	CashBoxIdentification string    // ftCashBoxIdentification (AT: Kassen-ID)
	ReceiptIdentification string    // ftReceiptIdentification (AT: Belegnummer)
	Moment                time.Time // ftReceiptMoment in the market's local time
	ReceiptReference      string    // cbReceiptReference
	TerminalID            string    // cbTerminalID, "" when not sent
	// PreviousReferences are the receipts a void or refund refers to
	// (cbPreviousReceiptReference).
	PreviousReferences []string
}

// ChargeLine is one sold (or returned) item.
type ChargeLine struct {
	Description string
	Quantity    wire.Decimal
	Amount      Money // gross, quantity applied
	VATRate     wire.Decimal
}

// VATLine sums the charge lines of one VAT rate.
type VATLine struct {
	Rate  wire.Decimal
	Gross Money
	Net   Money
	VAT   Money
}

// PayLine is one payment, change or tip.
type PayLine struct {
	// Description is the label of the payment type ("Bar", "Karte",
	// "Trinkgeld" …) or, for types without one, the POS's description.
	Description string
	Amount      Money
	// Slip holds the card terminal's slip lines of a payment made through
	// /v2/pay (ftPayItemCaseData.Receipt). It is nil when the same slip was
	// already attached to an earlier pay line: /v2/pay returns the payment
	// and its tip with one slip, printed once.
	Slip []string
}

// Signature is a signature item to show.
type Signature struct {
	Caption  string
	Data     string
	Format   uint16   // ftSignatureFormat bits 0–15; 3 is a QR code, drawn, other formats print as text
	Position Position // where on the receipt (ftSignatureFormat bits 16–19)
	Medium   Medium   // on paper, on screen, or both
}

// IsQR reports whether the item is drawn as a QR code.
func (s *Signature) IsQR() bool { return s.Format == sigFormatQR }

// Position is where a signature item goes (pos-system-api-v2.md §7.7).
type Position uint8

// The positions of §7.7; values 6–15 are undefined and print like
// AfterPayments, the default.
const (
	AfterPayments Position = iota
	AfterHeader
	AfterCharges
	AfterTotals
	AfterFooter
	BeforeHeader
)

// Medium says on which kind of receipt a signature item appears.
type Medium uint8

// The media of the "printed receipt only" and "digital receipt only" flags.
const (
	AnyMedium Medium = iota
	PrintedOnly
	DigitalOnly
)
