package zvt

import "fmt"

// Authorisation (06 01) starts a payment:
// 04 <amount>[49 <CC>][19 <payment-type>][06 <TLV>].
type Authorisation struct {
	// Amount in minor units; it must be positive, since fiscald controls
	// the amount (config-byte bit 4).
	Amount int64
	// Currency is sent when non-zero.
	Currency Currency
	// PaymentType is BMP 19, sent when non-zero: 40 lets the PT decide
	// (without GeldKarte), 50 with GeldKarte.
	PaymentType byte
	TLV         []TLV
}

// APDU encodes the command.
func (a Authorisation) APDU() (APDU, error) {
	if a.Amount <= 0 {
		return APDU{}, fmt.Errorf("authorisation: amount %d must be positive: %w", a.Amount, ErrInvalid)
	}
	data, err := appendAmountAndCurrency(nil, a.Amount, a.Currency)
	if err == nil && a.PaymentType != 0 {
		data = append(data, byte(BMPPaymentType), a.PaymentType)
	}
	if err == nil {
		data, err = appendTLVContainer(data, a.TLV)
	}
	if err != nil {
		return APDU{}, fmt.Errorf("authorisation: %w", err)
	}
	return APDU{Class: 0x06, Instr: 0x01, Data: data}, nil
}

// ParseAuthorisation parses the data block of a 06 01 (the PT side).
func ParseAuthorisation(data []byte) (Authorisation, error) {
	fields, err := ParseBMPs(data)
	if err != nil {
		return Authorisation{}, fmt.Errorf("authorisation: %w", err)
	}
	var a Authorisation
	for _, f := range fields {
		switch f.ID {
		case BMPPaymentType:
			a.PaymentType = f.Value[0]
		case BMPTLV:
			a.TLV, err = ParseTLVs(f.Value)
		default:
			err = setAmountOrCurrency(f, &a.Amount, &a.Currency)
		}
		if err != nil {
			return Authorisation{}, fmt.Errorf("authorisation BMP %02X: %w", byte(f.ID), err)
		}
	}
	return a, nil
}

// Reversal (06 30) cancels a payment still in the PT's current batch:
// <password> 87 <receipt>[04 <amount>][49 <CC>].
type Reversal struct {
	Password Password
	// Receipt is the payment's receipt number (BMP 87 of its
	// Status-Information), 0…9999.
	Receipt uint16
	// Amount and Currency are sent when non-zero.
	Amount   int64
	Currency Currency
}

// APDU encodes the command.
func (r Reversal) APDU() (APDU, error) {
	data := append(append([]byte(nil), r.Password[:]...), byte(BMPReceipt))
	data, err := AppendBCD(data, uint64(r.Receipt), 2)
	if err != nil {
		return APDU{}, fmt.Errorf("reversal: receipt %d: %w", r.Receipt, ErrInvalid)
	}
	if r.Amount != 0 || r.Currency != 0 {
		var amount []byte
		if r.Amount != 0 {
			amount, err = appendAmount(nil, r.Amount)
		}
		if err == nil && r.Currency != 0 {
			amount, err = appendCurrencyBMP(amount, r.Currency)
		}
		if err != nil {
			return APDU{}, fmt.Errorf("reversal: %w", err)
		}
		data = append(data, amount...)
	}
	return APDU{Class: 0x06, Instr: 0x30, Data: data}, nil
}

// ParseReversal parses the data block of a 06 30 (the PT side).
func ParseReversal(data []byte) (Reversal, error) {
	pw, fields, err := ParsePasswordCommand(data)
	if err != nil {
		return Reversal{}, fmt.Errorf("reversal: %w", err)
	}
	r := Reversal{Password: pw}
	v, ok := lookup(fields, BMPReceipt)
	if !ok {
		return Reversal{}, fmt.Errorf("reversal: no receipt number: %w", ErrMalformed)
	}
	n, err := bcd32(v)
	if err != nil {
		return Reversal{}, fmt.Errorf("reversal receipt: %w", err)
	}
	r.Receipt = uint16(n)
	for _, f := range fields {
		if err := setAmountOrCurrency(f, &r.Amount, &r.Currency); err != nil {
			return Reversal{}, fmt.Errorf("reversal BMP %02X: %w", byte(f.ID), err)
		}
	}
	return r, nil
}

// Refund (06 31) credits an amount back to a card, for payments no longer
// reversible: <password> 04 <amount>[49 <CC>].
type Refund struct {
	Password Password
	// Amount in minor units; it must be positive.
	Amount   int64
	Currency Currency
}

// APDU encodes the command.
func (r Refund) APDU() (APDU, error) {
	if r.Amount <= 0 {
		return APDU{}, fmt.Errorf("refund: amount %d must be positive: %w", r.Amount, ErrInvalid)
	}
	data, err := appendAmountAndCurrency(append([]byte(nil), r.Password[:]...), r.Amount, r.Currency)
	if err != nil {
		return APDU{}, fmt.Errorf("refund: %w", err)
	}
	return APDU{Class: 0x06, Instr: 0x31, Data: data}, nil
}

// ParseRefund parses the data block of a 06 31 (the PT side).
func ParseRefund(data []byte) (Refund, error) {
	pw, fields, err := ParsePasswordCommand(data)
	if err != nil {
		return Refund{}, fmt.Errorf("refund: %w", err)
	}
	r := Refund{Password: pw}
	for _, f := range fields {
		if err := setAmountOrCurrency(f, &r.Amount, &r.Currency); err != nil {
			return Refund{}, fmt.Errorf("refund BMP %02X: %w", byte(f.ID), err)
		}
	}
	return r, nil
}

// appendAmountAndCurrency appends BMP 04 and, when cc is non-zero, BMP 49.
func appendAmountAndCurrency(b []byte, amount int64, cc Currency) ([]byte, error) {
	b, err := appendAmount(b, amount)
	if err != nil || cc == 0 {
		return b, err
	}
	return appendCurrencyBMP(b, cc)
}

func appendCurrencyBMP(b []byte, cc Currency) ([]byte, error) {
	return cc.AppendBCD(append(b, byte(BMPCurrency)))
}

// setAmountOrCurrency decodes BMP 04 or 49 into the targets and ignores
// other fields.
func setAmountOrCurrency(f Field, amount *int64, cc *Currency) error {
	switch f.ID {
	case BMPAmount:
		n, err := decodeBCD(f.Value)
		*amount = int64(n)
		return err
	case BMPCurrency:
		n, err := bcd32(f.Value)
		*cc = Currency(n)
		return err
	}
	return nil
}
