package escpossim

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Renderer draws what an ESC/POS stream prints. The zero value renders
// for an 80 mm roll (DefaultWidth dots).
type Renderer struct {
	// Width is the printable width in dots: 576 for 80 mm paper, 384 for
	// 58 mm. Zero means DefaultWidth.
	Width int
}

// Render draws stream for 80 mm paper; see Renderer.Image.
func Render(stream []byte) (image.Image, error) { return Renderer{}.Image(stream) }

// RenderText writes stream as text for 80 mm paper; see Renderer.Text.
func RenderText(stream []byte) (string, error) { return Renderer{}.Text(stream) }

// MaxHeight bounds the length of a rendered receipt in dots (about 2.5 m
// of paper), so that a garbled stream cannot allocate gigabytes.
const MaxHeight = 20000

func (r Renderer) width() int {
	if r.Width > 0 {
		return r.Width
	}
	return DefaultWidth
}

// Image draws the receipt stream prints, black on white, one pixel per
// dot: text lines with their alignment, emphasis, underline, reverse and
// size (glyphs from a 7×13 bitmap font scaled to the printer's cells; the
// layout is the printer's, the letter shapes are not), QR codes with
// their module size and a quiet zone of 4 modules, raster images, and
// cuts as dashed lines. Text still in the print buffer at the end is not
// drawn: the printer would not print it either.
//
// Errors wrap ErrRender.
func (r Renderer) Image(stream []byte) (image.Image, error) {
	pg, err := layout(stream, r.width())
	if err != nil {
		return nil, err
	}
	h := 0
	for _, b := range pg.bands {
		h += b.height
	}
	if h > MaxHeight {
		return nil, fmt.Errorf("%w: receipt of %d dots is longer than %d", ErrRender, h, MaxHeight)
	}
	img := image.NewGray(image.Rect(0, 0, pg.width, max(h, 1)))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	y := 0
	for _, b := range pg.bands {
		drawBand(img, b, y, pg.width)
		y += b.height
	}
	return img, nil
}

// drawBand draws b with its top at y.
func drawBand(img *image.Gray, b band, y, width int) {
	black := color.Gray{}
	x := x0(b.align, b.width, width)
	switch b.kind {
	case bandText:
		// Characters stand on a common baseline below the tallest cell;
		// the rest of the line spacing stays blank under them.
		top := 0
		for _, r := range b.runs {
			_, ch := r.size()
			top = max(top, ch)
		}
		for _, r := range b.runs {
			cw, ch := r.size()
			for _, c := range r.text {
				drawChar(img, image.Rect(x, y+top-ch, x+cw, y+top), c, r.style)
				x += cw
			}
		}
	case bandQR:
		q := qrQuietZone * b.module
		for my := range b.qr.Size {
			for mx := range b.qr.Size {
				if b.qr.Black(mx, my) {
					fill(img, image.Rect(x+q+mx*b.module, y+q+my*b.module, x+q+(mx+1)*b.module, y+q+(my+1)*b.module), black)
				}
			}
		}
	case bandRaster:
		for row := range b.height / b.sy {
			for col := range b.width / b.sx {
				i := row*b.rowBytes + col/8
				if i < len(b.bits) && b.bits[i]&(0x80>>(col%8)) != 0 {
					fill(img, image.Rect(x+col*b.sx, y+row*b.sy, x+(col+1)*b.sx, y+(row+1)*b.sy), black)
				}
			}
		}
	case bandCut:
		dash, gap := 16, 8
		if b.partial {
			dash, gap = 4, 4
		}
		for dx := 0; dx < width; dx += dash + gap {
			fill(img, image.Rect(dx, y+cutHeight/2-1, min(dx+dash, width), y+cutHeight/2+1), black)
		}
	}
}

// glyph geometry of basicfont.Face7x13: 7 dots advance, 6 wide, 13
// high.
const (
	glyphAdvance = 7
	glyphWidth   = 6
	glyphHeight  = 13
)

