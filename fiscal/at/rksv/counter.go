package rksv

import (
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Field 10 of receipts that carry no encrypted counter: standard Base64 of
// the ASCII texts "TRA" and "STO" (spec §2.4). A storno receipt still moves
// the counter; a training receipt does not.
const (
	TrainingCounter = "VFJB" // field 10 of a training receipt
	StornoCounter   = "U1RP" // field 10 of a storno receipt
)

// Bounds of the counter length N in bytes (spec §2.2): 5 is the smallest
// length the reference code supports, 16 is one AES block.
const (
	minCounterLen = 5
	maxCounterLen = aes.BlockSize
)

// AES-256 key length in bytes.
const aesKeyLen = 32

// CounterIV returns the AES-CTR initial counter block of a receipt. It is
// derived from the receipt's identity so that the verifier can rebuild it
// without extra data; this is also why a (Kassen-ID, Belegnummer) pair must
// never repeat under one key (spec §2.5).
func CounterIV(kassenID, belegNr string) [16]byte {
	var buf [256]byte // typical ids fit; longer ones spill to the heap
	b := append(append(buf[:0], kassenID...), belegNr...)
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}

// keystream returns the first AES-CTR keystream block of a receipt; N ≤ 16
// bytes never need a second block, so CTR reduces to one block encryption.
func keystream(key []byte, kassenID, belegNr string) ([aes.BlockSize]byte, error) {
	if len(key) != aesKeyLen {
		return [aes.BlockSize]byte{}, fmt.Errorf("rksv: AES key has %d bytes, want %d", len(key), aesKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return [aes.BlockSize]byte{}, fmt.Errorf("rksv: AES key: %w", err)
	}
	ks := CounterIV(kassenID, belegNr)
	block.Encrypt(ks[:], ks[:]) // in place: one buffer escapes through the interface, not two
	return ks, nil
}

// EncryptCounter produces field 10 for a turnover counter of cents: the
// value as n-byte big-endian two's complement, encrypted with AES-256-ICM
// under the register's key and encoded as padded standard Base64 (spec §2.3).
// n is fixed per register (fiscald's default is 8). A value that does not fit
// in n bytes is an error, never a silent wrap.
func EncryptCounter(key []byte, kassenID, belegNr string, cents int64, n int) (string, error) {
	if n < minCounterLen || n > maxCounterLen {
		return "", fmt.Errorf("rksv: counter length %d outside %d..%d", n, minCounterLen, maxCounterLen)
	}
	if n < 8 {
		lim := int64(1) << (8*n - 1)
		if cents < -lim || cents >= lim {
			return "", fmt.Errorf("rksv: counter %d does not fit in %d bytes", cents, n)
		}
	}
	ks, err := keystream(key, kassenID, belegNr)
	if err != nil {
		return "", err
	}
	var buf [maxCounterLen]byte
	v := cents
	for i := n - 1; i >= 0; i-- {
		buf[i] = byte(v) ^ ks[i]
		v >>= 8 // arithmetic shift: sign-extends beyond 8 bytes
	}
	var out [24]byte // base64 of 16 bytes
	base64.StdEncoding.Encode(out[:], buf[:n])
	return string(out[:base64.StdEncoding.EncodedLen(n)]), nil
}

// DecryptCounter recovers the counter from field 10, for verification and
// for rebuilding register state. It accepts only padded standard Base64 of
// 5–16 bytes and sign-extends the plaintext (a negative counter is valid; the
// zero-extension some implementations use is a bug, spec §2.3). The special
// values TrainingCounter and StornoCounter are not counters and give an error.
func DecryptCounter(key []byte, kassenID, belegNr, field10 string) (int64, error) {
	var buf [maxCounterLen + 2]byte
	n, err := decodeCounterBase64(buf[:], field10)
	if err != nil {
		return 0, err
	}
	if n < minCounterLen {
		return 0, fmt.Errorf("rksv: counter %q has %d bytes, want %d..%d", field10, n, minCounterLen, maxCounterLen)
	}
	ks, err := keystream(key, kassenID, belegNr)
	if err != nil {
		return 0, err
	}
	p := buf[:n]
	for i := range p {
		p[i] ^= ks[i]
	}
	// Sign-extend; bytes above the low eight may only repeat the sign, and
	// the low eight must then carry the same sign.
	var sign byte
	if p[0]&0x80 != 0 {
		sign = 0xff
	}
	low := p
	if n > 8 {
		for _, b := range p[:n-8] {
			if b != sign {
				return 0, errors.New("rksv: counter does not fit in int64")
			}
		}
		low = p[n-8:]
		if low[0]&0x80 != sign&0x80 {
			return 0, errors.New("rksv: counter does not fit in int64")
		}
	}
	v := int64(int8(sign)) // 0 or -1
	for _, b := range low {
		v = v<<8 | int64(b)
	}
	return v, nil
}

// decodeCounterBase64 decodes canonical padded standard Base64 of at most
// 16 bytes into dst (at least 18 bytes long) without allocating and returns
// the number of bytes.
func decodeCounterBase64(dst []byte, s string) (int, error) {
	var src [24]byte
	if len(s) > len(src) {
		return 0, fmt.Errorf("rksv: counter %q longer than %d bytes", s, maxCounterLen)
	}
	n := copy(src[:], s)
	m, err := base64.StdEncoding.Decode(dst, src[:n])
	if err == nil && !canonicalBase64(base64.StdEncoding, s, dst[:m]) {
		err = errNonCanonical
	}
	if err != nil {
		return 0, fmt.Errorf("rksv: counter %q is not padded standard Base64: %w", s, err)
	}
	if m > maxCounterLen {
		return 0, fmt.Errorf("rksv: counter %q has %d bytes, want at most %d", s, m, maxCounterLen)
	}
	return m, nil
}

// AESKeyChecksum returns the four-character check value FinanzOnline asks
// for when the register's AES key is typed in by hand, so that typing errors
// are caught at registration: unpadded Base64 of the first three bytes of
// SHA-256 over the key's Base64 text (spec §2.6).
func AESKeyChecksum(keyBase64 string) string {
	sum := sha256.Sum256([]byte(keyBase64))
	return base64.RawStdEncoding.EncodeToString(sum[:3])
}
