package escpos

import (
	"errors"
	"fmt"
)

// Control bytes of ESC/POS.
const (
	EOT byte = 0x04 // second byte of DLE EOT (real-time status)
	ENQ byte = 0x05 // second byte of DLE ENQ (real-time request)
	HT  byte = 0x09 // horizontal tab
	LF  byte = 0x0A // print the line and feed one line
	DLE byte = 0x10 // starts a real-time command
	ESC byte = 0x1B // starts most commands
	FS  byte = 0x1C // starts kanji and NV commands
	GS  byte = 0x1D // starts the newer commands
)

// ErrInvalid reports an argument a printer cannot take (a size out of
// range, a QR payload too long, a job ID that is not 4 printable
// characters).
var ErrInvalid = errors.New("escpos: invalid argument")

// Align is a justification for ESC a.
type Align byte

// Justifications.
const (
	AlignLeft   Align = iota // flush left (the default)
	AlignCenter              // centred
	AlignRight               // flush right
)

// Font selects a character font with ESC M.
type Font byte

// Fonts. On an 80 mm printer font A (12×24 dots) gives 48 columns, font B
// (9×17 or 9×24) 64.
const (
	FontA Font = iota // 12×24 dots
	FontB             // 9×17 dots (9×24 on some models)
)

// CutMode is the kind of cut GS V makes.
type CutMode byte

// Cut modes of GS V function B: feed to the cutting position, then cut.
// Partial-cut-only models accept only CutPartial.
const (
	CutFull    CutMode = 65 // cut through
	CutPartial CutMode = 66 // leave one point uncut, so the receipt hangs
)

// Limits of the QR code functions (GS ( k, cn 49).
const (
	// MaxQRData is the capacity of a model 2 symbol (version 40) in byte
	// mode at level L; at level M it is less, and the printer prints
	// nothing for data it cannot fit.
	MaxQRData = 7089
	// MinQRModule and MaxQRModule bound the module size in dots.
	MinQRModule = 1
	MaxQRModule = 16
)

// qrLevelM is "error correction level M" for GS ( k fn 69: about 15 %
// of the symbol may be damaged, enough for thermal paper.
const qrLevelM = 49

// Builder assembles ESC/POS commands. The zero value is an empty job.
// Methods append to it; an invalid argument is recorded, the method
// appends nothing, and Err reports the first one. A receipt that lost a
// line must not be printed, so check Err before Bytes.
//
// Text is always encoded for code table WPC1252: select it with
// CodeTable(CodeTableWPC1252) after Init.
type Builder struct {
	buf []byte
	err error
}

// Bytes returns the commands appended so far. The slice aliases the
// builder's buffer until the next append.
func (b *Builder) Bytes() []byte { return b.buf }

// Err returns the first invalid argument, or nil.
func (b *Builder) Err() error { return b.err }

// Len is the number of bytes appended so far.
func (b *Builder) Len() int { return len(b.buf) }

// Reset empties the builder and forgets its error.
func (b *Builder) Reset() { b.buf, b.err = b.buf[:0], nil }

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("escpos: "+format+": %w", append(args, ErrInvalid)...)
	}
}

// Raw appends p unchanged, for commands the builder does not know.
func (b *Builder) Raw(p ...byte) { b.buf = append(b.buf, p...) }

// Init appends ESC @: it clears the print buffer and resets every mode,
// so a job does not inherit the styles of the one before.
func (b *Builder) Init() { b.buf = append(b.buf, ESC, '@') }

// CodeTable appends ESC t n, selecting the character code table.
func (b *Builder) CodeTable(n byte) { b.buf = append(b.buf, ESC, 't', n) }

// Text appends s in Windows-1252. A newline becomes LF (print the line),
// a tab HT; a carriage return is dropped (CRLF text) and every other
// control character becomes '?', so text can never smuggle in a command.
func (b *Builder) Text(s string) {
	for _, r := range s {
		switch {
		case r == '\n':
			b.buf = append(b.buf, LF)
		case r == '\t':
			b.buf = append(b.buf, HT)
		case r == '\r':
		case r < 0x20 || r == 0x7F:
			b.buf = append(b.buf, replacementByte)
		default:
			b.buf = appendWPC1252(b.buf, string(r))
		}
	}
}

// Line appends s (as Text does) and a line feed.
func (b *Builder) Line(s string) {
	b.Text(s)
	b.LF()
}

// LF appends a line feed: print the buffered line and advance one line.
func (b *Builder) LF() { b.buf = append(b.buf, LF) }

