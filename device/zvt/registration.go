package zvt

import "fmt"

// ConfigByte is the Registration config-byte (§1.4); bits 0 and 6 are
// reserved.
type ConfigByte byte

// Config-byte bits.
const (
	// ConfigECRPrintsPayment: the ECR prints payment receipts.
	ConfigECRPrintsPayment ConfigByte = 1 << 1
	// ConfigECRPrintsAdmin: the ECR prints administration receipts.
	ConfigECRPrintsAdmin ConfigByte = 1 << 2
	// ConfigIntermediateStatus: the PT sends Intermediate-Status (04 FF).
	ConfigIntermediateStatus ConfigByte = 1 << 3
	// ConfigECRControlsPayment: no amount entry on the PT.
	ConfigECRControlsPayment ConfigByte = 1 << 4
	// ConfigECRControlsAdmin: no administration started on the PT.
	ConfigECRControlsAdmin ConfigByte = 1 << 5
	// ConfigPrintLines: receipts arrive as Print-Line/Text-Block commands
	// instead of being composed by the ECR from Status-Information.
	ConfigPrintLines ConfigByte = 1 << 7

	// ConfigFiscald (BE) is what fiscald registers with: it owns the
	// printer, wants progress and full control.
	ConfigFiscald = ConfigECRPrintsPayment | ConfigECRPrintsAdmin | ConfigIntermediateStatus |
		ConfigECRControlsPayment | ConfigECRControlsAdmin | ConfigPrintLines
)

// Registration (06 00) configures the PT for this ECR:
// <password><config-byte>[<CC>[03 <service-byte>][06 <TLV>]].
type Registration struct {
	Password Password
	Config   ConfigByte
	// Currency is sent when non-zero, and as EUR when ServiceByte or TLV
	// need it to be present (no CC means EUR to the PT anyway).
	Currency Currency
	// ServiceByte is BMP 03, omitted when zero (zero is its default).
	ServiceByte byte
	// TLV typically holds PermittedCommands and PrinterWidth.
	TLV []TLV
}

// APDU encodes the command.
func (r Registration) APDU() (APDU, error) {
	data := append(append([]byte(nil), r.Password[:]...), byte(r.Config))
	if r.Currency != 0 || r.ServiceByte != 0 || len(r.TLV) > 0 {
		cc := r.Currency
		if cc == 0 {
			cc = EUR
		}
		var err error
		if data, err = cc.AppendBCD(data); err != nil {
			return APDU{}, fmt.Errorf("registration: %w", err)
		}
		if r.ServiceByte != 0 {
			data = append(data, byte(BMPServiceByte), r.ServiceByte)
		}
		if data, err = appendTLVContainer(data, r.TLV); err != nil {
			return APDU{}, fmt.Errorf("registration: %w", err)
		}
	}
	return APDU{Class: 0x06, Instr: 0x00, Data: data}, nil
}

// ParseRegistration parses the data block of a 06 00 (the PT side).
func ParseRegistration(data []byte) (Registration, error) {
	if len(data) < 4 {
		return Registration{}, fmt.Errorf("registration: %d bytes, need password and config-byte: %w", len(data), ErrMalformed)
	}
	var r Registration
	copy(r.Password[:], data)
	r.Config = ConfigByte(data[3])
	rest := data[4:]
	if len(rest) == 0 {
		return r, nil
	}
	if len(rest) < 2 {
		return Registration{}, fmt.Errorf("registration: truncated currency: %w", ErrMalformed)
	}
	cc, err := bcd32(rest[:2])
	if err != nil {
		return Registration{}, fmt.Errorf("registration currency: %w", err)
	}
	r.Currency = Currency(cc)
	fields, err := ParseBMPs(rest[2:])
	if err != nil {
		return Registration{}, fmt.Errorf("registration: %w", err)
	}
	for _, f := range fields {
		switch f.ID {
		case BMPServiceByte:
			r.ServiceByte = f.Value[0]
		case BMPTLV:
			if r.TLV, err = ParseTLVs(f.Value); err != nil {
				return Registration{}, fmt.Errorf("registration: %w", err)
			}
		}
	}
	return r, nil
}
