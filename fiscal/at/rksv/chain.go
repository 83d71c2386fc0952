package rksv

import (
	"crypto/sha256"
	"encoding/base64"
)

// ChainValue returns field 12, which binds a receipt to its predecessor so
// that no receipt can be removed or reordered unnoticed: padded standard
// Base64 of the first 8 bytes of SHA-256 over prev (spec §3). prev is the
// previous receipt's complete JWS exactly as stored in the DEP (a failed
// receipt's JWS included), or the Kassen-ID for the start receipt. It is
// never the QR form or the bare payload.
func ChainValue(prev string) string {
	h := sha256.New()
	h.Write([]byte(prev))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var out [12]byte
	base64.StdEncoding.Encode(out[:], sum[:8])
	return string(out[:])
}
