// Package printjob turns the printing layout of a receipt
// ([receipt.Lines]) into the ESC/POS job a receipt printer prints. It is
// the one encoder between the layout engine and the printers: the daemon
// hands [Encode] to the issue service, and the goldens in
// testdata/receipts pin its output byte for byte.
//
// The layout has already decided everything a reader sees (line breaks,
// widths, which items are printed), so the encoder only maps characters
// and emphasis to commands: Windows-1252 text (code table 16, where the
// euro sign is one byte), alignment, bold and double size per line, the
// QR code centred at the module size the layout suggests, and a partial
// cut. It knows nothing about fiscal rules and never touches the QR
// payload.
package printjob

import (
	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/internal/receipt"
)

// cutFeed is the feed, in motion units, before the partial cut, so the
// last printed line clears the cutter.
const cutFeed = 3

// Encode returns the ESC/POS commands that print lines:
//
//   - first ESC t 16, selecting code table WPC1252, in which all text is
//     encoded (characters the table lacks print as '?');
//   - a text line sets its alignment (ESC a) and emphasis (ESC E), and for
//     DoubleSize the character size 2×2 (GS !) around it, then prints the
//     text with LF; size and emphasis are reset after the line, alignment
//     is set anew by the next line;
//   - a QR line is centred and printed as a model 2 symbol at error
//     correction level M with the line's module size, followed by LF;
//   - a cut line feeds cutFeed motion units and cuts partially (GS V 66).
//
// The job does not start with ESC @ and carries no confirmation request:
// the printer driver frames it. Text goes through [escpos.Builder.Text],
// so even a control character that slipped past the layout (which strips
// them) cannot become a command. A QR line the printer cannot take (an
// empty payload or one over [escpos.MaxQRData] bytes, a module size out of
// 1–16) prints no symbol; [receipt.Lines] produces neither.
func Encode(lines []receipt.Line) []byte {
	var b escpos.Builder
	b.CodeTable(escpos.CodeTableWPC1252)
	for _, l := range lines {
		switch l.Kind {
		case receipt.LineQR:
			b.Align(escpos.AlignCenter)
			b.QR(l.QR.Payload, l.QR.ModuleSize)
			b.LF()
		case receipt.LineCut:
			b.Cut(escpos.CutPartial, cutFeed)
		default:
			b.Align(alignOf(l.Align))
			b.Bold(l.Bold)
			if l.DoubleSize {
				b.Size(2, 2)
			}
			b.Line(l.Text)
			if l.DoubleSize {
				b.Size(1, 1)
			}
			b.Bold(false)
		}
	}
	return b.Bytes()
}

// alignOf maps the layout's alignment to ESC a; anything unknown is left.
func alignOf(a receipt.Align) escpos.Align {
	switch a {
	case receipt.AlignCenter:
		return escpos.AlignCenter
	case receipt.AlignRight:
		return escpos.AlignRight
	}
	return escpos.AlignLeft
}
