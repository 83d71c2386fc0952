package receipt

import (
	"sync"
	"time"
)

// Labels are the fixed words of a receipt in one language, and how that
// language writes numbers and moments. A Document carries its own copy.
type Labels struct {
	Lang       string // BCP 47 tag of the HTML page, "de"
	Decimal    byte   // decimal mark of amounts, quantities and rates
	TimeLayout string // layout of the receipt moment for time.Format

	Document, CashBox, Receipt, Date, Reference, Terminal, Previous string
	Total, Rate, Net, VAT, Gross                                    string
	Cash, NonCash, Card, Voucher, Tip, Change                       string
	CodeAsText                                                      string // HTML: the QR payload shown as text

	// Banners.
	Training, Void, Refund, Handwritten, Failed, Error string
	Zero, Start, Stop, ShiftClosing, DailyClosing      string
	MonthlyClosing, YearlyClosing, Copy, Invoice       string
	DeliveryNote, Order                                string
}

// german is the table for Austria (and Germany). "Sicherheitseinrichtung
// ausgefallen" is the wording RKSV prescribes (rksv.md §1.4).
var german = Labels{
	Lang: "de", Decimal: ',', TimeLayout: "02.01.2006 15:04:05",
	Document: "Beleg", CashBox: "Kassen-ID", Receipt: "Beleg-Nr.", Date: "Datum",
	Reference: "Referenz", Terminal: "Terminal", Previous: "Bezug",
	Total: "Summe", Rate: "Satz", Net: "Netto", VAT: "MwSt", Gross: "Brutto",
	Cash: "Bar", NonCash: "Unbar", Card: "Karte", Voucher: "Gutschein",
	Tip: "Trinkgeld", Change: "Rückgeld", CodeAsText: "Code als Text",
	Training: "TRAINING", Void: "STORNO", Refund: "RETOURE",
	Handwritten: "NACHERFASSUNG", Failed: failedCaption, Error: "FEHLER: KEIN GÜLTIGER BELEG",
	Zero: "NULLBELEG", Start: "STARTBELEG", Stop: "SCHLUSSBELEG",
	ShiftClosing: "SCHICHTABSCHLUSS", DailyClosing: "TAGESABSCHLUSS",
	MonthlyClosing: "MONATSBELEG", YearlyClosing: "JAHRESBELEG",
	Copy: "BELEGKOPIE", Invoice: "RECHNUNG", DeliveryNote: "LIEFERSCHEIN",
	Order: "BESTELLUNG",
}

// english serves markets without a table of their own.
var english = Labels{
	Lang: "en", Decimal: '.', TimeLayout: "2006-01-02 15:04:05",
	Document: "Receipt", CashBox: "Register", Receipt: "Receipt no.", Date: "Date",
	Reference: "Reference", Terminal: "Terminal", Previous: "Refers to",
	Total: "Total", Rate: "Rate", Net: "Net", VAT: "VAT", Gross: "Gross",
	Cash: "Cash", NonCash: "Non-cash", Card: "Card", Voucher: "Voucher",
	Tip: "Tip", Change: "Change", CodeAsText: "Code as text",
	Training: "TRAINING", Void: "VOID", Refund: "REFUND",
	Handwritten: "SUBSEQUENT ENTRY", Failed: "Signature device failed", Error: "ERROR: NOT A VALID RECEIPT",
	Zero: "ZERO RECEIPT", Start: "START RECEIPT", Stop: "CLOSING RECEIPT",
	ShiftClosing: "SHIFT CLOSING", DailyClosing: "DAILY CLOSING",
	MonthlyClosing: "MONTHLY CLOSING", YearlyClosing: "YEARLY CLOSING",
	Copy: "COPY", Invoice: "INVOICE", DeliveryNote: "DELIVERY NOTE",
	Order: "ORDER",
}

// labelsFor picks the table of a market.
func labelsFor(country string) Labels {
	switch country {
	case "AT", "DE":
		return german
	}
	return english
}

// caseName is the banner of a receipt case, "" for an ordinary sale.
func (l *Labels) caseName(c uint16) string {
	switch {
	case c == caseDeliveryNote:
		return l.DeliveryNote
	case c >= caseInvoice && c <= caseInvoiceB2G:
		return l.Invoice
	case c == caseZeroReceipt:
		return l.Zero
	case c == caseShiftClosing:
		return l.ShiftClosing
	case c == caseDailyClosing:
		return l.DailyClosing
	case c == caseMonthlyClosing:
		return l.MonthlyClosing
	case c == caseYearlyClosing:
		return l.YearlyClosing
	case c == caseOrder:
		return l.Order
	case c == caseCopyReceipt:
		return l.Copy
	case c == caseInitial:
		return l.Start
	case c == caseOutOfOperation:
		return l.Stop
	}
	return ""
}

// zones maps a market to the time zone its receipts print; RKSV wants
// Vienna wall-clock time (rksv.md §7.3), never the host's zone.
var zones = map[string]func() *time.Location{
	"AT": sync.OnceValue(func() *time.Location { return loadZone("Europe/Vienna") }),
	"DE": sync.OnceValue(func() *time.Location { return loadZone("Europe/Berlin") }),
}

// zoneFor returns the market's zone, UTC for other markets.
func zoneFor(country string) *time.Location {
	if z, ok := zones[country]; ok {
		return z()
	}
	return time.UTC
}

// loadZone loads a zone and falls back to UTC when the system has no
// zone data; cmd/fiscald embeds time/tzdata, so the fallback is for odd
// builds, and the printed time then says UTC rather than being wrong.
func loadZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return z
}
