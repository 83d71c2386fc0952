package fiscal

import "fmt"

// Country is an ISO 3166 alpha-2 code packed as in the case values: the
// first letter in the high byte.
type Country uint16

// Countries fiscald knows by name.
const (
	AT Country = 0x4154
	DE Country = 0x4445
)

// ParseCountry converts "AT" to AT.
func ParseCountry(s string) (Country, error) {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return 0, fmt.Errorf("fiscal: %q is not an ISO 3166 alpha-2 code", s)
	}
	return Country(uint16(s[0])<<8 | uint16(s[1])), nil
}

func (c Country) String() string { return string([]byte{byte(c >> 8), byte(c)}) }

// Case value layout (pos-system-api-v2.md §7.1).
const (
	versionV2   = 2
	shiftCounty = 48
	shiftVer    = 44
	shiftLocal  = 32
)

// CaseValue is a decoded 64-bit case value.
type CaseValue struct {
	Country Country
	Version uint8
	Local   uint16 // 12 bits
	Flags   uint16 // global flags, bits 16-31
	Case    uint16 // bits 0-15
}

// DecodeCase splits a case value into its fields.
func DecodeCase(v uint64) CaseValue {
	return CaseValue{
		Country: Country(v >> shiftCounty),
		Version: uint8(v>>shiftVer) & 0xF,
		Local:   uint16(v>>shiftLocal) & 0xFFF,
		Flags:   uint16(v >> 16),
		Case:    uint16(v),
	}
}

// StateValue builds an ftState: country, version 2, local flags, global state.
func StateValue(c Country, local uint16, global uint32) uint64 {
	return uint64(c)<<shiftCounty | versionV2<<shiftVer | uint64(local&0xFFF)<<shiftLocal | uint64(global)
}

// Global ftState values (§7.6).
const (
	StateReady          uint32 = 0
	StateOutOfOperation uint32 = 0x0000_0001
	StateSCUFailed      uint32 = 0x0000_0002
	StateLateSigning    uint32 = 0x0000_0008
	StateMessagePending uint32 = 0x0000_0040
	StateDailyDue       uint32 = 0x0000_0100
	StateMonthlyDue     uint32 = 0x0000_0200
	StateError          uint32 = 0xEEEE_EEEE
	StateFail           uint32 = 0xFFFF_FFFF
)

// Receipt-case flags (§7.3), as bits of the 16-bit global flag field.
const (
	FlagLateSigning      uint16 = 0x0001
	FlagTraining         uint16 = 0x0002
	FlagVoid             uint16 = 0x0004
	FlagHandwritten      uint16 = 0x0008
	FlagSmallBusiness    uint16 = 0x0010
	FlagReceiverBusiness uint16 = 0x0020
	FlagReceiverKnown    uint16 = 0x0040
	FlagForeignSale      uint16 = 0x0080
	FlagRefund           uint16 = 0x0100
	FlagAdditionalInfo   uint16 = 0x0200
	FlagSCUDownload      uint16 = 0x0400
	FlagEnforceService   uint16 = 0x0800
	FlagCleanupOpen      uint16 = 0x1000
	FlagNoSCUSwitch      uint16 = 0x2000
	FlagReceiptRequested uint16 = 0x8000
	receiptFlagsDefined         = 0xBFFF
	chargeFlagsDefined   uint16 = 0x0007
	payFlagsDefined      uint16 = 0x81FB // all listed pay flags except reserved 0x4
)

