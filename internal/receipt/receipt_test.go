package receipt

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	_ "time/tzdata" // the goldens print Vienna time on any machine

	"github.com/fiscald/fiscald/httpapi/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/receipts")

const goldenDir = "../../testdata/receipts"

func build(t *testing.T, r testReceipt) *Document {
	t.Helper()
	doc, err := Build([]byte(r.request), []byte(r.response))
	if err != nil {
		t.Fatalf("%s: Build: %v", r.name, err)
	}
	return doc
}

// dataURI matches the inline QR image; the goldens hold a placeholder
// because PNG compression may change between Go releases. TestHTMLQR
// checks the image itself.
var dataURI = regexp.MustCompile(`data:image/png;base64,[^"]+`)

func TestGolden(t *testing.T) {
	for _, r := range testReceipts {
		t.Run(r.name, func(t *testing.T) {
			doc := build(t, r)
			golden(t, r.name+".txt", []byte(Text(doc, 48)))
			page := dataURI.ReplaceAll(HTML(doc), []byte("data:image/png;base64,QR"))
			golden(t, r.name+".html", page)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", name, got)
	}
}

// TestQRVerbatim: the payload is the signature item's Data, untouched.
func TestQRVerbatim(t *testing.T) {
	for _, r := range testReceipts {
		doc := build(t, r)
		if doc.QR != r.qr {
			t.Errorf("%s: QR %q, want %q", r.name, doc.QR, r.qr)
		}
		var qrLines int
		for _, ln := range Lines(doc, 48) {
			if ln.Kind == LineQR {
				qrLines++
				if ln.QR.Payload != r.qr || ln.QR.ModuleSize < 3 || ln.QR.ModuleSize > 8 {
					t.Errorf("%s: QR line %+v", r.name, ln.QR)
				}
			}
		}
		if qrLines != 1 {
			t.Errorf("%s: %d QR lines, want 1", r.name, qrLines)
		}
	}
}

// TestDocument checks the figures the goldens show, so a wrong golden
// cannot be accepted by -update unnoticed.
func TestDocument(t *testing.T) {
	doc := build(t, cashSale)
	if doc.Total != 3000 || len(doc.Charges) != 4 || len(doc.Payments) != 2 {
		t.Fatalf("total %d, %d charges, %d payments", doc.Total, len(doc.Charges), len(doc.Payments))
	}
	want := []VATLine{
		{Rate: dec(t, "20"), Gross: 1610, VAT: 268, Net: 1342},
		{Rate: dec(t, "10"), Gross: 1390, VAT: 126, Net: 1264},
	}
	for i, w := range want {
		if doc.VAT[i] != w {
			t.Errorf("VAT[%d] = %+v, want %+v", i, doc.VAT[i], w)
		}
	}
	if got := doc.Header.Moment.Format("2006-01-02T15:04:05"); got != "2026-11-30T11:05:03" {
		t.Errorf("moment %s, want the Vienna time of field 4", got)
	}
	if doc.Payments[1].Description != "Rückgeld" || doc.Payments[1].Amount != -2000 {
		t.Errorf("change line %+v", doc.Payments[1])
	}
	if len(doc.Signatures) != 1 {
		t.Errorf("the don't-visualize item is shown: %+v", doc.Signatures)
	}
}

func dec(t *testing.T, s string) wire.Decimal {
	t.Helper()
	d, err := wire.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCardSale(t *testing.T) {
	doc := build(t, cardSale)
	p := doc.Payments
	if len(p) != 2 || p[0].Description != "Karte" || p[0].Amount != 1100 || p[1].Description != "Trinkgeld" || p[1].Amount != -100 {
		t.Fatalf("payments %+v", p)
	}
	if len(p[0].Slip) != 8 || p[1].Slip != nil {
		t.Errorf("the slip must be attached once: %q / %q", p[0].Slip, p[1].Slip)
	}
	if n := strings.Count(Text(doc, 48), "Kartenzahlung"); n != 1 {
		t.Errorf("slip printed %d times", n)
	}
}

func TestBanners(t *testing.T) {
	for _, c := range []struct {
		r    testReceipt
		want []string
	}{
		{cashSale, nil},
		{cardSale, nil},
		{refund, []string{"RETOURE"}},
		{training, []string{"TRAINING"}},
		{zero, []string{"NULLBELEG"}},
		{failed, []string{"Sicherheitseinrichtung ausgefallen"}},
	} {
		if got := build(t, c.r).Banners; strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: banners %q, want %q", c.r.name, got, c.want)
		}
	}
}

// TestSpecialCases covers banners of receipt kinds and states without a
// golden file.
func TestSpecialCases(t *testing.T) {
	for _, c := range []struct {
		receiptCase, state string
		want               string
	}{
		{"4707422694881361921", "4707422694881099776", "STORNO"},                      // void flag
		{"4707422694881116161", "4707422694881099776", "STARTBELEG"},                  // 0x4001
		{"4707422694881116162", "4707422694881099776", "SCHLUSSBELEG"},                // 0x4002
		{"4707422694881107986", "4707422694881099776", "MONATSBELEG"},                 // 0x2012
		{"4707422694881099777", "4707422698889735918", "FEHLER: KEIN GÜLTIGER BELEG"}, // ftState error
		{"4707422694881624065", "4707422694881099776", "NACHERFASSUNG"},               // handwritten
	} {
		req := strings.Replace(zero.request, "4707422694881107968", c.receiptCase, 1)
		resp := strings.Replace(zero.response, `"ftState":4707422694881099776`, `"ftState":`+c.state, 1)
		doc, err := Build([]byte(req), []byte(resp))
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Banners) == 0 || !strings.Contains(strings.Join(doc.Banners, "|"), c.want) {
			t.Errorf("case %s state %s: banners %q, want %q", c.receiptCase, c.state, doc.Banners, c.want)
		}
	}
}

// TestZeroReceipt: no items, yet a banner and the code.
func TestZeroReceipt(t *testing.T) {
	doc := build(t, zero)
	if len(doc.Charges)+len(doc.Payments)+len(doc.VAT) != 0 || doc.QR != zeroQR {
		t.Fatalf("zero receipt: %+v", doc)
	}
	text := Text(doc, 48)
	if !strings.Contains(text, "NULLBELEG") || !strings.Contains(text, zeroQR[:40]) || strings.Contains(text, "Summe") {
		t.Errorf("zero receipt text:\n%s", text)
	}
}

// TestEscaping: text from the POS is data, never markup or printer commands.
func TestEscaping(t *testing.T) {
	req := strings.Replace(training.request, `"Schulungsartikel"`, `"<script>alert(\"x\")</script> & Tom's \u001b@\u001dV"`, 1)
	doc, err := Build([]byte(req), []byte(training.response))
	if err != nil {
		t.Fatal(err)
	}
	page := string(HTML(doc))
	if strings.Contains(page, "<script") || !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Tom&#39;s") {
		t.Errorf("description not escaped:\n%s", page)
	}
	for _, ln := range Lines(doc, 48) {
		if strings.ContainsAny(ln.Text, "\x1b\x1d") {
			t.Errorf("control character reaches the printer: %q", ln.Text)
		}
	}
}

