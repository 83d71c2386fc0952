package receipt

import (
	"bytes"
	"html"
	"html/template"
)

// HTML renders the document as one self-contained page: inline CSS, the QR
// code as an inline PNG, no scripts and no external resources, so it opens
// offline on a customer's phone and prints on A4 or a receipt printer.
// All text is escaped by html/template.
func HTML(doc *Document) []byte {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, newHTMLView(doc)); err != nil {
		// Only a bug in the template can get here; show it rather than
		// half a page.
		return []byte("<!DOCTYPE html><title>receipt</title><p>" + html.EscapeString(err.Error()))
	}
	return buf.Bytes()
}

// htmlView is the document with every value formatted, so the template
// only places strings.
type htmlView struct {
	Lang, Title string
	Header      [][2]string
	Banners     []string
	Sigs        [BeforeHeader + 1][]htmlSig // by Position
	HasItems    bool
	Charges     []htmlCharge
	Total       [2]string
	VATHead     [4]string
	VAT         [][4]string
	Payments    [][2]string
	Slips       [][]string
	Notes       []string
}

type htmlCharge struct{ Description, Amount, Rate string }

type htmlSig struct {
	Caption, Data string
	QR            template.URL // data: URI of the code; "" shows Data as text
	CodeAsText    string       // label of the code's text form
}

func newHTMLView(doc *Document) *htmlView {
	if doc == nil {
		doc = &Document{Labels: english}
	}
	lb := &doc.Labels
	h := &doc.Header
	v := &htmlView{
		Lang: lb.Lang, Title: lb.Document + " " + h.ReceiptIdentification,
		Banners: doc.Banners, Notes: doc.Notes,
		HasItems: len(doc.Charges) > 0 || len(doc.Payments) > 0,
		Total:    [2]string{lb.Total, doc.Currency + " " + lb.money(doc.Total)},
		VATHead:  [4]string{lb.Rate, lb.Net, lb.VAT, lb.Gross},
	}
	v.Header = headerRows(doc)
	for _, c := range doc.Charges {
		d := c.Description
		if c.Quantity.String() != "1" {
			d = lb.number(c.Quantity) + " x " + d
		}
		v.Charges = append(v.Charges, htmlCharge{d, lb.money(c.Amount), lb.percent(c.VATRate)})
	}
	for _, r := range doc.VAT {
		v.VAT = append(v.VAT, [4]string{lb.percent(r.Rate), lb.money(r.Net), lb.money(r.VAT), lb.money(r.Gross)})
	}
	for _, p := range doc.Payments {
		v.Payments = append(v.Payments, [2]string{p.Description, lb.money(p.Amount)})
		if p.Slip != nil {
			v.Slips = append(v.Slips, p.Slip)
		}
	}
	v.addSigs(doc.Signatures, lb.CodeAsText)
	return v
}

func headerRows(doc *Document) [][2]string {
	h, lb := &doc.Header, &doc.Labels
	rows := [][2]string{
		{lb.CashBox, h.CashBoxIdentification},
		{lb.Receipt, h.ReceiptIdentification},
		{lb.Date, formatMoment(h, lb)},
		{lb.Reference, h.ReceiptReference},
	}
	if h.TerminalID != "" {
		rows = append(rows, [2]string{lb.Terminal, h.TerminalID})
	}
	for _, p := range h.PreviousReferences {
		rows = append(rows, [2]string{lb.Previous, p})
	}
	return rows
}

// addSigs places the items of the digital receipt by position.
func (v *htmlView) addSigs(sigs []Signature, codeAsText string) {
	for _, s := range sigs {
		if s.Medium == PrintedOnly {
			continue
		}
		hs := htmlSig{Caption: s.Caption, Data: s.Data, CodeAsText: codeAsText}
		if s.IsQR() {
			// Safe to trust: the base64 of a PNG made here, nothing else.
			hs.QR = template.URL(qrDataURI(s.Data))
		}
		v.Sigs[s.Position] = append(v.Sigs[s.Position], hs)
	}
}

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

