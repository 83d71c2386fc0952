package receipt

import (
	"bytes"
	"encoding/base64"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/internal/goldentest"
)

// TestPNG: the image is 576 px wide, matches its golden <name>.png pixel
// for pixel, and a QR reader gets the signed payload back, exactly.
func TestPNG(t *testing.T) {
	for _, r := range testReceipts {
		t.Run(r.name, func(t *testing.T) {
			img := pngOf(t, build(t, r))
			if w := img.Bounds().Dx(); w != 576 {
				t.Errorf("width %d, want 576", w)
			}
			goldentest.Image(t, goldenDir, r.name+".png", img, pngTolerance, *update)
			if got := goldentest.ScanQR(t, img); got != r.qr {
				t.Errorf("QR reads %q, want %q", got, r.qr)
			}
		})
	}
}

func pngOf(t *testing.T, doc *Document) image.Image {
	t.Helper()
	b, err := PNG(doc)
	if err != nil {
		t.Fatal(err)
	}
	return goldentest.DecodePNG(t, b)
}

// pngTolerance is how far a gray level may stray from the golden. The
// glyphs are anti-aliased with floating-point arithmetic, which the
// compiler may fuse (FMA) on some architectures, moving an edge pixel by
// a level or two; a changed character or line moves dozens of pixels by
// up to 255 (TestGoldenSeesChange).
const pngTolerance = 16

// TestGoldenSeesChange: one byte changed in an input changes every
// output, and the golden comparisons report it. Guards against goldens
// that compare nothing.
func TestGoldenSeesChange(t *testing.T) {
	req := strings.Replace(cashSale.request, `"Melange"`, `"Melangf"`, 1)
	if req == cashSale.request {
		t.Fatal("no Melange in the input")
	}
	doc, err := Build([]byte(req), []byte(cashSale.response))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(goldenDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if bytes.Equal([]byte(Text(doc, 48)), read(cashSale.name+".txt")) {
		t.Error("text unchanged")
	}
	if bytes.Equal(dataURI.ReplaceAll(HTML(doc), []byte("data:image/png;base64,QR")), read(cashSale.name+".html")) {
		t.Error("page unchanged")
	}
	if goldentest.DiffImages(pngOf(t, doc), goldentest.DecodePNG(t, read(cashSale.name+".png")), pngTolerance) == "" {
		t.Error("image unchanged")
	}
}

// TestHTMLQR: the page's inline image carries the same payload.
func TestHTMLQR(t *testing.T) {
	m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindSubmatch(HTML(build(t, cardSale)))
	if m == nil {
		t.Fatal("no inline QR image")
	}
	// html/template writes '+' as &#43; inside the attribute.
	raw, err := base64.StdEncoding.DecodeString(string(bytes.ReplaceAll(m[1], []byte("&#43;"), []byte("+"))))
	if err != nil {
		t.Fatal(err)
	}
	if got := goldentest.ScanQR(t, goldentest.DecodePNG(t, raw)); got != cardQR {
		t.Errorf("QR reads %q, want %q", got, cardQR)
	}
}
