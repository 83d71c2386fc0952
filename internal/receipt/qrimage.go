package receipt

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"

	"rsc.io/qr/coding"

	"github.com/fiscald/fiscald/internal/qrsymbol"
)

// drawQR paints code into img with its top-left quiet-zone corner at
// (x, y), module pixels per module; it returns the side of the square,
// quiet zone included. Modules are solid black on white, never
// anti-aliased, so scanners see sharp edges.
func drawQR(img *image.Gray, code *coding.Code, x, y, module int) int {
	side := (code.Size + 2*quietZone) * module
	fill(img, image.Rect(x, y, x+side, y+side), color.Gray{Y: 0xFF})
	for my := range code.Size {
		for mx := range code.Size {
			if code.Black(mx, my) {
				px, py := x+(mx+quietZone)*module, y+(my+quietZone)*module
				fill(img, image.Rect(px, py, px+module, py+module), color.Gray{})
			}
		}
	}
	return side
}

func fill(img *image.Gray, r image.Rectangle, c color.Gray) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := range row {
			row[i] = c.Y
		}
	}
}

// qrDataURI encodes payload as a PNG data: URI for the HTML page, or ""
// when it does not fit in a QR code. The image is small (4 px modules);
// the page scales it up with crisp edges.
func qrDataURI(payload string) string {
	code, err := qrsymbol.Encode([]byte(payload), coding.M)
	if err != nil {
		return ""
	}
	const module = 4
	side := (code.Size + 2*quietZone) * module
	img := image.NewGray(image.Rect(0, 0, side, side))
	drawQR(img, code, 0, 0, module)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
