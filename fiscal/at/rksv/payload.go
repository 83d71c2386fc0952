package rksv

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

// suitePrefix starts field 1; R1 is the only suite defined (spec §1.3).
const suitePrefix = "R1-"

// Payload is the content of the machine-readable code ("Belegdaten") in
// typed form: the twelve fields of spec §1.1. It is what the register
// assembles for a receipt and what a verifier recovers from a JWS or QR code.
type Payload struct {
	Provider    string  // field 1 after "R1-": AT0 for a closed system, else the VDA id, e.g. "AT1", "AT100"
	KassenID    string  // field 2
	Belegnummer string  // field 3
	Date        string  // field 4, "2006-01-02T15:04:05" Europe/Vienna wall clock (see ViennaDate)
	Amounts     Amounts // fields 5–9
	Counter     string  // field 10: EncryptCounter's result, TrainingCounter or StornoCounter
	Serial      string  // field 11: Serial(cert) (open system) or company id + key id, e.g. "U:ATU12345678-K1" (AT0)
	Chain       string  // field 12: ChainValue of the previous JWS (or of the Kassen-ID)
}

// fieldName names a payload field in errors by its Payload member.
func fieldName(field int) string {
	switch field {
	case 1:
		return "Provider"
	case 2:
		return "KassenID"
	case 3:
		return "Belegnummer"
	case 4:
		return "Date"
	case 5, 6, 7, 8, 9:
		return [...]string{"Amounts[Normal]", "Amounts[Reduced1]", "Amounts[Reduced2]", "Amounts[Zero]", "Amounts[Special]"}[field-5]
	case 10:
		return "Counter"
	case 11:
		return "Serial"
	case 12:
		return "Chain"
	}
	return "?"
}

func fieldError(field int, format string, args ...any) error {
	return fmt.Errorf("rksv: payload field %d (%s): %s", field, fieldName(field), fmt.Sprintf(format, args...))
}

// Validate checks every field against the formats the Prüftool and the
// FinanzOnline check enforce, so that a malformed receipt is refused before
// its payload reaches a signing device. Beyond the basic rules (no "_" in any
// field, non-empty Kassen-ID and Belegnummer, provider AT0 or
// [A-Z]{2}[1-9][0-9]*, date shape) it requires field 10 to be TrainingCounter,
// StornoCounter or padded standard Base64 of 5–16 bytes, field 12 to be padded
// standard Base64 of 8 bytes, and field 11 to agree with the provider: a
// company id ("S:", "U:" or "G:" …) for AT0, a hexadecimal serial otherwise
// (spec §1.3, §5.1). Errors name the field.
func (p *Payload) Validate() error {
	if !validProvider(p.Provider) {
		return fieldError(1, "provider %q is not AT0 or [A-Z]{2}[1-9][0-9]*", p.Provider)
	}
	if err := validText(p.KassenID); err != "" {
		return fieldError(2, "%s", err)
	}
	if err := validText(p.Belegnummer); err != "" {
		return fieldError(3, "%s", err)
	}
	if !validDate(p.Date) {
		return fieldError(4, "%q is not a date of the form 2006-01-02T15:04:05", p.Date)
	}
	if p.Counter != TrainingCounter && p.Counter != StornoCounter {
		var buf [maxCounterLen + 2]byte
		n, err := decodeCounterBase64(buf[:], p.Counter)
		if err != nil {
			return fieldError(10, "%v", err)
		}
		if n < minCounterLen {
			return fieldError(10, "%q has %d bytes, want %d..%d", p.Counter, n, minCounterLen, maxCounterLen)
		}
	}
	if err := validSerial(p.Provider, p.Serial); err != "" {
		return fieldError(11, "%s", err)
	}
	if b, err := decodeBase64(base64.StdEncoding, p.Chain); err != nil || len(b) != 8 {
		return fieldError(12, "%q is not padded standard Base64 of 8 bytes", p.Chain)
	}
	return nil
}

