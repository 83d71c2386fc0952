package rksv

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// HeaderB64 is the JWS header segment, base64url of the exact 15 bytes
// {"alg":"ES256"}. It is a constant because any other byte sequence (spaces,
// key order) changes the signing input that the Prüftool rebuilds.
const HeaderB64 = "eyJhbGciOiJFUzI1NiJ9"

// FailedText stands in for the signature when the signature device gives
// none (spec §1.4); it must also be printed on the receipt.
const FailedText = "Sicherheitseinrichtung ausgefallen"

// failedSegment is base64url without padding of FailedText, the signature
// segment of a failed receipt's JWS.
const failedSegment = "U2ljaGVyaGVpdHNlaW5yaWNodHVuZyBhdXNnZWZhbGxlbg"

// sigLen is the length of an ES256 signature in JWS form: r‖s, 32 bytes
// each, big-endian and left-padded (not DER).
const sigLen = 64

var errJWSShape = errors.New("rksv: JWS is not <header>.<payload>.<signature> with header " + HeaderB64)

// SigningInput returns the bytes the device signs for a payload string:
// HeaderB64 + "." + base64url without padding of the payload (spec §1.4).
func SigningInput(payload string) string {
	var sb strings.Builder
	sb.Grow(len(HeaderB64) + 1 + base64.RawURLEncoding.EncodedLen(len(payload)))
	sb.WriteString(HeaderB64)
	sb.WriteByte('.')
	writeRawURL(&sb, payload)
	return sb.String()
}

// writeRawURL writes base64url without padding of s to sb in chunks, so that
// the string need not be converted to a byte slice first. Chunks are whole
// 3-byte groups, whose encodings concatenate to the encoding of the whole.
func writeRawURL(sb *strings.Builder, s string) {
	var in [384]byte
	var out [512]byte
	for len(s) > 0 {
		n := copy(in[:], s)
		s = s[n:]
		m := base64.RawURLEncoding.EncodedLen(n)
		base64.RawURLEncoding.Encode(out[:m], in[:n])
		sb.Write(out[:m])
	}
}

// AppendSigningInput is SigningInput for the receipt path: it appends to dst
// and allocates only when dst must grow.
func AppendSigningInput(dst []byte, payload []byte) []byte {
	dst = append(dst, HeaderB64...)
	dst = append(dst, '.')
	return base64.RawURLEncoding.AppendEncode(dst, payload)
}

// JWS completes a signing input with the device's signature into the JWS
// compact form stored in the DEP and hashed by the next receipt's chain
// value. sig must be the 64-byte r‖s form; a DER signature (as from
// ecdsa.SignASN1) must be converted first.
func JWS(signingInput string, sig []byte) (string, error) {
	if len(sig) != sigLen {
		return "", fmt.Errorf("rksv: signature has %d bytes, want %d (r||s)", len(sig), sigLen)
	}
	if err := checkSigningInput(signingInput); err != nil {
		return "", err
	}
	var seg [86]byte // base64url of 64 bytes, unpadded
	base64.RawURLEncoding.Encode(seg[:], sig)
	var sb strings.Builder
	sb.Grow(len(signingInput) + 1 + len(seg))
	sb.WriteString(signingInput)
	sb.WriteByte('.')
	sb.Write(seg[:])
	return sb.String(), nil
}

// checkSigningInput rejects anything that is not HeaderB64, one dot and one
// more base64url segment.
func checkSigningInput(si string) error {
	seg, ok := strings.CutPrefix(si, HeaderB64+".")
	if !ok || !isBase64URL(seg) {
		return fmt.Errorf("rksv: signing input is not %s.<base64url payload>", HeaderB64)
	}
	return nil
}

// isBase64URL reports whether s is non-empty and uses only the base64url
// alphabet (no padding).
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || isUpper(c) || 'a' <= c && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// FailedJWS completes a signing input whose signature the device did not
// give: the receipt stays complete and chainable, its signature segment
// being base64url of FailedText (spec §1.4).
func FailedJWS(signingInput string) string {
	return signingInput + "." + failedSegment
}

// SplitJWS takes a stored JWS apart into the payload string and the
// signature bytes, for verification, QR conversion and state rebuilding. It
// is strict: exactly three segments, header HeaderB64, canonical base64url
// without "=" in payload and signature, and a signature of 64 bytes or
// FailedText (test string(sig) == FailedText for a failed receipt).
func SplitJWS(jws string) (payload string, sig []byte, err error) {
	h, rest, ok := strings.Cut(jws, ".")
	if !ok || h != HeaderB64 {
		return "", nil, errJWSShape
	}
	ps, ss, ok := strings.Cut(rest, ".")
	if !ok || strings.IndexByte(ss, '.') >= 0 {
		return "", nil, errJWSShape
	}
	p, err := decodeBase64(base64.RawURLEncoding, ps)
	if err != nil {
		return "", nil, fmt.Errorf("rksv: JWS payload segment: %w", err)
	}
	sig, err = decodeBase64(base64.RawURLEncoding, ss)
	if err != nil {
		return "", nil, fmt.Errorf("rksv: JWS signature segment: %w", err)
	}
	if err := checkSig(sig); err != nil {
		return "", nil, err
	}
	return string(p), sig, nil
}

// checkSig accepts an r‖s signature or the failure marker.
func checkSig(sig []byte) error {
	if len(sig) != sigLen && string(sig) != FailedText {
		return fmt.Errorf("rksv: signature has %d bytes, want %d or the text %q", len(sig), sigLen, FailedText)
	}
	return nil
}
