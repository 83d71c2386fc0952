package escpossim

import (
	"errors"

	"github.com/fiscald/fiscald/device/escpos"
)

// errIncomplete reports that the bytes end inside a command: read more.
var errIncomplete = errors.New("escpossim: command incomplete")

// maxCommand bounds the length a command may declare. Longer ones (a
// raster image of absurd size, or garbage read as a header) are skipped
// header first, so a bad stream cannot make the simulator buffer without
// limit.
const maxCommand = 1 << 20

// op says what a command does.
type op uint8

const (
	opSkip           op = iota // no effect (unknown, or not modelled)
	opText                     // print data: data holds the bytes
	opLF                       // print the line and feed one line
	opTab                      // horizontal tab
	opInit                     // ESC @
	opCodeTable                // ESC t n
	opFeed                     // ESC d n: print and feed n lines
	opFeedDots                 // ESC J n: print and feed n dots
	opAlign                    // ESC a n
	opBold                     // ESC E n, ESC G n
	opUnderline                // ESC - n
	opPrintMode                // ESC ! n
	opFont                     // ESC M n
	opLineSpacing              // ESC 3 n; ESC 2 sets n = -1 (default)
	opSize                     // GS ! n
	opReverse                  // GS B n
	opCut                      // GS V, ESC i, ESC m: n = 0 full, 1 partial; m = feed
	opQRModel                  // GS ( k fn 65: n = model
	opQRModule                 // GS ( k fn 67: n = module size
	opQRLevel                  // GS ( k fn 69: n = level 48..51
	opQRStore                  // GS ( k fn 80: data
	opQRPrint                  // GS ( k fn 81
	opRaster                   // GS v 0: n = mode, w = width bytes, h = dots; data
	opConfirm                  // GS ( H fn 48: data = id
	opStatusRequest            // GS r n
	opIDRequest                // GS I n
	opRealtimeStatus           // DLE EOT n
	opRealtimeOther            // DLE ENQ, DLE DC4: recognised, not modelled
)

// command is one parsed ESC/POS command.
type command struct {
	op   op
	n, m int
	w, h int
	data []byte
	raw  []byte
}

// realtime reports whether the printer acts on the command as it arrives,
// ahead of the data waiting in its buffer.
func (c command) realtime() bool { return c.op == opRealtimeStatus || c.op == opRealtimeOther }

// query reports whether the command asks for an answer without printing.
func (c command) query() bool {
	return c.op == opStatusRequest || c.op == opIDRequest || c.op == opConfirm
}

// lines is how many lines the command moves the paper: what PaperOutAfter
// counts and what the print delay is charged for.
func (c command) lines() int {
	switch c.op {
	case opLF, opQRPrint, opRaster:
		return 1
	case opFeed:
		return max(c.n, 1)
	}
	return 0
}

// moves reports whether the command needs paper (prints or feeds).
func (c command) moves() bool {
	switch c.op {
	case opLF, opFeed, opFeedDots, opCut, opQRPrint, opRaster:
		return true
	}
	return false
}

// parse decodes the first command in p and returns it with the number of
// bytes it took, or errIncomplete. Any byte sequence parses: unknown
// commands are skipped by their known or presumed length, stray control
// bytes one at a time, so a stream the simulator does not understand can
// garble a receipt but never stall or crash it.
func parse(p []byte) (command, int, error) {
	if len(p) == 0 {
		return command{}, 0, errIncomplete
	}
	var (
		c   command
		n   int
		err error
	)
	switch b := p[0]; {
	case isText(b):
		n = 1
		for n < len(p) && isText(p[n]) {
			n++
		}
		c = command{op: opText, data: p[:n]}
	case b == escpos.LF:
		c, n = command{op: opLF}, 1
	case b == escpos.HT:
		c, n = command{op: opTab}, 1
	case b == escpos.ESC:
		c, n, err = parseESC(p)
	case b == escpos.GS:
		c, n, err = parseGS(p)
	case b == escpos.FS:
		c, n, err = parseFS(p)
	case b == escpos.DLE:
		c, n, err = parseDLE(p)
	default:
		// CR (ignored while auto line feed is off, the default), FF
		// (ignored in standard mode), NUL and the other controls.
		c, n = command{op: opSkip}, 1
	}
	if err != nil {
		return command{}, 0, err
	}
	c.raw = p[:n]
	return c, n, nil
}

