package receipt

import (
	"strings"
	"unicode/utf8"

	"rsc.io/qr/coding"

	"github.com/fiscald/fiscald/internal/qrsymbol"
)

// Align is the horizontal alignment of a line.
type Align uint8

// Alignments.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// LineKind tells text from the special lines.
type LineKind uint8

// Kinds of lines.
const (
	LineText LineKind = iota // Text, aligned, possibly bold or double size
	LineQR                   // a QR code: QR holds the payload
	LineCut                  // cut the paper here
)

// Line is one line of the printing layout. Text never holds control
// characters and never exceeds the width Lines was given (half of it for
// DoubleSize), so an encoder only maps characters and emphasis.
type Line struct {
	Kind       LineKind
	Text       string
	Align      Align
	Bold       bool
	DoubleSize bool   // double width and height: at most columns/2 characters
	QR         QRCode // for LineQR
}

// QRCode is a QR code to print, with the encoder's suggested settings.
type QRCode struct {
	Payload    string // printed exactly as given
	ModuleSize int    // dots per module, 3–8, leaving room for the 4-module quiet zone
	Level      byte   // error correction level 'M': the level the size was computed for
}

// Printer geometry: Font A of ESC/POS printers is 12 dots wide, so 48
// columns fill the 576 dots of 80 mm paper and 32 columns the 384 dots of
// 58 mm paper.
const (
	dotsPerColumn  = 12
	minColumns     = 16
	defaultColumns = 48
	minModule      = 3
	maxModule      = 8
	quietZone      = 4 // modules of white around a QR code
)

// Lines lays the document out for a printer of the given width in
// characters (48 for 80 mm paper, 32 for 58 mm). Signature items for the
// digital receipt only are left out. Widths below 16 are raised to 16, and
// 0 or less means 48.
func Lines(doc *Document, columns int) []Line {
	return layoutLines(doc, columns, PrintedOnly)
}

// layoutLines is Lines for a medium: PrintedOnly for paper, DigitalOnly for
// the image.
func layoutLines(doc *Document, columns int, medium Medium) []Line {
	if columns <= 0 {
		columns = defaultColumns
	}
	l := &layout{doc: doc, cols: max(columns, minColumns), medium: medium}
	if doc != nil {
		l.build()
	}
	return l.out
}

// layout accumulates the lines of one document.
type layout struct {
	doc    *Document
	cols   int
	medium Medium
	out    []Line
}

func (l *layout) build() {
	d := l.doc
	l.signatures(BeforeHeader)
	l.header()
	l.banners()
	l.signatures(AfterHeader)
	if len(d.Charges) > 0 || len(d.Payments) > 0 {
		l.rule()
		l.charges()
		l.signatures(AfterCharges)
		l.rule()
		l.total()
		l.vat()
	} else {
		l.signatures(AfterCharges)
	}
	l.signatures(AfterTotals)
	l.payments()
	l.notes()
	l.signatures(AfterPayments)
	l.signatures(AfterFooter)
	l.out = append(l.out, Line{Kind: LineCut})
}

func (l *layout) header() {
	h, lb := &l.doc.Header, &l.doc.Labels
	l.row(lb.CashBox, h.CashBoxIdentification, false)
	l.row(lb.Receipt, h.ReceiptIdentification, false)
	l.row(lb.Date, formatMoment(h, lb), false)
	l.row(lb.Reference, h.ReceiptReference, false)
	if h.TerminalID != "" {
		l.row(lb.Terminal, h.TerminalID, false)
	}
	for _, p := range h.PreviousReferences {
		l.row(lb.Previous, p, false)
	}
}

// formatMoment writes the receipt moment; a moment that fell back to UTC
// says so, because a wrong-looking local time on a receipt is worse.
func formatMoment(h *Header, lb *Labels) string {
	s := h.Moment.Format(lb.TimeLayout)
	if h.Moment.Location().String() == "UTC" {
		s += " UTC"
	}
	return s
}

func (l *layout) banners() {
	if len(l.doc.Banners) == 0 {
		return
	}
	l.blank()
	for _, b := range l.doc.Banners {
		l.add(Line{Text: b, Align: AlignCenter, Bold: true, DoubleSize: runeLen(b) <= l.cols/2})
	}
}

// charges prints "2 x Melange ... 9,00 10%", the rates right-aligned in a
// column of their own.
func (l *layout) charges() {
	lb := &l.doc.Labels
	rateW := 0
	for _, c := range l.doc.Charges {
		rateW = max(rateW, runeLen(lb.percent(c.VATRate)))
	}
	for _, c := range l.doc.Charges {
		left := c.Description
		if c.Quantity.String() != "1" {
			left = lb.number(c.Quantity) + " x " + left
		}
		l.row(left, lb.money(c.Amount)+" "+padLeft(lb.percent(c.VATRate), rateW), false)
	}
}

func (l *layout) total() {
	lb := &l.doc.Labels
	l.row(lb.Total, l.doc.Currency+" "+lb.money(l.doc.Total), true)
}

