package escpossim

import (
	"errors"
	"fmt"

	"rsc.io/qr/coding"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/internal/qrsymbol"
)

// Geometry of an Epson-style 80 mm printer at 203 dpi (devices.md §3.3).
const (
	// DefaultWidth is the printable width of an 80 mm roll in dots.
	DefaultWidth = 576
	// defaultSpacing is the default line spacing in dots (ESC 2).
	defaultSpacing = 30
	// qrQuietZone is the white border around a QR symbol, in modules,
	// that the QR specification asks for and decoders rely on.
	qrQuietZone = 4
	// cutHeight is the strip a cut takes in the rendering.
	cutHeight = 24
	// tabColumns is the default distance of tab stops in characters.
	tabColumns = 8
)

// cellSize is the character cell of a font in dots: font A 12×24,
// font B 9×17.
func cellSize(font int) (w, h int) {
	if font == 1 {
		return 9, 17
	}
	return 12, 24
}

// ErrRender reports a stream that cannot be drawn: it ends inside a
// command, or a QR code cannot be encoded or does not fit the paper.
var ErrRender = errors.New("escpossim: cannot render")

// style is the print mode a character is printed in.
type style struct {
	font      int
	bold      bool
	underline int
	reverse   bool
	w, h      int // size multipliers, 1–8
}

// size is the character cell in this style.
func (s style) size() (w, h int) {
	cw, ch := cellSize(s.font)
	return cw * s.w, ch * s.h
}

// run is text printed in one style.
type run struct {
	style
	text []rune
}

// bandKind is what a strip of the receipt holds.
type bandKind uint8

const (
	bandText   bandKind = iota // a line of text (or an empty line)
	bandFeed                   // blank paper
	bandQR                     // a QR symbol
	bandRaster                 // a raster image
	bandCut                    // the cut
)

// band is one horizontal strip of the receipt.
type band struct {
	kind   bandKind
	align  int
	height int // in dots
	width  int // of the content, in dots
	runs   []run
	// QR symbol: the code, its module size, level and payload.
	qr      *coding.Code
	module  int
	level   coding.Level
	payload string
	// raster: rows of rowBytes bytes, MSB leftmost, each dot drawn
	// sx × sy.
	bits     []byte
	rowBytes int
	sx, sy   int
	// partial cut.
	partial bool
}

// page lays a command stream out into bands, as the printer's print
// buffer and modes would.
type page struct {
	width int
	style
	align   int
	spacing int
	table   int
	line    []run
	lineW   int

	qrModel, qrModule, qrLevel int
	qrData                     []byte

	bands []band
}

func newPage(width int) *page {
	pg := &page{width: width}
	pg.reset()
	return pg
}

// reset is ESC @: modes back to their defaults, the print buffer and the
// QR symbol storage cleared.
func (pg *page) reset() {
	pg.style = style{w: 1, h: 1}
	pg.align, pg.spacing, pg.table = 0, defaultSpacing, int(escpos.CodeTablePC437)
	pg.line, pg.lineW = nil, 0
	pg.qrModel, pg.qrModule, pg.qrLevel, pg.qrData = 50, 3, 48, nil
}