// isText reports whether b is a printable character (code table
// position).
func isText(b byte) bool { return b >= 0x20 && b != 0x7F }

// need returns errIncomplete unless p holds n bytes.
func need(p []byte, n int) error {
	if len(p) < n {
		return errIncomplete
	}
	return nil
}

// fixedLen is a command of n bytes whose first parameter (if any) is at
// index 2.
func fixedLen(p []byte, o op, n int) (command, int, error) {
	if err := need(p, n); err != nil {
		return command{}, 0, err
	}
	c := command{op: o}
	if n > 2 {
		c.n = int(p[2])
	}
	return c, n, nil
}

// escOneParam lists the ESC commands with one parameter byte that the
// simulator does not model.
const escOneParam = " %=?RTUVeru{"

func parseESC(p []byte) (command, int, error) {
	if err := need(p, 2); err != nil {
		return command{}, 0, err
	}
	switch p[1] {
	case '@':
		return fixedLen(p, opInit, 2)
	case 't':
		return fixedLen(p, opCodeTable, 3)
	case 'd':
		return fixedLen(p, opFeed, 3)
	case 'J':
		return fixedLen(p, opFeedDots, 3)
	case 'a':
		c, n, err := fixedLen(p, opAlign, 3)
		c.n = param01(c.n)
		return c, n, err
	case 'E', 'G':
		c, n, err := fixedLen(p, opBold, 3)
		c.n &= 1
		return c, n, err
	case '-':
		c, n, err := fixedLen(p, opUnderline, 3)
		c.n = param01(c.n)
		return c, n, err
	case '!':
		return fixedLen(p, opPrintMode, 3)
	case 'M':
		c, n, err := fixedLen(p, opFont, 3)
		c.n = param01(c.n)
		return c, n, err
	case '2':
		c, n, err := fixedLen(p, opLineSpacing, 2)
		c.n = -1
		return c, n, err
	case '3':
		return fixedLen(p, opLineSpacing, 3)
	case 'i':
		c, n, err := fixedLen(p, opCut, 2)
		c.n = 1
		return c, n, err
	case 'm':
		c, n, err := fixedLen(p, opCut, 2)
		c.n = 1
		return c, n, err
	case 'p':
		// Drawer kick: m t1 t2.
		return fixedLen(p, opSkip, 5)
	case '$', '\\':
		return fixedLen(p, opSkip, 4)
	case 'W':
		return fixedLen(p, opSkip, 10)
	case 'c':
		// ESC c 3 n, ESC c 4 n, ESC c 5 n: panel and sensor settings.
		return fixedLen(p, opSkip, 4)
	case 'D':
		// Tab positions: up to 32 bytes ending in NUL.
		for i := 2; i < len(p) && i < 2+33; i++ {
			if p[i] == 0 {
				return command{op: opSkip}, i + 1, nil
			}
		}
		if len(p) < 2+33 {
			return command{}, 0, errIncomplete
		}
		return command{op: opSkip}, 2, nil
	case '*':
		// Bit image: m nL nH, then n columns of 1 or 3 bytes.
		if err := need(p, 5); err != nil {
			return command{}, 0, err
		}
		k := int(p[3]) + int(p[4])<<8
		if p[2] == 32 || p[2] == 33 {
			k *= 3
		}
		return sized(p, 5, k)
	case '&':
		return parseUserChars(p)
	case '(':
		return lengthPrefixed(p, opSkip)
	}
	if contains(escOneParam, p[1]) {
		return fixedLen(p, opSkip, 3)
	}
	// Unknown or parameterless (ESC <, ESC L, ESC S, ESC FF, …).
	return command{op: opSkip}, 2, nil
}