// vat prints the summary as a table when the amounts fit, one rate per
// row; on narrow paper with large amounts each rate gets three rows.
func (l *layout) vat() {
	d, lb := l.doc, &l.doc.Labels
	if len(d.VAT) == 0 {
		return
	}
	l.blank()
	cell := (l.cols - 6) / 3
	first := l.cols - 3*cell
	table := runeLen(lb.Rate) < first && max(runeLen(lb.Net), runeLen(lb.VAT), runeLen(lb.Gross)) < cell
	for _, v := range d.VAT {
		table = table && max(runeLen(lb.money(v.Net)), runeLen(lb.money(v.VAT)), runeLen(lb.money(v.Gross))) < cell
	}
	if !table {
		l.vatStacked()
		return
	}
	l.add(Line{Text: padRight(lb.Rate, first) + padLeft(lb.Net, cell) + padLeft(lb.VAT, cell) + padLeft(lb.Gross, cell)})
	for _, v := range d.VAT {
		l.add(Line{Text: padRight(lb.percent(v.Rate), first) + padLeft(lb.money(v.Net), cell) + padLeft(lb.money(v.VAT), cell) + padLeft(lb.money(v.Gross), cell)})
	}
}

func (l *layout) vatStacked() {
	lb := &l.doc.Labels
	for _, v := range l.doc.VAT {
		l.row(lb.VAT+" "+lb.percent(v.Rate), "", false)
		l.row("  "+lb.Net, lb.money(v.Net), false)
		l.row("  "+lb.VAT, lb.money(v.VAT), false)
		l.row("  "+lb.Gross, lb.money(v.Gross), false)
	}
}

// payments prints the pay lines, then the terminal slips.
func (l *layout) payments() {
	d := l.doc
	if len(d.Payments) == 0 {
		return
	}
	l.rule()
	for _, p := range d.Payments {
		l.row(p.Description, d.Labels.money(p.Amount), false)
	}
	for _, p := range d.Payments {
		if p.Slip == nil {
			continue
		}
		l.blank()
		for _, s := range p.Slip {
			l.add(Line{Text: s})
		}
	}
}

func (l *layout) notes() {
	if len(l.doc.Notes) == 0 {
		return
	}
	l.blank()
	for _, n := range l.doc.Notes {
		l.add(Line{Text: n})
	}
}

// signatures prints the items of one position: a caption in bold, then the
// text or the code, centred.
func (l *layout) signatures(pos Position) {
	for _, s := range l.doc.Signatures {
		if s.Position != pos || (s.Medium != AnyMedium && s.Medium != l.medium) {
			continue
		}
		l.blank()
		if s.Caption != "" {
			l.add(Line{Text: s.Caption, Align: AlignCenter, Bold: true})
		}
		if s.IsQR() {
			l.qr(s.Data)
			continue
		}
		l.add(Line{Text: s.Data, Align: AlignCenter})
	}
}

// qr adds a QR line, or the payload as text when it is too long for a QR
// code: the code must reach the customer in some readable form.
func (l *layout) qr(payload string) {
	size, err := qrsymbol.Size([]byte(payload), coding.M)
	if err != nil {
		l.add(Line{Text: clean(payload), Align: AlignCenter})
		return
	}
	l.out = append(l.out, Line{Kind: LineQR, QR: QRCode{Payload: payload, ModuleSize: moduleSize(size, l.cols*dotsPerColumn), Level: 'M'}})
}

// moduleSize fits a code of n modules plus its quiet zone into three
// quarters of the paper width, within what scanners read reliably.
func moduleSize(n, widthDots int) int {
	return min(max(widthDots*3/4/(n+2*quietZone), minModule), maxModule)
}

// row prints left and right on one line, or wraps left and puts right at
// the end of its last line.
func (l *layout) row(left, right string, bold bool) {
	w, rw := l.cols, runeLen(right)
	if right == "" {
		l.add(Line{Text: left, Bold: bold})
		return
	}
	if runeLen(left)+1+rw <= w {
		l.out = append(l.out, Line{Text: left + strings.Repeat(" ", w-runeLen(left)-rw) + right, Bold: bold})
		return
	}
	if rw+1 > w/2 {
		l.add(Line{Text: left, Bold: bold})
		l.add(Line{Text: right, Align: AlignRight, Bold: bold})
		return
	}
	parts := wrap(left, w-rw-1)
	for _, p := range parts[:len(parts)-1] {
		l.out = append(l.out, Line{Text: p, Bold: bold})
	}
	last := parts[len(parts)-1]
	l.out = append(l.out, Line{Text: last + strings.Repeat(" ", w-runeLen(last)-rw) + right, Bold: bold})
}

// add appends a text line, wrapped to the width.
func (l *layout) add(line Line) {
	w := l.cols
	if line.DoubleSize {
		w /= 2
	}
	for _, t := range wrap(line.Text, w) {
		line.Text = t
		l.out = append(l.out, line)
	}
}

func (l *layout) rule() { l.out = append(l.out, Line{Text: strings.Repeat("-", l.cols)}) }

// blank adds an empty line, but never two in a row nor at the top.
func (l *layout) blank() {
	if n := len(l.out); n == 0 || (l.out[n-1].Kind == LineText && l.out[n-1].Text == "") {
		return
	}
	l.out = append(l.out, Line{})
}

// wrap breaks s into lines of at most w characters, at spaces where it can
// and inside words longer than a line. It returns at least one line.
func wrap(s string, w int) []string {
	s = strings.TrimRight(s, " ")
	var out []string
	for runeLen(s) > w {
		cut := byteIndex(s, w)
		if sp := strings.LastIndexByte(s[:cut+1], ' '); sp > 0 {
			out = append(out, strings.TrimRight(s[:sp], " "))
			s = strings.TrimLeft(s[sp:], " ")
			continue
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// byteIndex is the byte offset of the n-th rune of s.
func byteIndex(s string, n int) int {
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func padLeft(s string, w int) string  { return strings.Repeat(" ", max(w-runeLen(s), 0)) + s }
func padRight(s string, w int) string { return s + strings.Repeat(" ", max(w-runeLen(s), 0)) }
