package receipt

// The bits of the 64-bit case values this package reads
// (pos-system-api-v2.md §7). They are repeated here rather than imported
// from package fiscal because a renderer needs a handful of bits, not the
// fiscal core.
const (
	// Receipt-case flags (§7.3).
	receiptTraining    uint64 = 0x0000_0000_0002_0000
	receiptVoid        uint64 = 0x0000_0000_0004_0000
	receiptHandwritten uint64 = 0x0000_0000_0008_0000
	receiptRefund      uint64 = 0x0000_0000_0100_0000

	// Pay-item flags (§7.5).
	payChange uint64 = 0x0000_0000_0020_0000
	payTip    uint64 = 0x0000_0000_0040_0000

	// Signature-type flags (§7.7).
	sigDontVisualize uint64 = 0x0000_0000_0020_0000
	sigPrintedOnly   uint64 = 0x0000_0000_0040_0000
	sigDigitalOnly   uint64 = 0x0000_0000_0080_0000

	// ftState global values that replace all others (§7.6).
	stateError uint32 = 0xEEEE_EEEE
	stateFail  uint32 = 0xFFFF_FFFF
)

// Receipt cases (ftReceiptCase bits 0–15, §7.2) that get a banner.
const (
	caseDeliveryNote   uint16 = 0x0005
	caseInvoice        uint16 = 0x1000
	caseInvoiceB2G     uint16 = 0x1003
	caseZeroReceipt    uint16 = 0x2000
	caseShiftClosing   uint16 = 0x2010
	caseDailyClosing   uint16 = 0x2011
	caseMonthlyClosing uint16 = 0x2012
	caseYearlyClosing  uint16 = 0x2013
	caseOrder          uint16 = 0x3004
	caseCopyReceipt    uint16 = 0x3010
	caseInitial        uint16 = 0x4001
	caseOutOfOperation uint16 = 0x4002
)

// Payment types (ftPayItemCase bits 0–7, §7.5) that have a label of their
// own; the others print the POS's description.
const (
	payTypeMask   = 0xFF
	payCash       = 0x01
	payNonCash    = 0x02
	payDebitCard  = 0x04
	payCreditCard = 0x05
	payVoucher    = 0x06
)

// ftSignatureFormat: bits 0–15 the format, bits 16–19 the position (§7.7).
const (
	sigFormatMask = 0xFFFF
	sigFormatQR   = 0x0003
	sigPosShift   = 16
	sigPosMask    = 0xF
)

// The failed-device marker of an AT code (rksv.md §1.4): fiscald sets it as
// the QR item's caption, and the code itself ends in the Base64 of the text.
const (
	failedCaption  = "Sicherheitseinrichtung ausgefallen"
	failedQRSuffix = "_U2ljaGVyaGVpdHNlaW5yaWNodHVuZyBhdXNnZWZhbGxlbg=="
)

const countryShift = 48

// country returns the two letters in bits 48–63 of a case value, or "" when
// they are not letters.
func country(v uint64) string {
	hi, lo := byte(v>>(countryShift+8)), byte(v>>countryShift)
	if hi < 'A' || hi > 'Z' || lo < 'A' || lo > 'Z' {
		return ""
	}
	return string([]byte{hi, lo})
}
