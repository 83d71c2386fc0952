package printjob_test

import (
	"bytes"
	"testing"

	"github.com/fiscald/fiscald/internal/printjob"
	"github.com/fiscald/fiscald/internal/receipt"
)

// TestEncodeCommands pins the command sequence of each kind of line,
// written out by hand rather than with escpos.Builder.
func TestEncodeCommands(t *testing.T) {
	const esc, gs, lf = 0x1B, 0x1D, 0x0A
	lines := []receipt.Line{
		{Text: "Bäckerei €", Align: receipt.AlignCenter, Bold: true, DoubleSize: true},
		{Text: "Summe 3,00", Align: receipt.AlignRight},
		{Text: "plain"},
		{Kind: receipt.LineQR, QR: receipt.QRCode{Payload: "_R1-AT1", ModuleSize: 5, Level: 'M'}},
		{Kind: receipt.LineCut},
	}
	want := []byte{
		esc, 't', 16, // code table WPC1252
		esc, 'a', 1, esc, 'E', 1, gs, '!', 0x11, // centred, bold, 2×2
		'B', 0xE4, 'c', 'k', 'e', 'r', 'e', 'i', ' ', 0x80, lf, // ä and € in Windows-1252
		gs, '!', 0x00, esc, 'E', 0,
		esc, 'a', 2, esc, 'E', 0, 'S', 'u', 'm', 'm', 'e', ' ', '3', ',', '0', '0', lf, esc, 'E', 0,
		esc, 'a', 0, esc, 'E', 0, 'p', 'l', 'a', 'i', 'n', lf, esc, 'E', 0,
		esc, 'a', 1, // the code is centred
		gs, '(', 'k', 4, 0, '1', 'A', '2', 0, // model 2
		gs, '(', 'k', 3, 0, '1', 'C', 5, // module size of the layout
		gs, '(', 'k', 3, 0, '1', 'E', 49, // level M
		gs, '(', 'k', 10, 0, '1', 'P', '0', '_', 'R', '1', '-', 'A', 'T', '1', // store, verbatim
		gs, '(', 'k', 3, 0, '1', 'Q', '0', // print
		lf,
		gs, 'V', 66, 3, // partial cut after a feed
	}
	if got := printjob.Encode(lines); !bytes.Equal(got, want) {
		t.Errorf("Encode =\n% x\nwant\n% x", got, want)
	}
}

// TestEncodeNoCommandsFromText: text cannot carry a command, even if a
// control character got past the layout.
func TestEncodeNoCommandsFromText(t *testing.T) {
	got := printjob.Encode([]receipt.Line{{Text: "a\x1b@b\x1dV\x00c"}})
	if want := []byte("a?@b?V?c\n"); !bytes.Contains(got, want) {
		t.Errorf("Encode = %q, want the text as %q", got, want)
	}
}

func TestEncodeEmpty(t *testing.T) {
	if got := printjob.Encode(nil); !bytes.Equal(got, []byte{0x1B, 't', 16}) {
		t.Errorf("Encode(nil) = % x", got)
	}
}
