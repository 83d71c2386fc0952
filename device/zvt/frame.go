package zvt

import (
	"errors"
	"fmt"
)

// Control characters of the serial transport (§1.8).
const (
	stx = 0x02
	etx = 0x03
	ack = 0x06
	dle = 0x10
	nak = 0x15
)

// crc16 continues a CRC-16/KERMIT: the reflected CCITT polynomial 0x8408,
// initial value 0, no final XOR. The ZVT specification calls it
// "CRC-XModem", but terminals compute this one; the published frames in
// the tests pin it.
func crc16(crc uint16, b []byte) uint16 {
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// frameCRC is the checksum of a frame: over the unstuffed APDU followed
// by ETX (not DLE STX, not the DLE before ETX).
func frameCRC(apdu []byte) uint16 { return crc16(crc16(0, apdu), []byte{etx}) }

// AppendFrame appends a serial frame carrying a:
// DLE STX <APDU, every 10 doubled> DLE ETX <CRC low> <CRC high>.
func AppendFrame(b []byte, a APDU) ([]byte, error) {
	raw, err := a.MarshalBinary()
	if err != nil {
		return b, err
	}
	crc := frameCRC(raw)
	b = append(b, dle, stx)
	for _, c := range raw {
		if c == dle {
			b = append(b, dle)
		}
		b = append(b, c)
	}
	return append(b, dle, etx, byte(crc), byte(crc>>8)), nil
}

// DecodeFrame decodes exactly one serial frame (as AppendFrame writes it)
// and checks its CRC. Errors wrap ErrMalformed.
func DecodeFrame(frame []byte) (APDU, error) {
	if len(frame) < 2 || frame[0] != dle || frame[1] != stx {
		return APDU{}, fmt.Errorf("zvt frame: does not start with DLE STX: %w", ErrMalformed)
	}
	var d frameDecoder
	for i, c := range frame {
		done, err := d.feed(c)
		if !done {
			continue
		}
		if err != nil {
			return APDU{}, err
		}
		if i != len(frame)-1 {
			return APDU{}, fmt.Errorf("zvt frame: %d bytes after the CRC: %w", len(frame)-1-i, ErrMalformed)
		}
		return d.apdu()
	}
	return APDU{}, fmt.Errorf("zvt frame: ends inside the frame: %w", ErrMalformed)
}

type frameState uint8

const (
	stHunt    frameState = iota // discarding bytes until DLE STX
	stHuntDLE                   // DLE seen while hunting
	stBody                      // inside the APDU
	stBodyDLE                   // DLE seen inside the APDU
	stCRCLow
	stCRCHigh
)

// errFrameTooLong is recorded when a frame's body exceeds the longest
// APDU; the rest of the frame is still consumed so the link resynchronises
// at its end.
var errFrameTooLong = fmt.Errorf("zvt frame: longer than %d bytes: %w", maxAPDU, ErrMalformed)

// frameDecoder reassembles serial frames byte by byte. It is shared by the
// link's reader (which feeds bytes as they arrive, under T1) and
// DecodeFrame. A framing error is remembered and reported when the frame
// ends (at DLE ETX and the CRC), so the receiver NAKs once per frame and
// does not mistake the frame's remaining bytes for a new frame.
type frameDecoder struct {
	state frameState
	body  []byte
	crcLo byte
	bad   error
}

// inFrame reports whether a frame has started (DLE STX seen), from which
// point the inter-byte timeout T1 applies.
func (d *frameDecoder) inFrame() bool { return d.state >= stBody }

// reset abandons a partial frame.
func (d *frameDecoder) reset() { d.state, d.bad = stHunt, nil }

// feed consumes one byte. done reports the end of a frame; err is then
// the frame's framing or CRC error, or nil when body holds a checked APDU.
func (d *frameDecoder) feed(c byte) (done bool, err error) {
	switch d.state {
	case stHunt:
		if c == dle {
			d.state = stHuntDLE
		}
	case stHuntDLE:
		switch c {
		case stx:
			d.state, d.body, d.bad = stBody, d.body[:0], nil
		case dle:
		default:
			d.state = stHunt
		}
	case stBody:
		if c == dle {
			d.state = stBodyDLE
		} else {
			d.add(c)
		}
	case stBodyDLE:
		switch c {
		case dle:
			d.add(dle)
			d.state = stBody
		case etx:
			d.state = stCRCLow
		default:
			d.fail(fmt.Errorf("zvt frame: DLE %02X inside the APDU: %w", c, ErrMalformed))
			d.state = stBody
		}
	case stCRCLow:
		d.crcLo, d.state = c, stCRCHigh
	case stCRCHigh:
		d.state = stHunt
		if d.bad != nil {
			return true, d.bad
		}
		got, want := uint16(d.crcLo)|uint16(c)<<8, frameCRC(d.body)
		if got != want {
			return true, fmt.Errorf("zvt frame: CRC %04X, computed %04X: %w", got, want, ErrMalformed)
		}
		return true, nil
	}
	return false, nil
}

func (d *frameDecoder) add(c byte) {
	if len(d.body) >= maxAPDU {
		d.fail(errFrameTooLong)
		return
	}
	d.body = append(d.body, c)
}

func (d *frameDecoder) fail(err error) {
	if d.bad == nil {
		d.bad = err
	}
}

// apdu decodes the body of a checked frame; its length field must match
// the body exactly.
func (d *frameDecoder) apdu() (APDU, error) {
	var a APDU
	if err := a.UnmarshalBinary(d.body); err != nil {
		if errors.Is(err, ErrTruncated) {
			return APDU{}, fmt.Errorf("zvt frame: APDU shorter than its length field: %w", ErrMalformed)
		}
		return APDU{}, fmt.Errorf("zvt frame: %w", err)
	}
	return a, nil
}