// validProvider reports whether id is AT0 or matches [A-Z]{2}[1-9][0-9]*.
func validProvider(id string) bool {
	if id == "AT0" {
		return true
	}
	if len(id) < 3 || !isUpper(id[0]) || !isUpper(id[1]) || id[2] < '1' || id[2] > '9' {
		return false
	}
	for i := 3; i < len(id); i++ {
		if !isDigit(id[i]) {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// validText checks a free-text field (Kassen-ID, Belegnummer) and returns
// the problem, or "".
func validText(s string) string {
	switch {
	case s == "":
		return "empty"
	case strings.IndexByte(s, '_') >= 0:
		return fmt.Sprintf("%q contains '_'", s)
	case !utf8.ValidString(s):
		return fmt.Sprintf("%q is not valid UTF-8", s)
	}
	return ""
}

// validSerial checks field 11 against the provider and returns the problem,
// or "".
func validSerial(provider, s string) string {
	if provider == "AT0" {
		if len(s) < 3 || s[1] != ':' || (s[0] != 'S' && s[0] != 'U' && s[0] != 'G') {
			return fmt.Sprintf("closed system (AT0) needs a company id such as U:ATU12345678-K1, got %q", s)
		}
		return validText(s[2:])
	}
	if s == "" {
		return "empty"
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return fmt.Sprintf("open system needs a hexadecimal certificate serial, got %q", s)
		}
	}
	return ""
}

// AppendTo appends the payload string "_R1-<provider>_<Kassen-ID>_…_<chain>"
// (12 fields, leading "_") to dst. It is the hot-path encoder: it allocates
// only when dst must grow, and it does not validate (call Validate once when
// the receipt is assembled).
func (p *Payload) AppendTo(dst []byte) []byte {
	dst = append(dst, '_')
	dst = append(dst, suitePrefix...)
	dst = append(dst, p.Provider...)
	dst = append(dst, '_')
	dst = append(dst, p.KassenID...)
	dst = append(dst, '_')
	dst = append(dst, p.Belegnummer...)
	dst = append(dst, '_')
	dst = append(dst, p.Date...)
	for _, a := range p.Amounts {
		dst = append(dst, '_')
		dst = appendAmount(dst, a)
	}
	dst = append(dst, '_')
	dst = append(dst, p.Counter...)
	dst = append(dst, '_')
	dst = append(dst, p.Serial...)
	dst = append(dst, '_')
	dst = append(dst, p.Chain...)
	return dst
}

// encodedLen is an upper bound of len(p.AppendTo(nil)).
func (p *Payload) encodedLen() int {
	return 12 + len(suitePrefix) + len(p.Provider) + len(p.KassenID) + len(p.Belegnummer) +
		len(p.Date) + 5*maxAmountLen + len(p.Counter) + len(p.Serial) + len(p.Chain)
}

// String returns the payload string that is signed, for callers that need
// it once (AppendTo is the allocation-free form).
func (p *Payload) String() string {
	return string(p.AppendTo(make([]byte, 0, p.encodedLen())))
}

// ParsePayload is the strict inverse of AppendTo: exactly 13 "_"-separated
// parts with the first empty, suite R1, canonical amounts (no grouping, no
// "+", no leading zeros, no "-0,00"), and a payload that passes Validate.
// Whatever it accepts, AppendTo reproduces byte for byte.
func ParsePayload(s string) (Payload, error) {
	if n := strings.Count(s, "_"); n != 12 {
		return Payload{}, fmt.Errorf("rksv: payload has %d parts, want 13", n+1)
	}
	if s[0] != '_' {
		return Payload{}, fmt.Errorf("rksv: payload does not start with '_'")
	}
	var f [13]string
	rest := s[1:]
	for i := 1; i < 12; i++ {
		f[i], rest, _ = strings.Cut(rest, "_")
	}
	f[12] = rest

	provider, ok := strings.CutPrefix(f[1], suitePrefix)
	if !ok {
		return Payload{}, fieldError(1, "%q is not suite R1", f[1])
	}
	p := Payload{
		Provider:    provider,
		KassenID:    f[2],
		Belegnummer: f[3],
		Date:        f[4],
		Counter:     f[10],
		Serial:      f[11],
		Chain:       f[12],
	}
	for i := range p.Amounts {
		a, err := parseAmount(f[5+i])
		if err != nil {
			return Payload{}, fieldError(5+i, "%q: %v", f[5+i], err)
		}
		p.Amounts[i] = a
	}
	if err := p.Validate(); err != nil {
		return Payload{}, err
	}
	return p, nil
}
