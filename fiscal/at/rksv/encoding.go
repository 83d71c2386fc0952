package rksv

import (
	"encoding/base32"
	"encoding/base64"
	"errors"
)

var errNonCanonical = errors.New("not the canonical encoding")

// decodeBase64 decodes s with enc and accepts only the canonical text of the
// result: package base64 otherwise skips CR and LF and, outside strict mode,
// ignores non-zero trailing bits, either of which would let two texts stand
// for the same bytes and break byte-exact round trips.
func decodeBase64(enc *base64.Encoding, s string) ([]byte, error) {
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if !canonicalBase64(enc, s, b) {
		return nil, errNonCanonical
	}
	return b, nil
}

// canonicalBase64 reports whether s is exactly enc's encoding of b, given
// that s decodes to b. Complete 3-byte groups have a single encoding, so only
// the length and the final partial group need checking.
func canonicalBase64(enc *base64.Encoding, s string, b []byte) bool {
	if enc.EncodedLen(len(b)) != len(s) {
		return false
	}
	full := len(b) / 3 * 3
	var tail [4]byte
	n := enc.EncodedLen(len(b) - full)
	enc.Encode(tail[:], b[full:])
	return s[len(s)-n:] == string(tail[:n])
}

// decodeBase32 decodes padded upper-case RFC 4648 Base32 and accepts only the
// canonical text (package base32 has no strict mode and skips CR and LF).
func decodeBase32(s string) ([]byte, error) {
	b, err := base32.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base32.StdEncoding.EncodeToString(b) != s {
		return nil, errNonCanonical
	}
	return b, nil
}