const pageSource = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{margin:0;background:#e8e8e8;color:#111;font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{box-sizing:border-box;max-width:26rem;margin:1rem auto;padding:1.25rem;background:#fff;box-shadow:0 1px 4px rgba(0,0,0,.25)}
table{width:100%;border-collapse:collapse}
th,td{padding:.1rem 0;vertical-align:top;text-align:left;font-weight:normal}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;padding-left:.75rem}
.head th{color:#555;padding-right:.75rem;white-space:nowrap}
.head td{text-align:right;overflow-wrap:anywhere}
.banner{margin:.75rem 0;padding:.3rem;border:2px solid #111;text-align:center;font-weight:bold;font-size:1.2rem}
hr{border:0;border-top:1px dashed #999;margin:.75rem 0}
.total td{font-weight:bold;font-size:1.15rem;padding-top:.3rem}
.vat{margin-top:.5rem;font-size:.85rem;color:#333}
.vat th{color:#555}
.slip,.notes{font:.85rem/1.3 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;margin:.75rem 0}
.sig{text-align:center;margin:1rem 0}
.sig h2{font-size:1rem;margin:0 0 .3rem}
.sig p{margin:0;overflow-wrap:anywhere}
.sig img{width:min(100%,16rem);height:auto;image-rendering:pixelated;image-rendering:crisp-edges}
details{margin-top:.3rem;font-size:.75rem;color:#555}
details code{overflow-wrap:anywhere}
@media print{body{background:#fff}main{box-shadow:none;margin:0;max-width:none}}
</style>
</head>
<body>
<main>
{{- template "sigs" index .Sigs 5}}
<table class="head">
{{- range .Header}}
<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{- end}}
</table>
{{- range .Banners}}
<p class="banner">{{.}}</p>
{{- end}}
{{- template "sigs" index .Sigs 1}}
{{- if .HasItems}}
<hr>
<table class="items">
{{- range .Charges}}
<tr><td>{{.Description}}</td><td class="num">{{.Amount}}</td><td class="num">{{.Rate}}</td></tr>
{{- end}}
</table>
{{- template "sigs" index .Sigs 2}}
<hr>
<table class="total"><tr><td>{{index .Total 0}}</td><td class="num">{{index .Total 1}}</td></tr></table>
{{- if .VAT}}
<table class="vat">
<tr><th>{{index .VATHead 0}}</th><th class="num">{{index .VATHead 1}}</th><th class="num">{{index .VATHead 2}}</th><th class="num">{{index .VATHead 3}}</th></tr>
{{- range .VAT}}
<tr><td>{{index . 0}}</td><td class="num">{{index . 1}}</td><td class="num">{{index . 2}}</td><td class="num">{{index . 3}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- else}}
{{- template "sigs" index .Sigs 2}}
{{- end}}
{{- template "sigs" index .Sigs 3}}
{{- if .Payments}}
<hr>
<table class="payments">
{{- range .Payments}}
<tr><td>{{index . 0}}</td><td class="num">{{index . 1}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- range .Slips}}
<pre class="slip">{{range .}}{{.}}
{{end}}</pre>
{{- end}}
{{- if .Notes}}
<pre class="notes">{{range .Notes}}{{.}}
{{end}}</pre>
{{- end}}
{{- template "sigs" index .Sigs 0}}
{{- template "sigs" index .Sigs 4}}
</main>
</body>
</html>
{{define "sigs"}}{{range .}}
<section class="sig">
{{- if .Caption}}
<h2>{{.Caption}}</h2>
{{- end}}
{{- if .QR}}
<img src="{{.QR}}" alt="QR-Code">
<details><summary>{{.CodeAsText}}</summary><code>{{.Data}}</code></details>
{{- else}}
<p>{{.Data}}</p>
{{- end}}
</section>
{{- end}}{{end}}

`
