package zvt

import (
	"fmt"
	"time"
)

// IntermediateStatus is an Intermediate-Status (04 FF): progress shown to
// the cashier while a transaction runs. Each one resets T4; Timeout, when
// set, replaces T4 for the rest of the sequence.
type IntermediateStatus struct {
	Code byte
	// Timeout is the PT's new T4, zero when the PT sent none.
	Timeout time.Duration
	TLV     []TLV
}

// Text describes Code in English.
func (s IntermediateStatus) Text() string { return IntermediateText(s.Code) }

// ParseIntermediateStatus parses the data block of a 04 FF:
// <status>[<timeout, minutes BCD>][06 <TLV>].
func ParseIntermediateStatus(data []byte) (IntermediateStatus, error) {
	if len(data) == 0 {
		return IntermediateStatus{}, fmt.Errorf("intermediate status: empty: %w", ErrMalformed)
	}
	s := IntermediateStatus{Code: data[0]}
	rest := data[1:]
	// A timeout of 06 minutes looks like the TLV container's BMP 06, so
	// the byte is a timeout unless the rest parses as BMPs exactly.
	if len(rest) > 0 && !onlyTLV(rest) {
		t, err := bcdMinutes(rest[0])
		if err != nil {
			return IntermediateStatus{}, fmt.Errorf("intermediate status timeout: %w", err)
		}
		s.Timeout, rest = t, rest[1:]
	}
	fields, err := ParseBMPs(rest)
	if err != nil {
		return IntermediateStatus{}, fmt.Errorf("intermediate status: %w", err)
	}
	if v, ok := lookup(fields, BMPTLV); ok {
		if s.TLV, err = ParseTLVs(v); err != nil {
			return IntermediateStatus{}, fmt.Errorf("intermediate status: %w", err)
		}
	}
	return s, nil
}

// onlyTLV reports whether b is a well-formed run of BMPs starting with
// the TLV container.
func onlyTLV(b []byte) bool {
	if b[0] != byte(BMPTLV) {
		return false
	}
	_, err := ParseBMPs(b)
	return err == nil
}

// IntermediateText describes an intermediate status code (PA00P015
// §3.7). Codes 41…5D are those of 01…1D followed by "please remove card".
func IntermediateText(code byte) string {
	if code >= 0x41 && code <= 0x5D {
		if t, ok := intermediateBase(code - 0x40); ok {
			return t + " – please remove card"
		}
	}
	if t, ok := intermediateBase(code); ok {
		return t
	}
	return fmt.Sprintf("status %02X", code)
}

func intermediateBase(code byte) (string, bool) {
	switch code {
	case 0x00:
		return "waiting for amount confirmation", true
	case 0x01, 0x02:
		return "please watch PIN pad", true
	case 0x03:
		return "not accepted", true
	case 0x04:
		return "waiting for response from host", true
	case 0x05:
		return "sending auto-reversal", true
	case 0x06:
		return "sending post-bookings", true
	case 0x07:
		return "card not admitted", true
	case 0x08:
		return "card unknown", true
	case 0x09:
		return "card expired", true
	case 0x0A:
		return "insert card", true
	case 0x0B:
		return "please remove card", true
	case 0x0C:
		return "card not readable", true
	case 0x0D:
		return "processing error", true
	case 0x0E, 0x17:
		return "please wait", true
	case 0x0F:
		return "automatic end-of-day started", true
	case 0x10:
		return "invalid card", true
	case 0x11:
		return "balance display", true
	case 0x12:
		return "system malfunction", true
	case 0x13:
		return "payment not possible", true
	case 0x14:
		return "credit not sufficient", true
	case 0x15:
		return "incorrect PIN", true
	case 0x16:
		return "limit not sufficient", true
	case 0x18:
		return "PIN try limit exceeded", true
	case 0x19:
		return "card data incorrect", true
	case 0x1A:
		return "service mode", true
	case 0x1B:
		return "approved, please fill up", true
	case 0x1C:
		return "approved, please take goods", true
	case 0x1D:
		return "declined", true
	case 0xC8:
		return "waiting for cashier", true
	}
	return "", false
}
