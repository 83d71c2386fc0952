package escpos

import (
	"errors"
	"fmt"
)

// ErrBadStatus reports a byte that is not a real-time status answer: the
// fixed bits of pattern 0xx1xx10 do not match.
var ErrBadStatus = errors.New("escpos: not a real-time status byte")

// Status is the printer's condition as the four DLE EOT answers report it
// (devices.md §3.5). Each field names the request that carries it.
type Status struct {
	// DLE EOT 1, printer status.

	// DrawerPin3 is the level of pin 3 of the drawer kick-out connector:
	// drawer open or closed, depending on the drawer's wiring.
	DrawerPin3 bool
	// Offline: the printer does not print (cover open, paper end, error).
	Offline bool
	// WaitingOnline: the printer waits for recovery to go online.
	WaitingOnline bool
	// FeedButton: the paper feed button is being pressed.
	FeedButton bool

	// DLE EOT 2, offline cause.

	// CoverOpen: the roll paper cover is open.
	CoverOpen bool
	// FeedingByButton: paper is being fed by the feed button.
	FeedingByButton bool
	// PaperStop: printing stopped because the paper ran out.
	PaperStop bool
	// Error: an error occurred (DLE EOT 3 tells which).
	Error bool

	// DLE EOT 3, error cause.

	// MechanicalError is bit 2 of the error cause, whose meaning depends
	// on the model (a mechanical or recoverable error).
	MechanicalError bool
	// CutterError: the autocutter failed (jammed paper, blade stuck).
	CutterError bool
	// UnrecoverableError: the printer must be switched off and serviced.
	UnrecoverableError bool
	// AutoRecoverableError: an error that clears by itself, such as an
	// overheated head.
	AutoRecoverableError bool

	// DLE EOT 4, roll paper sensors.

	// PaperNearEnd: the roll is nearly used up. A warning, not an error.
	PaperNearEnd bool
	// PaperEnd: the paper end sensor sees no paper.
	PaperEnd bool
}

// statusFixedMask and statusFixedBits are the fixed bits of every answer:
// bits 1 and 4 set, bits 0 and 7 clear.
const (
	statusFixedMask = 0x93
	statusFixedBits = 0x12
)

// Bits of the answers, by request.
const (
	bit2 = 1 << 2
	bit3 = 1 << 3
	bit5 = 1 << 5
	bit6 = 1 << 6
	// nearEndBits and endBits are the pairs DLE EOT 4 sets together.
	nearEndBits = bit2 | bit3
	endBits     = bit5 | bit6
)

// IsStatusByte reports whether b has the fixed bits of a DLE EOT answer
// (pattern 0xx1xx10). It tells status answers from process-ID responses,
// XON/XOFF and automatic status blocks in the incoming stream.
func IsStatusByte(b byte) bool { return b&statusFixedMask == statusFixedBits }

// Decode sets the fields the answer b to DLE EOT n (1 to 4) carries and
// leaves the others alone, so the answers to several requests add up to
// one Status. Errors wrap ErrBadStatus or ErrInvalid.
func (s *Status) Decode(n int, b byte) error {
	if !IsStatusByte(b) {
		return fmt.Errorf("escpos: answer %#02x to DLE EOT %d: %w", b, n, ErrBadStatus)
	}
	switch n {
	case 1:
		s.DrawerPin3, s.Offline, s.WaitingOnline, s.FeedButton = b&bit2 != 0, b&bit3 != 0, b&bit5 != 0, b&bit6 != 0
	case 2:
		s.CoverOpen, s.FeedingByButton, s.PaperStop, s.Error = b&bit2 != 0, b&bit3 != 0, b&bit5 != 0, b&bit6 != 0
	case 3:
		s.MechanicalError, s.CutterError, s.UnrecoverableError, s.AutoRecoverableError = b&bit2 != 0, b&bit3 != 0, b&bit5 != 0, b&bit6 != 0
	case 4:
		// Both bits of a pair are set together (Epson); one alone is not
		// taken as a sensor reading.
		s.PaperNearEnd, s.PaperEnd = b&nearEndBits == nearEndBits, b&endBits == endBits
	default:
		return fmt.Errorf("escpos: DLE EOT %d (want 1 to 4): %w", n, ErrInvalid)
	}
	return nil
}

// Encode is the answer a printer in state s gives to DLE EOT n (1 to 4);
// the simulator answers with it. It returns 0 for any other n.
func (s Status) Encode(n int) byte {
	b := byte(statusFixedBits)
	set := func(on bool, bits byte) {
		if on {
			b |= bits
		}
	}
	switch n {
	case 1:
		set(s.DrawerPin3, bit2)
		set(s.Offline, bit3)
		set(s.WaitingOnline, bit5)
		set(s.FeedButton, bit6)
	case 2:
		set(s.CoverOpen, bit2)
		set(s.FeedingByButton, bit3)
		set(s.PaperStop, bit5)
		set(s.Error, bit6)
	case 3:
		set(s.MechanicalError, bit2)
		set(s.CutterError, bit3)
		set(s.UnrecoverableError, bit5)
		set(s.AutoRecoverableError, bit6)
	case 4:
		set(s.PaperNearEnd, nearEndBits)
		set(s.PaperEnd, endBits)
	default:
		return 0
	}
	return b
}

// Details of a print result (device.PrintResult.Detail): why a job
// failed or is pending.
const (
	DetailPaperOut     = "paper out"             // the roll is empty
	DetailCoverOpen    = "cover open"            // the paper cover is open
	DetailOffline      = "offline"               // offline for another reason (an error)
	DetailUnreachable  = "unreachable"           // no connection, or no answer to DLE EOT
	DetailNotConfirmed = "not confirmed in time" // sent, but the confirmation did not come
)

// Problem names what keeps the printer from printing: DetailPaperOut,
// DetailCoverOpen or DetailOffline; "" when it can print. Paper out comes
// first: the operator opens the cover to change the roll anyway. Near end
// is not a problem.
func (s Status) Problem() string {
	switch {
	case s.PaperEnd || s.PaperStop:
		return DetailPaperOut
	case s.CoverOpen:
		return DetailCoverOpen
	case s.Offline:
		return DetailOffline
	}
	return ""
}