// parseUserChars skips ESC & y c1 c2 [x d1…d(y·x)]…, the definition of
// user-defined characters.
func parseUserChars(p []byte) (command, int, error) {
	if err := need(p, 5); err != nil {
		return command{}, 0, err
	}
	y, c1, c2 := int(p[2]), int(p[3]), int(p[4])
	i := 5
	for c := c1; c <= c2 && c1 <= c2; c++ {
		if err := need(p, i+1); err != nil {
			return command{}, 0, err
		}
		i += 1 + y*int(p[i])
		if i > maxCommand {
			return command{op: opSkip}, 5, nil
		}
	}
	if err := need(p, i); err != nil {
		return command{}, 0, err
	}
	return command{op: opSkip}, i, nil
}

// gsOneParam lists the GS commands with one parameter byte that the
// simulator does not model.
const gsOneParam = "/EHTabfhjw"

func parseGS(p []byte) (command, int, error) {
	if err := need(p, 2); err != nil {
		return command{}, 0, err
	}
	switch p[1] {
	case '!':
		return fixedLen(p, opSize, 3)
	case 'B':
		c, n, err := fixedLen(p, opReverse, 3)
		c.n &= 1
		return c, n, err
	case 'V':
		return parseCut(p)
	case 'r':
		return fixedLen(p, opStatusRequest, 3)
	case 'I':
		return fixedLen(p, opIDRequest, 3)
	case '(':
		return parseGSParen(p)
	case 'v':
		return parseRaster(p)
	case 'k':
		return parseBarcode(p)
	case '8':
		// GS 8 L p1 p2 p3 p4 …: 4-byte little-endian length.
		if err := need(p, 7); err != nil {
			return command{}, 0, err
		}
		k := int(p[3]) | int(p[4])<<8 | int(p[5])<<16 | int(p[6])<<24
		return sized(p, 7, k)
	case '*':
		// Downloaded bit image: x y, then x·y·8 bytes.
		if err := need(p, 4); err != nil {
			return command{}, 0, err
		}
		return sized(p, 4, int(p[2])*int(p[3])*8)
	case '$', 'L', 'P', 'W', '\\':
		return fixedLen(p, opSkip, 4)
	case '^', 'g', 'z':
		return fixedLen(p, opSkip, 5)
	}
	if contains(gsOneParam, p[1]) {
		return fixedLen(p, opSkip, 3)
	}
	return command{op: opSkip}, 2, nil
}

// parseCut decodes GS V m [n]: function A (m 0, 1, 48, 49) has no n;
// function B (65, 66) and C/D (97, 98, 103, 104) have one.
func parseCut(p []byte) (command, int, error) {
	if err := need(p, 3); err != nil {
		return command{}, 0, err
	}
	m := p[2]
	switch m {
	case 0, 48:
		return command{op: opCut, n: 0}, 3, nil
	case 1, 49:
		return command{op: opCut, n: 1}, 3, nil
	case 65, 66, 97, 98, 103, 104:
		if err := need(p, 4); err != nil {
			return command{}, 0, err
		}
		return command{op: opCut, n: int(m-1) & 1, m: int(p[3])}, 4, nil
	}
	return command{op: opSkip}, 3, nil
}

// parseGSParen decodes GS ( fn pL pH …; the QR code (k, cn 49) and
// process-ID (H, fn 48) functions are modelled, the others skipped by
// their length.
func parseGSParen(p []byte) (command, int, error) {
	c, n, err := lengthPrefixed(p, opSkip)
	if err != nil || n <= 5 {
		return c, n, err
	}
	body := p[5:n]
	switch {
	case p[2] == 'k' && len(body) >= 2 && body[0] == '1':
		c = qrFunction(body[1], body[2:])
	case p[2] == 'H' && len(body) == 6 && body[0] == '0' && body[1] == '0':
		c = command{op: opConfirm, data: body[2:]}
	}
	return c, n, nil
}

// qrFunction decodes the parameters of GS ( k cn 49 function fn.
func qrFunction(fn byte, params []byte) command {
	switch {
	case fn == 'A' && len(params) == 2:
		return command{op: opQRModel, n: int(params[0])}
	case fn == 'C' && len(params) == 1:
		return command{op: opQRModule, n: int(params[0])}
	case fn == 'E' && len(params) == 1:
		return command{op: opQRLevel, n: int(params[0])}
	case fn == 'P' && len(params) >= 1 && params[0] == '0':
		return command{op: opQRStore, data: params[1:]}
	case fn == 'Q' && len(params) == 1 && params[0] == '0':
		return command{op: opQRPrint}
	}
	return command{op: opSkip}
}

