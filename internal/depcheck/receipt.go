package depcheck

import (
	"encoding/base64"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Formats of §1.1 and §9.2 B. Compiled regular expressions are read-only and
// safe for concurrent use, so they are not mutable state.
var (
	segmentPattern       = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
	suitePattern         = regexp.MustCompile(`^R1-(AT0|[A-Z]{2}[1-9][0-9]*)$`)
	datePattern          = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	amountPattern        = regexp.MustCompile(`^-?(0|[1-9][0-9]*),[0-9]{2}$`)
	hexSerialPattern     = regexp.MustCompile(`^[0-9A-Fa-f]+$`)
	companySerialPattern = regexp.MustCompile(`^(S:[0-9]{9}|U:[A-Z0-9]+|G:[0-9]{13})-[A-Za-z0-9]+$`)
)

// Positions of the payload fields after splitting on '_'; index 0 is the
// empty string before the leading '_', so index n is spec field n.
const (
	fieldSuite       = 1
	fieldKassenID    = 2
	fieldReceiptID   = 3
	fieldDate        = 4
	fieldAmountFirst = 5 // fields 5–9 are the amounts
	fieldCounter     = 10
	fieldSerial      = 11
	fieldChain       = 12
	payloadParts     = 13
	amountFields     = 5
)

// closedProvider is the provider id of a closed system (§1.3, §5.1).
const closedProvider = "AT0"

// receipt is one parsed machine-readable code, everything step B extracts
// from the JWS. Later steps never look at the raw strings again, except the
// JWS itself, which is the next receipt's chain input.
type receipt struct {
	jws          string
	signingInput string // header.payload, the bytes the signature covers
	sig          []byte // decoded signature segment
	failed       bool   // signature segment is the failure marker
	closed       bool   // provider AT0: closed system, company id in field 11
	kassenID     string
	receiptID    string
	date         string
	amounts      [amountFields]int64 // cents
	sum          int64               // cents, the counter increment
	special      string              // specialTraining, specialStorno or ""
	counter      []byte              // encrypted counter when special == ""
	chain        string              // field 12 as printed
	serial       string              // field 11
}

func (r *receipt) training() bool { return r.special == specialTraining }
func (r *receipt) storno() bool   { return r.special == specialStorno }

// null is the §4.1 Nullbeleg: counted and all amounts zero.
func (r *receipt) null() bool {
	return r.special == "" && r.zeroAmounts()
}

func (r *receipt) zeroAmounts() bool {
	for _, a := range r.amounts {
		if a != 0 {
			return false
		}
	}
	return true
}

// kind classifies per §4.1; the start receipt is told by position, not here.
func (r *receipt) kind() string {
	switch {
	case r.training():
		return KindTraining
	case r.storno():
		return KindStorno
	case r.null():
		return KindNull
	default:
		return KindStandard
	}
}

// parseReceipt is step B. counterLen is the register's counter length, 0
// when none is known yet (first receipt, or single-receipt mode).
func parseReceipt(jws string, counterLen int) (*receipt, *Finding) {
	segs := strings.Split(jws, ".")
	if len(segs) != 3 {
		return nil, finding(CodeMalformedJWS, "%d segments, want 3", len(segs))
	}
	for i, s := range segs {
		if !segmentPattern.MatchString(s) {
			return nil, finding(CodeMalformedJWS, "segment %d has characters outside unpadded Base64url", i+1)
		}
	}
	header, ok := decodeRawURL(segs[0])
	if !ok || string(header) != jwsHeaderJSON {
		return nil, finding(CodeMalformedJWS, "header %q is not %s", segs[0], jwsHeaderJSON)
	}
	payload, ok := decodeRawURL(segs[1])
	if !ok {
		return nil, finding(CodeMalformedJWS, "payload segment is not strict Base64url")
	}
	sig, ok := decodeRawURL(segs[2])
	if !ok {
		return nil, finding(CodeMalformedJWS, "signature segment is not strict Base64url")
	}
	r := &receipt{
		jws:          jws,
		signingInput: segs[0] + "." + segs[1],
		sig:          sig,
		failed:       isFailedSignature(segs[2]),
	}
	if f := r.parsePayload(payload, counterLen); f != nil {
		return nil, f
	}
	return r, nil
}

// parsePayload checks the 12 fields in the order §9.2 B lists them, so that
// the first failing check is the one reported.
func (r *receipt) parsePayload(payload []byte, counterLen int) *Finding {
	if !utf8.Valid(payload) {
		return finding(CodeMalformedReceipt, "payload is not UTF-8")
	}
	f := strings.Split(string(payload), "_")
	if len(f) != payloadParts || f[0] != "" {
		return finding(CodeMalformedReceipt, "payload has %d '_'-separated parts, want %d with a leading '_'", len(f), payloadParts)
	}
	r.kassenID, r.receiptID, r.date = f[fieldKassenID], f[fieldReceiptID], f[fieldDate]
	if r.kassenID == "" || r.receiptID == "" {
		return finding(CodeMalformedReceipt, "empty Kassen-ID or Belegnummer")
	}
	if !datePattern.MatchString(r.date) {
		return finding(CodeMalformedReceipt, "date %q is not yyyy-MM-ddTHH:mm:ss", r.date)
	}
	if _, err := time.Parse(receiptDateFormat, r.date); err != nil {
		return finding(CodeMalformedReceipt, "date %q is not a real time: %v", r.date, err)
	}
	suite := f[fieldSuite]
	if !suitePattern.MatchString(suite) {
		return finding(CodeMalformedSuite, "suite %q is not R1-<provider>", suite)
	}
	r.closed = suite == "R1-"+closedProvider
	for i := range amountFields {
		cents, ok := parseAmount(f[fieldAmountFirst+i])
		if !ok {
			return finding(CodeMalformedAmount, "field %d %q is not -?(0|[1-9][0-9]*),dd within 64 bits", fieldAmountFirst+i, f[fieldAmountFirst+i])
		}
		r.amounts[i] = cents
		sum, ok := addInt64(r.sum, cents)
		if !ok {
			return finding(CodeMalformedAmount, "amounts overflow 64 bits")
		}
		r.sum = sum
	}
	if f := r.parseCounter(f[fieldCounter], counterLen); f != nil {
		return f
	}
	r.chain = f[fieldChain]
	if b, ok := decodeStd(r.chain); !ok || len(b) != chainLen {
		return finding(CodeMalformedChain, "field 12 %q is not strict Base64 of %d bytes", r.chain, chainLen)
	}
	r.serial = f[fieldSerial]
	if r.closed && !companySerialPattern.MatchString(r.serial) {
		return finding(CodeMalformedSerial, "closed system: field 11 %q is not a company id with key id", r.serial)
	}
	if !r.closed && !hexSerialPattern.MatchString(r.serial) {
		return finding(CodeMalformedSerial, "open system: field 11 %q is not a hex serial", r.serial)
	}
	return nil
}

func (r *receipt) parseCounter(field string, counterLen int) *Finding {
	b, ok := decodeStd(field)
	if !ok {
		return finding(CodeMalformedTurnoverCounter, "field 10 %q is not strict padded Base64", field)
	}
	if s := string(b); s == specialTraining || s == specialStorno {
		r.special = s
		return nil
	}
	if len(b) < minCounterLen || len(b) > maxCounterLen {
		return finding(CodeTurnoverCounterLength, "counter has %d bytes, want %d–%d", len(b), minCounterLen, maxCounterLen)
	}
	if counterLen != 0 && len(b) != counterLen {
		return finding(CodeTurnoverCounterSizeChanged, "counter has %d bytes, the register's first had %d", len(b), counterLen)
	}
	r.counter = b
	return nil
}

// parseAmount reads the strict §1.2 form into cents. The pattern excludes
// grouping and '.' decimals; ParseInt catches values beyond 64 bits.
func parseAmount(s string) (int64, bool) {
	if !amountPattern.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.Replace(s, ",", "", 1), 10, 64)
	return v, err == nil
}

