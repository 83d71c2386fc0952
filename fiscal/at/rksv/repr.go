package rksv

import (
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"strings"
)

// qrParts is the number of "_"-separated parts of a QR or OCR string: an
// empty first part, the twelve payload fields and the signature.
const qrParts = 14

// Parts of a QR/OCR string that OCR re-encodes from Base64 to Base32.
const (
	partCounter   = 10
	partChain     = 12
	partSignature = 13
)

// splitQR splits a QR or OCR string into its 14 parts.
func splitQR(s string) ([qrParts]string, error) {
	var parts [qrParts]string
	if n := strings.Count(s, "_"); n != qrParts-1 {
		return parts, fmt.Errorf("rksv: code has %d parts, want %d", n+1, qrParts)
	}
	if s[0] != '_' {
		return parts, fmt.Errorf("rksv: code does not start with '_'")
	}
	rest := s[1:]
	for i := 1; i < qrParts-1; i++ {
		parts[i], rest, _ = strings.Cut(rest, "_")
	}
	parts[qrParts-1] = rest
	return parts, nil
}

// QR converts a stored JWS into the string printed as QR code and returned
// to the POS: the payload, "_", and padded standard Base64 of the signature
// bytes or of FailedText (spec §1.5).
func QR(jws string) (string, error) {
	payload, sig, err := SplitJWS(jws)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.Grow(len(payload) + 1 + base64.StdEncoding.EncodedLen(len(sig)))
	sb.WriteString(payload)
	sb.WriteByte('_')
	var seg [88]byte // padded Base64 of 64 bytes; FailedText is shorter
	n := base64.StdEncoding.EncodedLen(len(sig))
	base64.StdEncoding.Encode(seg[:n], sig)
	sb.Write(seg[:n])
	return sb.String(), nil
}

// OCR converts a QR string into the text form printed when no QR code can
// be: fields 10 and 12 and the signature re-encoded from Base64 to upper-case
// padded Base32, which OCR fonts read reliably (spec §1.5).
func OCR(qr string) (string, error) {
	parts, err := splitQR(qr)
	if err != nil {
		return "", err
	}
	for _, i := range [...]int{partCounter, partChain, partSignature} {
		b, err := decodeBase64(base64.StdEncoding, parts[i])
		if err != nil {
			return "", fmt.Errorf("rksv: QR part %d %q: %w", i, parts[i], err)
		}
		parts[i] = base32.StdEncoding.EncodeToString(b)
	}
	return strings.Join(parts[:], "_"), nil
}

// QRFromOCR is the inverse of OCR, for reading a receipt printed in OCR
// form: Base32 back to padded standard Base64 in fields 10, 12 and the
// signature. Only canonical Base32 is accepted, so OCR(QRFromOCR(s)) == s.
func QRFromOCR(ocr string) (string, error) {
	parts, err := splitQR(ocr)
	if err != nil {
		return "", err
	}
	for _, i := range [...]int{partCounter, partChain, partSignature} {
		b, err := decodeBase32(parts[i])
		if err != nil {
			return "", fmt.Errorf("rksv: OCR part %d %q: %w", i, parts[i], err)
		}
		parts[i] = base64.StdEncoding.EncodeToString(b)
	}
	return strings.Join(parts[:], "_"), nil
}

// JWSFromQR rebuilds the JWS compact form from a scanned QR string, which is
// what a verifier checks the signature of. The payload is taken as it
// stands; the signature must be canonical padded standard Base64 of 64 bytes
// or of FailedText, so QR(JWSFromQR(s)) == s.
func JWSFromQR(qr string) (string, error) {
	if _, err := splitQR(qr); err != nil {
		return "", err
	}
	cut := strings.LastIndexByte(qr, '_')
	payload, sigText := qr[:cut], qr[cut+1:]
	sig, err := decodeBase64(base64.StdEncoding, sigText)
	if err != nil {
		return "", fmt.Errorf("rksv: QR signature %q: %w", sigText, err)
	}
	if err := checkSig(sig); err != nil {
		return "", err
	}
	si := SigningInput(payload)
	if string(sig) == FailedText {
		return FailedJWS(si), nil
	}
	return JWS(si, sig)
}