// parseRaster decodes GS v 0 m xL xH yL yH d…: x bytes per row, y rows.
func parseRaster(p []byte) (command, int, error) {
	if err := need(p, 8); err != nil {
		return command{}, 0, err
	}
	if p[2] != '0' {
		return command{op: opSkip}, 2, nil
	}
	w, h := int(p[4])|int(p[5])<<8, int(p[6])|int(p[7])<<8
	c, n, err := sized(p, 8, w*h)
	if err != nil || n == 8 && w*h > 0 {
		return c, n, err
	}
	return command{op: opRaster, n: int(p[3]) & 3, w: w, h: h, data: p[8:n]}, n, nil
}

// parseBarcode skips GS k: function A (m 0–6) ends at NUL, function B
// (m 65–79) carries a length byte. Barcodes are not rendered.
func parseBarcode(p []byte) (command, int, error) {
	if err := need(p, 3); err != nil {
		return command{}, 0, err
	}
	m := p[2]
	if m <= 6 {
		for i := 3; i < len(p) && i < 3+256; i++ {
			if p[i] == 0 {
				return command{op: opSkip}, i + 1, nil
			}
		}
		if len(p) < 3+256 {
			return command{}, 0, errIncomplete
		}
		return command{op: opSkip}, 3, nil
	}
	if err := need(p, 4); err != nil {
		return command{}, 0, err
	}
	return sized(p, 4, int(p[3]))
}

func parseFS(p []byte) (command, int, error) {
	if err := need(p, 2); err != nil {
		return command{}, 0, err
	}
	switch p[1] {
	case '(':
		return lengthPrefixed(p, opSkip)
	case '!', '-', 'C', 'W':
		return fixedLen(p, opSkip, 3)
	case 'S', 'p':
		return fixedLen(p, opSkip, 4)
	case '2':
		return fixedLen(p, opSkip, 76)
	}
	return command{op: opSkip}, 2, nil
}

// parseDLE decodes the real-time commands.
func parseDLE(p []byte) (command, int, error) {
	if err := need(p, 2); err != nil {
		return command{}, 0, err
	}
	switch p[1] {
	case escpos.EOT:
		return fixedLen(p, opRealtimeStatus, 3)
	case escpos.ENQ:
		return fixedLen(p, opRealtimeOther, 3)
	case 0x14: // DC4
		if err := need(p, 3); err != nil {
			return command{}, 0, err
		}
		switch p[2] {
		case 7:
			return fixedLen(p, opRealtimeOther, 4)
		case 8:
			return fixedLen(p, opRealtimeOther, 10)
		case 3:
			return fixedLen(p, opRealtimeOther, 8)
		}
		return fixedLen(p, opRealtimeOther, 5)
	}
	// A lone DLE is no command; the byte after it is parsed anew.
	return command{op: opSkip}, 1, nil
}

// lengthPrefixed takes X fn pL pH and pL+256·pH bytes.
func lengthPrefixed(p []byte, o op) (command, int, error) {
	if err := need(p, 5); err != nil {
		return command{}, 0, err
	}
	c, n, err := sized(p, 5, int(p[3])|int(p[4])<<8)
	c.op = o
	return c, n, err
}

// sized takes a header of head bytes and k bytes after it; a k above
// maxCommand skips just the header.
func sized(p []byte, head, k int) (command, int, error) {
	if k > maxCommand {
		return command{op: opSkip}, head, nil
	}
	if err := need(p, head+k); err != nil {
		return command{}, 0, err
	}
	return command{op: opSkip}, head + k, nil
}

// param01 reads the parameters that accept both n and the ASCII digit
// '0'+n (ESC a 1 and ESC a '1' are the same).
func param01(n int) int {
	if n >= '0' && n <= '9' {
		return n - '0'
	}
	return n
}

func contains(set string, b byte) bool {
	for i := range len(set) {
		if set[i] == b {
			return true
		}
	}
	return false
}