func addInt64(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}

// QRToJWS converts the QR representation (§1.5) into the DEP's JWS form, so
// that tests can compare what the daemon printed with what it exported, and so
// that single-receipt checks have one code path. The payload and signature are
// re-encoded as Base64url without padding; the error is a *Finding.
func QRToJWS(qr string) (string, error) {
	jws, f := qrToJWS(qr)
	if f != nil {
		return "", f
	}
	return jws, nil
}

func qrToJWS(qr string) (string, *Finding) {
	i := strings.LastIndexByte(qr, '_')
	if i <= 0 {
		return "", finding(CodeMalformedReceipt, "QR code has no signature element")
	}
	sig, ok := decodeStd(qr[i+1:])
	if !ok {
		return "", finding(CodeMalformedJWS, "QR signature element is not strict padded Base64")
	}
	return jwsHeaderB64 + "." +
		base64.RawURLEncoding.EncodeToString([]byte(qr[:i])) + "." +
		base64.RawURLEncoding.EncodeToString(sig), nil
}

// ocrToQR undoes the OCR re-encoding of §1.5: fields 10, 12 and the signature
// from Base32 back to standard Base64.
func ocrToQR(ocr string) (string, *Finding) {
	parts := strings.Split(ocr, "_")
	if len(parts) != payloadParts+1 || parts[0] != "" {
		return "", finding(CodeMalformedReceipt, "OCR code has %d '_'-separated parts, want %d", len(parts), payloadParts+1)
	}
	for _, c := range []struct {
		field int
		code  string
	}{{fieldCounter, CodeMalformedTurnoverCounter}, {fieldChain, CodeMalformedChain}, {payloadParts, CodeMalformedJWS}} {
		b, ok := decodeBase32(parts[c.field])
		if !ok {
			return "", finding(c.code, "OCR element %d %q is not strict Base32", c.field, parts[c.field])
		}
		parts[c.field] = base64.StdEncoding.EncodeToString(b)
	}
	return strings.Join(parts, "_"), nil
}
