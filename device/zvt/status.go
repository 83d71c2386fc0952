package zvt

import (
	"fmt"
	"strings"
	"time"
)

// StatusInfo is a Status-Information (04 0F): the result of a
// transaction as the PT reports it. The ECR must make it durable before
// answering 80 00 00, because that answer makes the payment final (§1.10).
//
// Numeric fields are zero when the PT omitted their BMP; Has tells an
// omitted field from a zero one.
type StatusInfo struct {
	// Result is BMP 27; a Status-Information without it reports success.
	Result ResultCode
	// Amount is BMP 04 in minor units.
	Amount int64
	// Trace is BMP 0B, the PT's trace number.
	Trace uint32
	// OriginalTrace is BMP 37, the trace of the transaction a reversal
	// cancelled.
	OriginalTrace uint32
	// Time is BMP 0C as "HHMMSS"; Date is BMP 0D as "MMDD" or, when the
	// PT sent BMP AA, "YYMMDD". See Timestamp.
	Time, Date string
	// Expiry is BMP 0E as "YYMM".
	Expiry string
	// CardSequence is BMP 17.
	CardSequence uint16
	// PaymentType is BMP 19: 40 offline, 50 card checked but not
	// authorised, 60 online, 70 PIN.
	PaymentType byte
	// PAN is BMP 22, masked digits rendered as "*".
	PAN string
	// TerminalID is BMP 29, eight digits.
	TerminalID string
	// VUNumber is BMP 2A, the merchant contract number.
	VUNumber string
	// AID is BMP 3B, the authorisation attribute (approval code).
	AID string
	// AdditionalText is BMP 3C.
	AdditionalText string
	// Currency is BMP 49; the PT sends it only if the ECR did.
	Currency Currency
	// Receipt is BMP 87, the receipt number a Reversal (06 30) needs.
	Receipt uint16
	// TurnoverRecord is BMP 88.
	TurnoverRecord uint32
	// CardType is BMP 8A, or TLV tag 41 when 8A is FF (IDs above 255).
	CardType int
	// CardName is BMP 8B; it must be printed for EMV cards.
	CardName string
	// NetworkCardType is BMP 8C.
	NetworkCardType byte
	// HostResult is BMP A0, the host's code when it is not BCD-encodable.
	HostResult byte
	// TLV is the content of BMP 06.
	TLV []TLV
	// Fields holds every BMP in wire order, including those decoded above.
	Fields []Field
}

// Has reports whether the PT sent the given BMP.
func (s StatusInfo) Has(id BMP) bool {
	_, ok := lookup(s.Fields, id)
	return ok
}

// Timestamp combines Date and Time into a time in ref's location. Without
// a year on the wire (BMP 0D) it takes ref's year, or the previous one if
// that would put the transaction more than a day after ref (a receipt
// from 31 December read on 1 January). ok is false without date or time.
func (s StatusInfo) Timestamp(ref time.Time) (t time.Time, ok bool) {
	if len(s.Time) != 6 || (len(s.Date) != 4 && len(s.Date) != 6) {
		return time.Time{}, false
	}
	num := func(d string) int { return int(d[0]-'0')*10 + int(d[1]-'0') }
	hh, mi, ss := num(s.Time[0:]), num(s.Time[2:]), num(s.Time[4:])
	if len(s.Date) == 6 {
		return time.Date(2000+num(s.Date), time.Month(num(s.Date[2:])), num(s.Date[4:]), hh, mi, ss, 0, ref.Location()), true
	}
	t = time.Date(ref.Year(), time.Month(num(s.Date)), num(s.Date[2:]), hh, mi, ss, 0, ref.Location())
	if t.After(ref.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, true
}

// ParseStatusInfo parses the data block of a 04 0F.
// Fields and TLV values alias data.
func ParseStatusInfo(data []byte) (StatusInfo, error) {
	fields, err := ParseBMPs(data)
	if err != nil {
		return StatusInfo{}, fmt.Errorf("status information: %w", err)
	}
	s := StatusInfo{Fields: fields}
	for _, f := range fields {
		if err := s.set(f); err != nil {
			return StatusInfo{}, fmt.Errorf("status information BMP %02X: %w", byte(f.ID), err)
		}
	}
	if s.CardType == 0xFF {
		if t, ok := FindTLV(s.TLV, TagCardTypeID); ok {
			if id, ok := tlvInt(t.Value); ok {
				s.CardType = id
			}
		}
	}
	return s, nil
}

// set decodes one field into s; fields fiscald does not use are left in
// Fields only.
func (s *StatusInfo) set(f Field) error {
	v := f.Value
	var err error
	switch f.ID {
	case BMPResultCode:
		s.Result = ResultCode(v[0])
	case BMPAmount:
		var n uint64
		n, err = decodeBCD(v)
		s.Amount = int64(n)
	case BMPTrace:
		s.Trace, err = bcd32(v)
	case BMPOriginalTrace:
		s.OriginalTrace, err = bcd32(v)
	case BMPTime:
		s.Time, err = bcdDigits(v)
	case BMPDate:
		if len(s.Date) != 6 { // BMP AA carries the year too; keep it
			s.Date, err = bcdDigits(v)
		}
	case BMPDateYYMMDD:
		s.Date, err = bcdDigits(v)
	case BMPExpiry:
		s.Expiry, err = bcdDigits(v)
	case BMPCardSequence:
		var n uint32
		n, err = bcd32(v)
		s.CardSequence = uint16(n)
	case BMPPaymentType:
		s.PaymentType = v[0]
	case BMPPAN:
		s.PAN = maskedDigits(v)
	case BMPTerminalID:
		s.TerminalID, err = bcdDigits(v)
	case BMPVUNumber:
		s.VUNumber = printable(v)
	case BMPAID:
		s.AID = printable(v)
	case BMPAdditionalText:
		s.AdditionalText = printable(v)
	case BMPCurrency:
		var n uint32
		n, err = bcd32(v)
		s.Currency = Currency(n)
	case BMPReceipt:
		var n uint32
		n, err = bcd32(v)
		s.Receipt = uint16(n)
	case BMPTurnoverRecord:
		s.TurnoverRecord, err = bcd32(v)
	case BMPCardType:
		s.CardType = int(v[0])
	case BMPCardName:
		s.CardName = printable(v)
	case BMPNetworkCardType:
		s.NetworkCardType = v[0]
	case BMPHostResult:
		s.HostResult = v[0]
	case BMPTLV:
		s.TLV, err = ParseTLVs(v)
	}
	return err
}

// bcd32 decodes up to four BCD bytes (eight digits always fit).
func bcd32(v []byte) (uint32, error) {
	if len(v) > 4 {
		return 0, fmt.Errorf("%d BCD bytes for a 32-bit value: %w", len(v), ErrMalformed)
	}
	n, err := decodeBCD(v)
	return uint32(n), err
}

// printable decodes a text field and drops the NUL and space padding
// fixed-length fields carry.
func printable(v []byte) string { return strings.TrimRight(latin1(v), "\x00 ") }

// CardTypeName names a ZVT card-type ID (BMP 8A, TLV 41) for receipts and
// logs; the full list is PA00P015 §12.
func CardTypeName(id int) string {
	switch id {
	case 5:
		return "girocard"
	case 6:
		return "Mastercard"
	case 8:
		return "American Express"
	case 10:
		return "Visa"
	case 11:
		return "VISA electron"
	case 12:
		return "Diners"
	case 13:
		return "V PAY"
	case 14:
		return "JCB"
	case 46:
		return "Maestro"
	}
	return fmt.Sprintf("card type %d", id)
}
