package zvt

import "fmt"

// EndOfDay (06 50) closes the PT's batch: <password>[06 <TLV>]. The totals
// arrive in a Status-Information; after it a Reversal is no longer
// possible, only a Refund.
type EndOfDay struct {
	Password Password
	TLV      []TLV
}

// APDU encodes the command.
func (e EndOfDay) APDU() (APDU, error) {
	return passwordCommand(CodeEndOfDay, e.Password, 0, e.TLV)
}

// RepeatReceipt (06 20) makes the PT resend its last payment or
// end-of-day receipt: <password>[03 <service-byte>][06 <TLV>]. It is how
// the ECR resynchronises after a crash (§1.10).
type RepeatReceipt struct {
	Password    Password
	ServiceByte byte // BMP 03, omitted when zero
	TLV         []TLV
}

// APDU encodes the command.
func (r RepeatReceipt) APDU() (APDU, error) {
	return passwordCommand(CodeRepeatReceipt, r.Password, r.ServiceByte, r.TLV)
}

// StatusEnquiry (05 01) asks the PT for its terminal status; the answer is
// a Completion to parse with ParseStatusEnquiryCompletion. fiscald sends
// it as the health probe and at least once a minute, so that the PT can
// run its time-triggered jobs: <password>[03 <service-byte>][06 <TLV>].
type StatusEnquiry struct {
	Password    Password
	ServiceByte byte // BMP 03, omitted when zero
	TLV         []TLV
}

// APDU encodes the command.
func (s StatusEnquiry) APDU() (APDU, error) {
	return passwordCommand(CodeStatusEnquiry, s.Password, s.ServiceByte, s.TLV)
}

// LogOffCommand returns Log-Off (06 02): the PT falls back to config-byte
// 86 and stops sending TLV containers.
func LogOffCommand() APDU { return APDU{Class: 0x06, Instr: 0x02} }

// AbortCommand returns Abort (06 B0), with which the ECR cancels a running
// command where the PT allows it. The PT answers 80 00 00 or 84 xx 00 and,
// for a payment, ends it with an Abort (06 1E 6C).
func AbortCommand() APDU { return APDU{Class: 0x06, Instr: 0xB0} }

// passwordCommand encodes <password>[03 <service-byte>][06 <TLV>].
func passwordCommand(code Code, pw Password, service byte, tlv []TLV) (APDU, error) {
	data := append([]byte(nil), pw[:]...)
	if service != 0 {
		data = append(data, byte(BMPServiceByte), service)
	}
	data, err := appendTLVContainer(data, tlv)
	if err != nil {
		return APDU{}, fmt.Errorf("%s: %w", code, err)
	}
	return APDU{Class: byte(code >> 8), Instr: byte(code), Data: data}, nil
}

// ParsePasswordCommand splits the data block of a command that starts with
// the password (06 20, 06 30, 06 31, 06 50, 05 01) into the password and
// the BMPs after it.
func ParsePasswordCommand(data []byte) (Password, []Field, error) {
	var pw Password
	if len(data) < len(pw) {
		return pw, nil, fmt.Errorf("password: %d of 3 bytes: %w", len(data), ErrMalformed)
	}
	copy(pw[:], data)
	fields, err := ParseBMPs(data[len(pw):])
	if err != nil {
		return pw, nil, err
	}
	return pw, fields, nil
}
