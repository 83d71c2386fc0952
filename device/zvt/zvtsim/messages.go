package zvtsim

import (
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

// The simulated card: a Visa card with a masked PAN, as PTs send it
// (E = masked digit).
var (
	cardPAN  = []byte{0x41, 0x11, 0x11, 0xEE, 0xEE, 0xEE, 0x11, 0x11}
	cardName = "VISA"
)

const (
	cardTypeVisa = 10
	// paymentOnline is BMP 19 of the Status-Information: online
	// authorisation.
	paymentOnline = 0x60
	// Print-Line attributes: centred, and the last line of a receipt
	// (1xxx xxxx other than 80).
	attrCentred  = 0x40
	attrLastLine = 0xC0
)

// slip is what a Status-Information and its receipt tell.
type slip struct {
	title     string
	result    zvt.ResultCode
	amount    int64
	trace     uint32
	origTrace uint32 // reversal only
	receipt   uint16 // 0 for End-of-Day
	at        time.Time
	card      bool
}

func slipOf(tx Transaction, title string) slip {
	return slip{title: title, result: tx.Result, amount: tx.Amount, trace: tx.Trace,
		receipt: tx.Receipt, at: tx.Time, card: true}
}

// bcd encodes v as size bytes of packed BCD; the values here always fit.
func bcd(v uint64, size int) []byte {
	b, _ := zvt.AppendBCD(nil, v, size)
	return b
}

// fields builds a data block of BMPs, keeping the first error.
type fields struct {
	b   []byte
	err error
}

func (f *fields) add(id zvt.BMP, v []byte) {
	if f.err == nil {
		f.b, f.err = zvt.AppendBMP(f.b, zvt.Field{ID: id, Value: v})
	}
}

// statusInfo builds the Status-Information 04 0F for s.
func (t *Terminal) statusInfo(s slip) (zvt.APDU, error) {
	var f fields
	f.add(zvt.BMPResultCode, []byte{byte(s.result)})
	f.add(zvt.BMPAmount, bcd(uint64(s.amount), 6))
	f.add(zvt.BMPTrace, bcd(uint64(s.trace), 3))
	if s.origTrace != 0 {
		f.add(zvt.BMPOriginalTrace, bcd(uint64(s.origTrace), 3))
	}
	f.add(zvt.BMPTime, bcd(uint64(s.at.Hour()*10000+s.at.Minute()*100+s.at.Second()), 3))
	f.add(zvt.BMPDate, bcd(uint64(int(s.at.Month())*100+s.at.Day()), 2))
	f.add(zvt.BMPTerminalID, t.set.tid)
	if s.card {
		f.add(zvt.BMPPaymentType, []byte{paymentOnline})
		f.add(zvt.BMPPAN, cardPAN)
		f.add(zvt.BMPReceipt, bcd(uint64(s.receipt), 2))
		f.add(zvt.BMPCardType, []byte{cardTypeVisa})
		f.add(zvt.BMPCardName, []byte(cardName))
	}
	if f.err != nil {
		return zvt.APDU{}, fmt.Errorf("build status information: %w", f.err)
	}
	return zvt.APDU{Class: 0x04, Instr: 0x0F, Data: f.b}, nil
}

// line is one receipt line and its Print-Line attribute.
type line struct {
	attr byte
	text string
}

// printLines renders s as Print-Line commands; the last one carries the
// end-of-receipt attribute so the ECR cuts there.
func (t *Terminal) printLines(s slip) []zvt.APDU {
	lines := []line{
		{attrCentred, "zvtsim"},
		{attrCentred, s.title},
		{0, "Terminal-ID " + t.set.TerminalID},
		{0, s.at.Format("02.01.2006 15:04:05")},
		{0, fmt.Sprintf("Trace %06d  Beleg %04d", s.trace, s.receipt)},
	}
	if s.card {
		lines = append(lines, line{0, cardName + " ************1111"})
	}
	lines = append(lines,
		line{0, fmt.Sprintf("EUR %d.%02d", s.amount/100, s.amount%100)},
		line{attrLastLine, resultText(s.result)})
	out := make([]zvt.APDU, len(lines))
	for i, l := range lines {
		out[i] = zvt.APDU{Class: 0x06, Instr: 0xD1, Data: append([]byte{l.attr}, l.text...)}
	}
	return out
}

func resultText(c zvt.ResultCode) string {
	if c == zvt.ResultOK {
		return "approved"
	}
	return fmt.Sprintf("declined (%02X)", byte(c))
}

// completion is Completion 06 0F without data, which ends a transaction.
func completion() zvt.APDU { return zvt.APDU{Class: 0x06, Instr: 0x0F} }

// abort is Abort 06 1E <code> from the PT.
func abort(code zvt.ResultCode) zvt.APDU {
	return zvt.APDU{Class: 0x06, Instr: 0x1E, Data: []byte{byte(code)}}
}