// Receipt cases (§7.2).
const (
	CaseUnknown           uint16 = 0x0000
	CasePOSReceipt        uint16 = 0x0001
	CasePaymentTransfer   uint16 = 0x0002
	CaseNoObligation      uint16 = 0x0003
	CaseECommerce         uint16 = 0x0004
	CaseDeliveryNote      uint16 = 0x0005
	CaseInvoiceUnknown    uint16 = 0x1000
	CaseInvoiceB2C        uint16 = 0x1001
	CaseInvoiceB2B        uint16 = 0x1002
	CaseInvoiceB2G        uint16 = 0x1003
	CaseZeroReceipt       uint16 = 0x2000
	CaseOneReceipt        uint16 = 0x2001
	CaseShiftClosing      uint16 = 0x2010
	CaseDailyClosing      uint16 = 0x2011
	CaseMonthlyClosing    uint16 = 0x2012
	CaseYearlyClosing     uint16 = 0x2013
	CaseProtocol          uint16 = 0x3000
	CaseProtocolTechnical uint16 = 0x3001
	CaseProtocolAccount   uint16 = 0x3002
	CaseInternalUsage     uint16 = 0x3003
	CaseOrder             uint16 = 0x3004
	CasePay               uint16 = 0x3005
	CaseCopyReceipt       uint16 = 0x3010
	CaseArchiveReceipt    uint16 = 0x3011
	CaseInitialOperation  uint16 = 0x4001
	CaseOutOfOperation    uint16 = 0x4002
	CaseInitSCUSwitch     uint16 = 0x4011
	CaseFinishSCUSwitch   uint16 = 0x4012
	CaseStartMigration    uint16 = 0x4021
	CaseStopMigration     uint16 = 0x4022
)

// ReceiptCaseName names a receipt case for logs, metrics and messages; it
// returns "" for an undefined case.
func ReceiptCaseName(c uint16) string {
	switch c {
	case CaseUnknown:
		return "unknown-receipt"
	case CasePOSReceipt:
		return "pos-receipt"
	case CasePaymentTransfer:
		return "payment-transfer"
	case CaseNoObligation:
		return "pos-receipt-without-obligation"
	case CaseECommerce:
		return "e-commerce"
	case CaseDeliveryNote:
		return "delivery-note"
	case CaseInvoiceUnknown:
		return "invoice"
	case CaseInvoiceB2C:
		return "invoice-b2c"
	case CaseInvoiceB2B:
		return "invoice-b2b"
	case CaseInvoiceB2G:
		return "invoice-b2g"
	case CaseZeroReceipt:
		return "zero-receipt"
	case CaseOneReceipt:
		return "one-receipt"
	case CaseShiftClosing:
		return "shift-closing"
	case CaseDailyClosing:
		return "daily-closing"
	case CaseMonthlyClosing:
		return "monthly-closing"
	case CaseYearlyClosing:
		return "yearly-closing"
	case CaseProtocol:
		return "protocol"
	case CaseProtocolTechnical:
		return "protocol-technical-event"
	case CaseProtocolAccount:
		return "protocol-accounting-event"
	case CaseInternalUsage:
		return "internal-usage"
	case CaseOrder:
		return "order"
	case CasePay:
		return "pay"
	case CaseCopyReceipt:
		return "copy-receipt"
	case CaseArchiveReceipt:
		return "archive-receipt"
	case CaseInitialOperation:
		return "initial-operation"
	case CaseOutOfOperation:
		return "out-of-operation"
	case CaseInitSCUSwitch:
		return "init-scu-switch"
	case CaseFinishSCUSwitch:
		return "finish-scu-switch"
	case CaseStartMigration:
		return "start-migration"
	case CaseStopMigration:
		return "stop-migration"
	}
	return ""
}

// IsSalesCase reports whether a receipt case records turnover (receipt and
// invoice groups).
func IsSalesCase(c uint16) bool {
	return c <= CaseDeliveryNote || (c >= CaseInvoiceUnknown && c <= CaseInvoiceB2G)
}

// isItemlessCase reports the zero, closing and lifecycle cases, which carry
// no items and no training flag (R5).
func isItemlessCase(c uint16) bool {
	return (c >= CaseZeroReceipt && c <= CaseYearlyClosing) || (c >= CaseInitialOperation && c <= CaseStopMigration)
}

// chargeCaseDefined reports whether the low 16 bits of a charge-item case are
// defined: VAT nibble 0-8, type-of-service nibble 0-A; the nature-of-VAT
// byte is market-defined and not checked here.
func chargeCaseDefined(c uint16) bool {
	return c&0xF <= 0x8 && (c>>4)&0xF <= 0xA
}

// payCaseDefined reports whether the payment type (bits 0-7) is defined and
// bits 8-15 are clear.
func payCaseDefined(c uint16) bool {
	return c <= 0x0F
}