// Feed appends ESC d n: print the buffered line and feed n lines (0–255).
func (b *Builder) Feed(n int) {
	if n < 0 || n > 255 {
		b.fail("feed %d lines (want 0 to 255)", n)
		return
	}
	b.buf = append(b.buf, ESC, 'd', byte(n))
}

// Align appends ESC a n. It takes effect at the start of a line.
func (b *Builder) Align(a Align) {
	if a > AlignRight {
		b.fail("alignment %d", a)
		return
	}
	b.buf = append(b.buf, ESC, 'a', byte(a))
}

// Bold appends ESC E n, switching emphasis on or off.
func (b *Builder) Bold(on bool) { b.buf = append(b.buf, ESC, 'E', flag(on)) }

// Underline appends ESC - n: 0 off, 1 one dot thick, 2 two dots.
func (b *Builder) Underline(dots int) {
	if dots < 0 || dots > 2 {
		b.fail("underline %d dots (want 0 to 2)", dots)
		return
	}
	b.buf = append(b.buf, ESC, '-', byte(dots))
}

// Size appends GS ! n: characters width and height times as large as
// normal, each 1 to 8.
func (b *Builder) Size(width, height int) {
	if width < 1 || width > 8 || height < 1 || height > 8 {
		b.fail("character size %d×%d (want 1 to 8 each)", width, height)
		return
	}
	b.buf = append(b.buf, GS, '!', byte(width-1)<<4|byte(height-1))
}

// Font appends ESC M n.
func (b *Builder) Font(f Font) {
	if f > FontB {
		b.fail("font %d", f)
		return
	}
	b.buf = append(b.buf, ESC, 'M', byte(f))
}

// Cut appends GS V m n: feed to the cutter plus feed motion units, then
// cut fully or partially. The feed moves the last printed line past the
// cutter, which sits a few millimetres above the print head.
func (b *Builder) Cut(mode CutMode, feed int) {
	if mode != CutFull && mode != CutPartial {
		b.fail("cut mode %d", mode)
		return
	}
	if feed < 0 || feed > 255 {
		b.fail("cut feed %d (want 0 to 255)", feed)
		return
	}
	b.buf = append(b.buf, GS, 'V', byte(mode), byte(feed))
}

// QR appends the GS ( k sequence that prints data as a QR code: model 2,
// module size in dots (1 to 16), error correction level M, store the data,
// print the symbol. data goes into the symbol byte for byte (it is not
// converted to WPC1252); the RKSV and TSE payloads are ASCII.
func (b *Builder) QR(data string, module int) {
	switch {
	case len(data) == 0 || len(data) > MaxQRData:
		b.fail("QR data of %d bytes (want 1 to %d)", len(data), MaxQRData)
		return
	case module < MinQRModule || module > MaxQRModule:
		b.fail("QR module size %d (want %d to %d)", module, MinQRModule, MaxQRModule)
		return
	}
	b.qr('A', '2', 0)                          // fn 65: model 2
	b.qr('C', byte(module))                    // fn 67: module size
	b.qr('E', qrLevelM)                        // fn 69: error correction M
	b.qr('P', append([]byte{'0'}, data...)...) // fn 80: store
	b.qr('Q', '0')                             // fn 81: print
}

// qr appends one QR function: GS ( k pL pH cn fn params, where pL+256·pH
// counts cn, fn and params.
func (b *Builder) qr(fn byte, params ...byte) {
	n := len(params) + 2
	b.buf = append(b.buf, GS, '(', 'k', byte(n), byte(n>>8), '1', fn)
	b.buf = append(b.buf, params...)
}

// ConfirmationRequest appends GS ( H fn 48 with a 4-character id: the
// printer answers 37 22 id 00 once everything before it has been printed.
// It is how the driver learns that a receipt is on paper.
func (b *Builder) ConfirmationRequest(id string) {
	if err := CheckJobID(id); err != nil {
		if b.err == nil {
			b.err = err
		}
		return
	}
	b.buf = append(b.buf, GS, '(', 'H', 6, 0, '0', '0')
	b.buf = append(b.buf, id...)
}

// CheckJobID reports whether id can travel in GS ( H: exactly 4 bytes,
// each 0x20–0x7E. Errors wrap ErrInvalid.
func CheckJobID(id string) error {
	if len(id) != 4 {
		return fmt.Errorf("escpos: job id %q must be 4 characters: %w", id, ErrInvalid)
	}
	for i := range len(id) {
		if id[i] < 0x20 || id[i] > 0x7E {
			return fmt.Errorf("escpos: job id %q: byte %#02x is not printable ASCII: %w", id, id[i], ErrInvalid)
		}
	}
	return nil
}

func flag(on bool) byte {
	if on {
		return 1
	}
	return 0
}
