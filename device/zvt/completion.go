package zvt

import "fmt"

// Completion is a Completion (06 0F) in its BMP form: after a payment it
// is empty; after a Registration it may carry the status byte, the
// terminal ID, the currency and a TLV container. It returns master rights
// to the ECR.
type Completion struct {
	// StatusByte is BMP 19 after a Registration: bit 0 initialisation
	// needed, bit 1 diagnosis needed, bit 2 OPT action needed, bit 3
	// filling-station mode, bit 4 vending mode.
	StatusByte byte
	TerminalID string
	Currency   Currency
	TLV        []TLV
	Fields     []Field
}

// Has reports whether the PT sent the given BMP.
func (c Completion) Has(id BMP) bool {
	_, ok := lookup(c.Fields, id)
	return ok
}

// ParseCompletion parses the data block of a 06 0F in its BMP form. The
// Completion of a Status-Enquiry has another layout; use
// ParseStatusEnquiryCompletion for it. Fields and TLV values alias data.
func ParseCompletion(data []byte) (Completion, error) {
	fields, err := ParseBMPs(data)
	if err != nil {
		return Completion{}, fmt.Errorf("completion: %w", err)
	}
	c := Completion{Fields: fields}
	for _, f := range fields {
		switch f.ID {
		case BMPPaymentType:
			c.StatusByte = f.Value[0]
		case BMPTerminalID:
			c.TerminalID, err = bcdDigits(f.Value)
		case BMPCurrency:
			var n uint32
			n, err = bcd32(f.Value)
			c.Currency = Currency(n)
		case BMPTLV:
			c.TLV, err = ParseTLVs(f.Value)
		}
		if err != nil {
			return Completion{}, fmt.Errorf("completion BMP %02X: %w", byte(f.ID), err)
		}
	}
	return c, nil
}

// TerminalState is the Completion of a Status-Enquiry:
// [<software version LLLVAR>]<terminal status>[06 <TLV>].
type TerminalState struct {
	// SoftwareVersion is empty when the PT did not send it.
	SoftwareVersion string
	Status          TerminalStatus
	TLV             []TLV
}

// ParseStatusEnquiryCompletion parses the data block of the 06 0F that
// answers a Status-Enquiry. The software version is optional and comes
// first; it is recognised by its LLLVAR prefix (three Fx bytes), which a
// status byte followed by BMP 06 can never form.
func ParseStatusEnquiryCompletion(data []byte) (TerminalState, error) {
	var s TerminalState
	rest := data
	if v, n, err := (fieldFormat{rule: lllvar}).split(rest); err == nil {
		s.SoftwareVersion, rest = printable(v), rest[n:]
	}
	if len(rest) == 0 {
		return TerminalState{}, fmt.Errorf("status-enquiry completion: no terminal status: %w", ErrMalformed)
	}
	s.Status, rest = TerminalStatus(rest[0]), rest[1:]
	fields, err := ParseBMPs(rest)
	if err != nil {
		return TerminalState{}, fmt.Errorf("status-enquiry completion: %w", err)
	}
	if v, ok := lookup(fields, BMPTLV); ok {
		if s.TLV, err = ParseTLVs(v); err != nil {
			return TerminalState{}, fmt.Errorf("status-enquiry completion: %w", err)
		}
	}
	return s, nil
}

// Abort is an Abort from the PT (06 1E): the transaction or command
// failed; Result says why. It returns master rights to the ECR.
type Abort struct {
	Result ResultCode
	// Fields holds the BMPs after the result code, if they parse;
	// otherwise the remaining bytes are in Rest. Some PTs append a bare
	// currency code here, which is not a BMP.
	Fields []Field
	Rest   []byte
}

// ParseAbort parses the data block of a 06 1E. Only the result code is
// required; the rest is kept rather than rejected, because the result
// code is what the ECR must act on.
func ParseAbort(data []byte) (Abort, error) {
	if len(data) == 0 {
		return Abort{}, fmt.Errorf("abort: no result code: %w", ErrMalformed)
	}
	a := Abort{Result: ResultCode(data[0])}
	if rest := data[1:]; len(rest) > 0 {
		if fields, err := ParseBMPs(rest); err == nil {
			a.Fields = fields
		} else {
			a.Rest = rest
		}
	}
	return a, nil
}