// layout parses stream and lays it out.
func layout(stream []byte, width int) (*page, error) {
	pg := newPage(width)
	for rest := stream; len(rest) > 0; {
		c, n, err := parse(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: stream ends inside a command (%d bytes left)", ErrRender, len(rest))
		}
		if err := pg.apply(c); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	return pg, nil
}

// apply carries out one command.
func (pg *page) apply(c command) error {
	switch c.op {
	case opText:
		for _, b := range c.data {
			pg.char(pg.decode(b))
		}
	case opTab:
		cw, _ := pg.size()
		for next := (pg.lineW/(cw*tabColumns) + 1) * cw * tabColumns; pg.lineW < next && pg.lineW+cw <= pg.width; {
			pg.char(' ')
		}
	case opLF:
		pg.flush()
	case opFeed:
		n := c.n
		if len(pg.line) > 0 {
			pg.flush()
			n--
		}
		for range n {
			pg.flush()
		}
	case opFeedDots:
		if len(pg.line) > 0 {
			pg.flush()
		}
		pg.feed(c.n)
	case opInit:
		pg.reset()
	case opCodeTable:
		pg.table = c.n
	case opAlign:
		if c.n <= 2 {
			pg.align = c.n
		}
	case opBold:
		pg.bold = c.n == 1
	case opUnderline:
		if c.n <= 2 {
			pg.underline = c.n
		}
	case opPrintMode:
		pg.font = c.n & 1
		pg.bold = c.n&0x08 != 0
		pg.h = 1 + c.n>>4&1
		pg.w = 1 + c.n>>5&1
		pg.underline = c.n >> 7 & 1
	case opFont:
		pg.font = c.n & 1
	case opLineSpacing:
		pg.spacing = c.n
		if c.n < 0 {
			pg.spacing = defaultSpacing
		}
	case opSize:
		pg.w, pg.h = c.n>>4&7+1, c.n&7+1
	case opReverse:
		pg.reverse = c.n == 1
	case opCut:
		if len(pg.line) > 0 {
			pg.flush()
		}
		pg.feed(c.m)
		pg.bands = append(pg.bands, band{kind: bandCut, height: cutHeight, partial: c.n == 1})
	case opQRModel:
		pg.qrModel = c.n
	case opQRModule:
		if c.n >= escpos.MinQRModule && c.n <= escpos.MaxQRModule {
			pg.qrModule = c.n
		}
	case opQRLevel:
		if c.n >= 48 && c.n <= 51 {
			pg.qrLevel = c.n
		}
	case opQRStore:
		pg.qrData = c.data
	case opQRPrint:
		return pg.printQR()
	case opRaster:
		pg.raster(c)
	}
	return nil
}

// decode maps a byte to its character in the current code table. Only
// WPC1252 is modelled fully; in the others the ASCII half is right.
func (pg *page) decode(b byte) rune {
	switch {
	case b < 0x80:
		return rune(b)
	case pg.table == int(escpos.CodeTableWPC1252):
		return escpos.RuneWPC1252(b)
	case pg.table == int(escpos.CodeTablePC858) && b == 0xD5:
		return '€'
	}
	return '\uFFFD'
}

// char adds r to the print buffer; a full line is printed first, as the
// printer does when characters exceed the print area.
func (pg *page) char(r rune) {
	cw, _ := pg.size()
	if pg.lineW+cw > pg.width && len(pg.line) > 0 {
		pg.flush()
	}
	if n := len(pg.line); n > 0 && pg.line[n-1].style == pg.style {
		pg.line[n-1].text = append(pg.line[n-1].text, r)
	} else {
		pg.line = append(pg.line, run{style: pg.style, text: []rune{r}})
	}
	pg.lineW += cw
}

// flush prints the buffer as one line (an empty buffer as a blank line).
func (pg *page) flush() {
	h := pg.spacing
	for _, r := range pg.line {
		_, ch := r.size()
		h = max(h, ch)
	}
	pg.bands = append(pg.bands, band{kind: bandText, align: pg.align, height: h, width: pg.lineW, runs: pg.line})
	pg.line, pg.lineW = nil, 0
}

// feed adds n dots of blank paper.
func (pg *page) feed(n int) {
	if n > 0 {
		pg.bands = append(pg.bands, band{kind: bandFeed, height: n})
	}
}

// printQR is GS ( k fn 81: the stored data as a symbol with the stored
// settings. Without data the printer prints nothing.
func (pg *page) printQR() error {
	if len(pg.line) > 0 {
		pg.flush()
	}
	if len(pg.qrData) == 0 {
		return nil
	}
	if pg.qrModel != 50 {
		return fmt.Errorf("%w: QR model %d (only model 2 is rendered)", ErrRender, pg.qrModel)
	}
	level := coding.Level(pg.qrLevel - 48)
	code, err := qrsymbol.Encode(pg.qrData, level)
	if err != nil {
		return fmt.Errorf("%w: QR code of %d bytes: %w", ErrRender, len(pg.qrData), err)
	}
	side := (code.Size + 2*qrQuietZone) * pg.qrModule
	if side > pg.width {
		return fmt.Errorf("%w: QR symbol of %d dots is wider than the paper (%d)", ErrRender, side, pg.width)
	}
	pg.bands = append(pg.bands, band{kind: bandQR, align: pg.align, height: side, width: side,
		qr: code, module: pg.qrModule, level: level, payload: string(pg.qrData)})
	return nil
}

// raster is GS v 0: a bit image, MSB leftmost, 1 = black; modes 1 and 3
// double the width, 2 and 3 the height.
func (pg *page) raster(c command) {
	if len(pg.line) > 0 {
		pg.flush()
	}
	sx, sy := 1+c.n&1, 1+c.n>>1&1
	w := min(c.w*8*sx, pg.width)
	if w == 0 || c.h == 0 {
		return
	}
	pg.bands = append(pg.bands, band{kind: bandRaster, align: pg.align, height: c.h * sy, width: w,
		bits: c.data, rowBytes: c.w, sx: sx, sy: sy})
}

// x0 is where content of width w starts on a line aligned by align.
func x0(align, w, width int) int {
	switch align {
	case 1:
		return max((width-w)/2, 0)
	case 2:
		return max(width-w, 0)
	}
	return 0
}