// TestWidths: no line exceeds the paper, for every receipt and width.
func TestWidths(t *testing.T) {
	for _, r := range testReceipts {
		doc := build(t, r)
		for _, cols := range []int{48, 42, 32, 16} {
			checkWidths(t, r.name, Lines(doc, cols), cols)
			for _, s := range strings.Split(strings.TrimSuffix(Text(doc, cols), "\n"), "\n") {
				if runeLen(s) > cols {
					t.Errorf("%s at %d: text line %q too wide", r.name, cols, s)
				}
			}
		}
	}
}

func checkWidths(t *testing.T, name string, lines []Line, cols int) {
	t.Helper()
	for _, ln := range lines {
		w := cols
		if ln.DoubleSize {
			w /= 2
		}
		if runeLen(ln.Text) > w {
			t.Errorf("%s at %d: %q longer than %d", name, cols, ln.Text, w)
		}
	}
	if len(lines) == 0 || lines[len(lines)-1].Kind != LineCut {
		t.Errorf("%s: layout does not end with a cut", name)
	}
}

// TestSignatureItems: positions, media and "don't visualize".
func TestSignatureItems(t *testing.T) {
	sigs := `"ftSignatures":[` +
		`{"ftSignatureFormat":65537,"ftSignatureType":4707422694881165314,"Caption":"Startbeleg","Data":"Startbeleg"},` +
		`{"ftSignatureFormat":1,"ftSignatureType":4707422694889492480,"Caption":"Nur digital","Data":"x"},` +
		`{"ftSignatureFormat":1,"ftSignatureType":4707422694883196928,"Caption":"Versteckt","Data":"y"},` +
		`{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"` + zeroQR + `"}]`
	resp := regexp.MustCompile(`"ftSignatures":\[.*\]`).ReplaceAllLiteralString(zero.response, sigs)
	doc, err := Build([]byte(zero.request), []byte(resp))
	if err != nil {
		t.Fatal(err)
	}
	text := Text(doc, 48)
	if strings.Contains(text, "Versteckt") || strings.Contains(text, "Nur digital") {
		t.Errorf("hidden or digital-only item printed:\n%s", text)
	}
	if !strings.Contains(string(HTML(doc)), "Nur digital") {
		t.Error("digital-only item missing from the page")
	}
	// Position 1 (after the header) puts Startbeleg before the code.
	if s, q := strings.Index(text, "Startbeleg"), strings.Index(text, zeroQR[:20]); s < 0 || s > q {
		t.Errorf("Startbeleg not after the header:\n%s", text)
	}
}

