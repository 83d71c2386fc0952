package goldentest_test

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"rsc.io/qr/coding"

	"github.com/fiscald/fiscald/internal/goldentest"
	"github.com/fiscald/fiscald/internal/qrsymbol"
)

// gray is a w×h image of level v.
func gray(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

func TestDiffImages(t *testing.T) {
	want := gray(4, 4, 200)
	near := gray(4, 4, 200)
	near.SetGray(1, 2, color.Gray{Y: 190})
	far := gray(4, 4, 200)
	far.SetGray(1, 2, color.Gray{Y: 0})
	far.SetGray(3, 3, color.Gray{Y: 0})
	for _, c := range []struct {
		got       image.Image
		tolerance int
		want      string
	}{
		{gray(4, 4, 200), 0, ""},
		{near, 16, ""},
		{near, 9, "1 of 16 pixels differ, first at (1,2), all within (1,2)-(2,3)"},
		{far, 16, "2 of 16 pixels differ, first at (1,2), all within (1,2)-(4,4)"},
		{gray(4, 5, 200), 16, "image is 4x5, golden 4x4"},
	} {
		if got := goldentest.DiffImages(c.got, want, c.tolerance); got != c.want {
			t.Errorf("DiffImages(tolerance %d) = %q, want %q", c.tolerance, got, c.want)
		}
	}
}

// recorder keeps the errors Image reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestImage: -update writes the golden, a matching image passes, and a
// differing one is reported and written as an artifact.
func TestImage(t *testing.T) {
	dir := t.TempDir()
	goldentest.Image(t, dir, "a.png", gray(3, 3, 10), 0, true)
	b, err := os.ReadFile(filepath.Join(dir, "a.png"))
	if err != nil {
		t.Fatalf("-update wrote no golden: %v", err)
	}
	if d := goldentest.DiffImages(goldentest.DecodePNG(t, b), gray(3, 3, 10), 0); d != "" {
		t.Fatalf("written golden: %s", d)
	}

	r := &recorder{TB: t}
	goldentest.Image(r, dir, "a.png", gray(3, 3, 12), 2, false)
	if len(r.errs) != 0 {
		t.Errorf("image within tolerance reported: %q", r.errs)
	}

	changed := gray(3, 3, 10)
	changed.SetGray(2, 0, color.Gray{Y: 255})
	goldentest.Image(r, dir, "a.png", changed, 2, false)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "a.png: 1 of 9 pixels differ, first at (2,0)") {
		t.Fatalf("differing image reported as %q", r.errs)
	}
	b, err = os.ReadFile(filepath.Join(t.ArtifactDir(), "a.png"))
	if err != nil {
		t.Fatalf("no artifact: %v", err)
	}
	if d := goldentest.DiffImages(goldentest.DecodePNG(t, b), changed, 0); d != "" {
		t.Errorf("artifact is not the rendering: %s", d)
	}
}

func TestScanQR(t *testing.T) {
	const payload = "_R1-AT1_test_1"
	m, err := qrcode.NewQRCodeWriter().EncodeWithoutHint(payload, gozxing.BarcodeFormat_QR_CODE, 200, 200)
	if err != nil {
		t.Fatal(err)
	}
	img := gray(m.GetWidth(), m.GetHeight(), 255)
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			if m.Get(x, y) {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
	if got := goldentest.ScanQR(t, img); got != payload {
		t.Errorf("ScanQR = %q, want %q", got, payload)
	}
}

// TestScanQRTurns: a clean symbol on which the decoder, reading the image
// as it is, settles on a false finder pattern ("dimension = 43") is still
// read, by turning the image.
func TestScanQRTurns(t *testing.T) {
	const payload = "_R1-AT1_DEMO-CB1_ft1A#1_2026-11-30T12:00:00_12,50_0,00_0,00_0,00_0,00_0e80qe3yPJA=_lj+Ou6ZOfH4=_6/Q66z/ZHTY=_0e80qe3yPJCWP467pk58fuv0Ous/2R02VKVwWrMaG5vy8mQSDkam6MxAHA9KvMlYnG4iLTOY/jZr0RqYSqL2Kw=="
	code, err := qrsymbol.Encode([]byte(payload), coding.M)
	if err != nil {
		t.Fatal(err)
	}
	const module, quiet = 4, 4
	side := (code.Size + 2*quiet) * module
	img := gray(side, side, 255)
	for y := range side {
		for x := range side {
			if mx, my := x/module-quiet, y/module-quiet; mx >= 0 && my >= 0 && code.Black(mx, my) {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qrcode.NewQRCodeReader().DecodeWithoutHints(bmp); err == nil {
		t.Log("the decoder now reads this symbol upright; pick another one to keep the turning tested")
	}
	if got := goldentest.ScanQR(t, img); got != payload {
		t.Errorf("ScanQR = %q, want %q", got, payload)
	}
}
