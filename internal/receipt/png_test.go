package receipt

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"regexp"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// TestPNG: the image is 576 px wide and a QR reader gets the signed
// payload back, exactly. No golden images: font rasterising may change.
func TestPNG(t *testing.T) {
	for _, r := range testReceipts {
		t.Run(r.name, func(t *testing.T) {
			b, err := PNG(build(t, r))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w != 576 {
				t.Errorf("width %d, want 576", w)
			}
			if got := scanQR(t, img); got != r.qr {
				t.Errorf("QR reads %q, want %q", got, r.qr)
			}
		})
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
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := scanQR(t, img); got != cardQR {
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
