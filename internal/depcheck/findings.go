package depcheck

import "fmt"

// Finding codes, exactly the strings of spec/rksv.md §9.3, so that a test can
// compare a verdict with the specification (and with other tools' reports)
// by plain string equality.
const (
	// CodeMalformedDEP marks a DEP whose JSON structure (step A) cannot be
	// trusted: missing, null or extra keys, a bad certificate, several groups
	// without certificates.
	CodeMalformedDEP = "MALFORMED_DEP"
	// CodeMalformedJWS marks a receipt that is not three unpadded Base64url
	// segments with the fixed ES256 header, so nothing in it can be trusted.
	CodeMalformedJWS = "MALFORMED_JWS"
	// CodeMalformedReceipt marks a payload that does not split into the 13
	// parts of §1.1, has an empty Kassen-ID or Belegnummer, or a bad date.
	CodeMalformedReceipt = "MALFORMED_RECEIPT"
	// CodeMalformedSuite marks a field 1 that is not R1 with a valid provider
	// id (e.g. R1-PFX), which every official verifier rejects.
	CodeMalformedSuite = "MALFORMED_SUITE"
	// CodeMalformedAmount marks an amount that is not the strict §1.2 form
	// (thousands separator, '.' decimal, wrong number of decimals).
	CodeMalformedAmount = "MALFORMED_AMOUNT"
	// CodeMalformedTurnoverCounter marks a field 10 that is not strict padded
	// standard Base64.
	CodeMalformedTurnoverCounter = "MALFORMED_TURNOVER_COUNTER"
	// CodeTurnoverCounterLength marks an encrypted counter shorter than 5 or
	// longer than 16 bytes.
	CodeTurnoverCounterLength = "TURNOVER_COUNTER_LENGTH"
	// CodeTurnoverCounterSizeChanged marks a counter whose length differs from
	// the register's first counter; the length is fixed for a register's life.
	CodeTurnoverCounterSizeChanged = "TURNOVER_COUNTER_SIZE_CHANGED"
	// CodeMalformedChain marks a field 12 that is not strict Base64 of 8 bytes.
	CodeMalformedChain = "MALFORMED_CHAIN"
	// CodeMalformedSerial marks a field 11 that is not a hex serial (open
	// system) or a company id plus key id (closed system, AT0).
	CodeMalformedSerial = "MALFORMED_SERIAL"
	// CodeCertSerialMismatch marks a receipt whose field 11 is not the serial
	// of its DEP group's certificate.
	CodeCertSerialMismatch = "CERT_SERIAL_MISMATCH"
	// CodeCertSerialNotHexOfCert marks a container certificate found under
	// field 11 whose serial is not field 11 read as hex (e.g. a decimal id),
	// which FinanzOnline would not accept.
	CodeCertSerialNotHexOfCert = "CERT_SERIAL_NOT_HEX_OF_CERT"
	// CodeNoKey marks a signed receipt for which neither the group nor the
	// container provides a key.
	CodeNoKey = "NO_KEY"
	// CodeSignature marks a signature that does not verify.
	CodeSignature = "SIGNATURE"
	// CodeUntrustedCert marks a certificate that does not chain to
	// Options.TrustedCAs; reported only when such a set is given.
	CodeUntrustedCert = "UNTRUSTED_CERT"
	// CodeStartReceiptNotSigned marks a start receipt made while the device
	// was failed; the register was never properly commissioned.
	CodeStartReceiptNotSigned = "START_RECEIPT_NOT_SIGNED"
	// CodeStartReceiptType marks a start receipt that is a training or storno
	// receipt.
	CodeStartReceiptType = "START_RECEIPT_TYPE"
	// CodeStartReceiptNonzero marks a start receipt that carries amounts.
	CodeStartReceiptNonzero = "START_RECEIPT_NONZERO"
	// CodeStartReceiptNotFirst marks a later receipt chained to the Kassen-ID,
	// i.e. a second start receipt that would restart the chain.
	CodeStartReceiptNotFirst = "START_RECEIPT_NOT_FIRST"
	// CodeChain marks a field 12 that is not the hash of the previous JWS (or
	// of the Kassen-ID for the start receipt).
	CodeChain = "CHAIN"
	// CodeCashboxIDChanged marks a Kassen-ID different from the register's
	// first; one DEP belongs to one register.
	CodeCashboxIDChanged = "CASHBOX_ID_CHANGED"
	// CodeSystemTypeChanged marks a switch between closed (AT0) and open system.
	CodeSystemTypeChanged = "SYSTEM_TYPE_CHANGED"
	// CodeDuplicateReceiptID marks a repeated Belegnummer, which also means a
	// repeated AES-CTR keystream.
	CodeDuplicateReceiptID = "DUPLICATE_RECEIPT_ID"
	// CodeDateDecreasing marks a receipt dated before its predecessor.
	CodeDateDecreasing = "DATE_DECREASING"
	// CodeNoSammelbelegAfterFailure marks an outage not closed in time by a
	// signed null receipt (§4.4 rule 3).
	CodeNoSammelbelegAfterFailure = "NO_SAMMELBELEG_AFTER_FAILURE"
	// CodeTurnoverCounter marks a decrypted counter that differs from the sum
	// of the amounts so far.
	CodeTurnoverCounter = "TURNOVER_COUNTER"
	// CodeUnsignedNullReceipt is a warning: a null receipt marked as failed is
	// allowed (§4.2) but worth showing, since start, yearly and Sammelbeleg
	// receipts must not be unsigned.
	CodeUnsignedNullReceipt = "UNSIGNED_NULL_RECEIPT"
	// CodeSignatureDeviceFailed is information: the receipt carries the
	// failure marker instead of a signature; it is legal but must be closed
	// by a Sammelbeleg.
	CodeSignatureDeviceFailed = "SIGNATURE_DEVICE_FAILED"
)

// Receipt kinds as counted in Result.Kinds, named as in §4.1 so that tests
// can compare them with the §10.3 totals.
const (
	// KindStart is the register's first receipt.
	KindStart = "START"
	// KindStandard is a counted receipt with at least one non-zero amount.
	KindStandard = "STANDARD"
	// KindStorno is a receipt whose field 10 is STO.
	KindStorno = "STORNO"
	// KindTraining is a receipt whose field 10 is TRA.
	KindTraining = "TRAINING"
	// KindNull is a counted receipt whose amounts are all zero (Monats-,
	// Jahres-, Schluss- and Sammelbeleg included).
	KindNull = "NULL"
)

// Finding is one verdict about a DEP or receipt. It is an error value too, so
// that the single-receipt functions can return it directly and callers can
// still read the code with errors.As.
type Finding struct {
	Index  int    // 0-based receipt position in the flattened DEP (-1 for DEP-level structure errors)
	Code   string // one of the Code… constants
	Detail string // human-readable explanation; not stable
}

// Error makes a *Finding usable as an error while keeping code and index
// visible in test failure messages.
func (f *Finding) Error() string {
	if f.Index < 0 {
		return fmt.Sprintf("DEP: %s: %s", f.Code, f.Detail)
	}
	return fmt.Sprintf("receipt %d: %s: %s", f.Index, f.Code, f.Detail)
}

// finding builds a Finding whose index the caller fills in; the per-receipt
// checks do not know where in the DEP they are.
func finding(code, format string, args ...any) *Finding {
	return &Finding{Index: -1, Code: code, Detail: fmt.Sprintf(format, args...)}
}
