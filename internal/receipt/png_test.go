package receipt

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
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
			goldenImage(t, r.name+".png", img)
			if got := scanQR(t, img); got != r.qr {
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
	return decodePNG(t, b)
}

// pngTolerance is how far a gray level may stray from the golden. The
// glyphs are anti-aliased with floating-point arithmetic, which the
// compiler may fuse (FMA) on some architectures, moving an edge pixel by
// a level or two; a changed character or line moves dozens of pixels by
// up to 255 (TestGoldenSeesChange).
const pngTolerance = 16

// goldenImage compares decoded pixels, not PNG files: the encoder's
// compression may change between Go releases. -update rewrites a golden
// only if its pixels differ. A differing image is written to the test's
// artifact directory (kept with go test -artifacts).
func goldenImage(t *testing.T, name string, got image.Image) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	want, err := os.ReadFile(path)
	switch {
	case err != nil && !*update:
		t.Fatalf("%v (go test -update creates it)", err)
	case err == nil:
		d := diffImages(got, decodePNG(t, want))
		if d == "" {
			return
		}
		if !*update {
			out := filepath.Join(t.ArtifactDir(), name)
			writePNG(t, out, got)
			t.Errorf("%s: %s (rendering written to %s, kept with go test -artifacts; go test -update rewrites the golden)", name, d, out)
			return
		}
	}
	writePNG(t, path, got)
}

// diffImages compares two images by their gray levels, within
// pngTolerance, and describes the difference, or returns "".
func diffImages(got, want image.Image) string {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Size() != wb.Size() {
		return fmt.Sprintf("image is %dx%d, golden %dx%d", gb.Dx(), gb.Dy(), wb.Dx(), wb.Dy())
	}
	var n int
	var first image.Point
	var box image.Rectangle
	for y := range gb.Dy() {
		for x := range gb.Dx() {
			g := int(color.GrayModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.Gray).Y)
			w := int(color.GrayModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.Gray).Y)
			if abs(g-w) <= pngTolerance {
				continue
			}
			px := image.Rect(x, y, x+1, y+1)
			if n == 0 {
				first, box = px.Min, px
			}
			box = box.Union(px)
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d pixels differ, first at %v, all within %v", n, gb.Dx()*gb.Dy(), first, box)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

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
	if diffImages(pngOf(t, doc), decodePNG(t, read(cashSale.name+".png"))) == "" {
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
	if got := scanQR(t, decodePNG(t, raw)); got != cardQR {
		t.Errorf("QR reads %q, want %q", got, cardQR)
	}
}

func scanQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().DecodeWithoutHints(bmp)
	if err != nil {
		t.Fatalf("no QR code found: %v", err)
	}
	return res.GetText()
}