// drawChar draws c into cell, scaling the 7×13 glyph to the cell.
func drawChar(img *image.Gray, cell image.Rectangle, c rune, s style) {
	ink, paper := color.Gray{}, color.Gray{Y: 0xFF}
	if s.reverse {
		ink, paper = paper, ink
		fill(img, cell, paper)
	}
	base, dots := foldLatin1(c)
	face := basicfont.Face7x13
	_, mask, mp, _, ok := face.Glyph(fixed.Point26_6{}, base)
	if !ok {
		_, mask, mp, _, _ = face.Glyph(fixed.Point26_6{}, '\uFFFD')
	}
	var bits [glyphHeight][glyphWidth]bool
	for gy := range glyphHeight {
		for gx := range glyphWidth {
			_, _, _, a := mask.At(mp.X+gx, mp.Y+gy).RGBA()
			bits[gy][gx] = a > 0x7FFF
		}
	}
	if dots {
		// The two dots of an umlaut go above the x-height, or above
		// the capitals.
		row := 2
		if base >= 'A' && base <= 'Z' {
			row = 0
		}
		bits[row][1], bits[row][4] = true, true
	}
	on := func(gx, gy int) bool {
		return gx >= 0 && gx < glyphWidth && gy >= 0 && gy < glyphHeight && bits[gy][gx]
	}
	w, h := cell.Dx(), cell.Dy()
	for cy := range h {
		gy := cy * glyphHeight / h
		for cx := range w {
			gx := cx * glyphAdvance / w
			// Emphasis doubles every stroke one glyph dot to the right.
			if on(gx, gy) || s.bold && on(gx-1, gy) {
				img.SetGray(cell.Min.X+cx, cell.Min.Y+cy, ink)
			}
		}
	}
	if s.underline > 0 {
		fill(img, image.Rect(cell.Min.X, cell.Max.Y-s.underline*s.h, cell.Max.X, cell.Max.Y), ink)
	}
}

// latin1Base lists the base letters of U+00C0–U+00FF, which the 7×13 font
// lacks; 'x' and '/' stand for × and ÷.
const latin1Base = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYPsaaaaaaaceeeeiiiidnooooo/ouuuuypy"

// foldLatin1 returns the glyph to draw for c and whether to add umlaut
// dots (ä ö ü Ä Ö Ü ë ï ÿ Ë Ï).
func foldLatin1(c rune) (rune, bool) {
	if c < 0xC0 || c > 0xFF {
		return c, false
	}
	switch c {
	case 'Ä', 'Ö', 'Ü', 'Ë', 'Ï', 'ä', 'ö', 'ü', 'ë', 'ï', 'ÿ':
		return rune(latin1Base[c-0xC0]), true
	}
	return rune(latin1Base[c-0xC0]), false
}

func fill(img *image.Gray, r image.Rectangle, c color.Gray) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetGray(x, y, c)
		}
	}
}

// Text writes the receipt stream prints as text for golden tests: one
// line per printed line, indented by its alignment in font-A columns (48
// on 80 mm paper), trailing spaces removed; a QR code as
// "[QR <level> <n>x<n> module <m>] <payload>", a raster image as
// "[raster <w>x<h>]", a cut as "[full cut]" or "[partial cut]". Sizes
// and fonts change the indentation, not the letters; emphasis and
// underline are not shown.
//
// Errors wrap ErrRender.
func (r Renderer) Text(stream []byte) (string, error) {
	pg, err := layout(stream, r.width())
	if err != nil {
		return "", err
	}
	col, _ := cellSize(0)
	var sb strings.Builder
	for _, b := range pg.bands {
		indent := strings.Repeat(" ", x0(b.align, b.width, pg.width)/col)
		var line string
		switch b.kind {
		case bandText:
			var text strings.Builder
			for _, r := range b.runs {
				text.WriteString(string(r.text))
			}
			line = indent + text.String()
		case bandFeed:
			continue
		case bandQR:
			line = fmt.Sprintf("%s[QR %s %dx%d module %d] %s", indent, "LMQH"[b.level:b.level+1], b.qr.Size, b.qr.Size, b.module, b.payload)
		case bandRaster:
			line = fmt.Sprintf("%s[raster %dx%d]", indent, b.width, b.height)
		case bandCut:
			line = "[full cut]"
			if b.partial {
				line = "[partial cut]"
			}
		}
		sb.WriteString(strings.TrimRight(line, " "))
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}
