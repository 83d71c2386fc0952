package receipt

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"rsc.io/qr/coding"

	"github.com/fiscald/fiscald/internal/qrsymbol"
)

// Image geometry: the dot width of 80 mm thermal paper, laid out in the
// same 48 columns as the printer. Go Mono at 18 px advances 10.8 px per
// character, so 48 columns take 518 px and leave a margin of 29 px.
const (
	pngWidth   = 576
	pngColumns = 48
	pngSize    = 18 // font size in pixels (72 dpi)
	pngPadding = 24 // above the first and below the last line
)

// PNG renders the document as a grayscale image 576 pixels wide: the
// printing layout of 48 columns in a monospaced font, with the QR code
// drawn at 3 px per module or more inside its 4-module quiet zone. Items
// for the printed receipt only are left out; this is a digital receipt.
func PNG(doc *Document) ([]byte, error) {
	fs, err := monoFonts()
	if err != nil {
		return nil, err
	}
	p, err := newPainter(fs)
	if err != nil {
		return nil, err
	}
	lines := layoutLines(doc, pngColumns, DigitalOnly)
	img := image.NewGray(image.Rect(0, 0, pngWidth, p.height(lines)))
	fill(img, img.Rect, color.Gray{Y: 0xFF})
	y := pngPadding
	for _, ln := range lines {
		y += p.draw(img, ln, y)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("receipt: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// fonts are the parsed Go Mono faces; parsing is the slow part, so it is
// done once, and the parsed fonts are safe for concurrent use.
type fonts struct{ regular, bold *opentype.Font }

var monoFonts = sync.OnceValues(func() (fonts, error) {
	r, err := opentype.Parse(gomono.TTF)
	if err != nil {
		return fonts{}, fmt.Errorf("receipt: go mono: %w", err)
	}
	b, err := opentype.Parse(gomonobold.TTF)
	if err != nil {
		return fonts{}, fmt.Errorf("receipt: go mono bold: %w", err)
	}
	return fonts{regular: r, bold: b}, nil
})

// painter draws lines with faces of one PNG call (a font.Face is not safe
// for concurrent use). faces is indexed by [bold][double].
type painter struct {
	faces  [2][2]font.Face
	margin fixed.Int26_6
	codes  map[string]*coding.Code // encoded once for measuring and drawing
}

func newPainter(fs fonts) (*painter, error) {
	p := &painter{codes: map[string]*coding.Code{}}
	for b, f := range []*opentype.Font{fs.regular, fs.bold} {
		for d, size := range []float64{pngSize, 2 * pngSize} {
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				return nil, fmt.Errorf("receipt: font face: %w", err)
			}
			p.faces[b][d] = face
		}
	}
	p.margin = (fixed.I(pngWidth) - p.advance(false)*pngColumns) / 2
	return p, nil
}

func (p *painter) face(bold, double bool) font.Face { return p.faces[b2i(bold)][b2i(double)] }

// advance is the width of one character; Go Mono is monospaced.
func (p *painter) advance(double bool) fixed.Int26_6 {
	a, _ := p.face(false, double).GlyphAdvance('0')
	return a
}

func (p *painter) lineHeight(double bool) int {
	return p.face(false, double).Metrics().Height.Ceil()
}

func (p *painter) height(lines []Line) int {
	h := 2 * pngPadding
	for _, ln := range lines {
		h += p.lineSize(ln)
	}
	return h
}

// lineSize is the height a line takes.
func (p *painter) lineSize(ln Line) int {
	switch ln.Kind {
	case LineQR:
		code := p.code(ln.QR.Payload)
		if code == nil {
			return 0
		}
		return (code.Size + 2*quietZone) * moduleSize(code.Size, pngWidth)
	case LineCut:
		return 0
	}
	return p.lineHeight(ln.DoubleSize)
}

// draw paints one line with its top at y and returns its height.
func (p *painter) draw(img *image.Gray, ln Line, y int) int {
	switch ln.Kind {
	case LineQR:
		return p.drawQR(img, ln.QR.Payload, y)
	case LineCut:
		return 0
	}
	face := p.face(ln.Bold, ln.DoubleSize)
	cols := pngColumns
	if ln.DoubleSize {
		cols /= 2
	}
	var offset int
	switch ln.Align {
	case AlignCenter:
		offset = (cols - runeLen(ln.Text)) / 2
	case AlignRight:
		offset = cols - runeLen(ln.Text)
	}
	d := font.Drawer{Dst: img, Src: image.Black, Face: face}
	d.Dot = fixed.Point26_6{X: p.margin + p.advance(ln.DoubleSize)*fixed.Int26_6(max(offset, 0)), Y: fixed.I(y) + face.Metrics().Ascent}
	d.DrawString(ln.Text)
	return p.lineHeight(ln.DoubleSize)
}

// code encodes a payload, nil if it does not fit (the layout has then
// printed it as text instead).
func (p *painter) code(payload string) *coding.Code {
	if c, ok := p.codes[payload]; ok {
		return c
	}
	c, err := qrsymbol.Encode([]byte(payload), coding.M)
	if err != nil {
		c = nil
	}
	p.codes[payload] = c
	return c
}

// drawQR centres the code.
func (p *painter) drawQR(img *image.Gray, payload string, y int) int {
	code := p.code(payload)
	if code == nil {
		return 0
	}
	module := moduleSize(code.Size, pngWidth)
	side := (code.Size + 2*quietZone) * module
	return drawQR(img, code, (pngWidth-side)/2, y, module)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