func TestMalformed(t *testing.T) {
	for _, c := range []struct{ name, request, response string }{
		{"empty", "", ""},
		{"request not JSON", "{", cashSale.response},
		{"response not JSON", cashSale.request, "[1,"},
		{"request array", "[]", cashSale.response},
		{"amount as string", strings.Replace(cashSale.request, `"Amount": 9.00`, `"Amount": "9.00"`, 1), cashSale.response},
		{"case as float", strings.Replace(cashSale.request, `"ftReceiptCase": 4707422694881099777`, `"ftReceiptCase": 1.5`, 1), cashSale.response},
		{"no signatures", cashSale.request, strings.Replace(cashSale.response, `"ftSignatures"`, `"x"`, 1)},
		{"amount too large for cents", strings.Replace(cashSale.request, `"Amount": 9.00`, `"Amount": 1000000000000000000000000000`, 1), cashSale.response},
		{"other receipt", cashSale.request, cardSale.response},
	} {
		doc, err := Build([]byte(c.request), []byte(c.response))
		if err == nil || doc != nil {
			t.Errorf("%s: Build = %v, %v; want an error", c.name, doc, err)
		}
	}
	if _, err := Build([]byte(cashSale.request), []byte(cardSale.response)); !errors.Is(err, ErrMismatch) {
		t.Errorf("mismatch: %v", err)
	}
}

func TestMoney(t *testing.T) {
	for m, want := range map[Money]string{0: "0,00", 5: "0,05", -5: "-0,05", 1250: "12,50", -3711: "-37,11", 123456: "1234,56", -100000000: "-1000000,00"} {
		if got := m.Format(','); got != want {
			t.Errorf("%d: %q, want %q", m, got, want)
		}
	}
	for _, c := range []struct {
		gross Money
		rate  string
		want  Money
	}{{1250, "10", 114}, {1610, "20", 268}, {-320, "20", -53}, {1000, "0", 0}, {1000, "4.9", 47}, {5, "20", 1}} {
		if got := vatOf(c.gross, dec(t, c.rate)); got != c.want {
			t.Errorf("vatOf(%d, %s) = %d, want %d", c.gross, c.rate, got, c.want)
		}
	}
}

func FuzzBuild(f *testing.F) {
	for _, r := range testReceipts {
		f.Add([]byte(r.request), []byte(r.response))
	}
	f.Fuzz(func(t *testing.T, request, response []byte) {
		doc, err := Build(request, response)
		if err != nil {
			return
		}
		checkWidths(t, "fuzz", Lines(doc, 32), 32)
		_ = Text(doc, 48)
		_ = HTML(doc)
	})
}
