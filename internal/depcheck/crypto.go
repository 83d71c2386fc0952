package depcheck

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"math/big"
	"time"
)

// JWS constants of §1.4. They are written out here rather than derived, so
// that a producer that derives them differently is caught.
const (
	jwsHeaderB64    = "eyJhbGciOiJFUzI1NiJ9"
	jwsHeaderJSON   = `{"alg":"ES256"}`
	failedSigB64URL = "U2ljaGVyaGVpdHNlaW5yaWNodHVuZyBhdXNnZWZhbGxlbg"
	failedSigText   = "Sicherheitseinrichtung ausgefallen"
	signatureLen    = 64 // r‖s, 32 bytes each
)

// Field sizes and special values of §2–§3.
const (
	chainLen          = 8
	minCounterLen     = 5
	maxCounterLen     = 16
	specialTraining   = "TRA"
	specialStorno     = "STO"
	receiptDateFormat = "2006-01-02T15:04:05"
)

// decodeStd decodes strict standard Base64: valid alphabet, correct '='
// padding, no line breaks (which encoding/base64 would skip silently), and a
// decode→encode round trip equal to the input (no stray bits).
func decodeStd(s string) ([]byte, bool) {
	return roundTrip(base64.StdEncoding, s)
}

// decodeRawURL decodes strict Base64url without padding, as JWS segments are.
func decodeRawURL(s string) ([]byte, bool) {
	return roundTrip(base64.RawURLEncoding, s)
}

// decodeBase32 decodes strict RFC 4648 Base32 with padding, the OCR encoding.
func decodeBase32(s string) ([]byte, bool) {
	b, err := base32.StdEncoding.DecodeString(s)
	if err != nil || base32.StdEncoding.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

func roundTrip(enc *base64.Encoding, s string) ([]byte, bool) {
	b, err := enc.DecodeString(s)
	if err != nil || enc.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

// receiptIV is §2.3 step 1: the first 16 bytes of SHA-256 over Kassen-ID and
// Belegnummer, concatenated without separator.
func receiptIV(kassenID, receiptID string) []byte {
	h := sha256.Sum256([]byte(kassenID + receiptID))
	return h[:aes.BlockSize]
}

// decryptCounter is the inverse of §2.3: AES-256-CTR with the receipt IV as
// the initial counter block, then the plaintext read as a signed big-endian
// integer (sign-extended). A value that does not fit an int64 is an error.
func decryptCounter(key []byte, kassenID, receiptID string, ct []byte) (int64, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return 0, fmt.Errorf("AES key: %w", err)
	}
	plain := make([]byte, len(ct))
	cipher.NewCTR(block, receiptIV(kassenID, receiptID)).XORKeyStream(plain, ct)
	v, ok := signedBigEndian(plain)
	if !ok {
		return 0, fmt.Errorf("counter plaintext %x does not fit 64 bits", plain)
	}
	return v, nil
}

// signedBigEndian reads b as a two's complement big-endian integer. Bytes
// beyond the eighth must be pure sign extension, otherwise the value does not
// fit and ok is false.
func signedBigEndian(b []byte) (v int64, ok bool) {
	if len(b) == 0 {
		return 0, true
	}
	negative := b[0]&0x80 != 0
	for len(b) > 8 {
		ext := byte(0x00)
		if negative {
			ext = 0xff
		}
		if b[0] != ext {
			return 0, false
		}
		b = b[1:]
	}
	if len(b) == 8 && (b[0]&0x80 != 0) != negative {
		return 0, false
	}
	var u uint64
	if negative {
		u = ^uint64(0)
	}
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	return int64(u), true
}

// chainValue is §3: standard Base64 of the first 8 bytes of SHA-256 over the
// previous JWS exactly as stored (or the Kassen-ID for the start receipt).
func chainValue(input string) string {
	h := sha256.Sum256([]byte(input))
	return base64.StdEncoding.EncodeToString(h[:chainLen])
}

// verifySignature checks ES256 over the JWS signing input with the raw r‖s
// signature form of JWS (not DER).
func verifySignature(pub *ecdsa.PublicKey, signingInput string, sig []byte) bool {
	if len(sig) != signatureLen {
		return false
	}
	h := sha256.Sum256([]byte(signingInput))
	r := new(big.Int).SetBytes(sig[:signatureLen/2])
	s := new(big.Int).SetBytes(sig[signatureLen/2:])
	return ecdsa.Verify(pub, h[:], r, s)
}

// serialMatches compares field 11 read as hex with a certificate serial,
// ignoring case and leading zeros as §5.1 asks of verifiers.
func serialMatches(field11 string, serial *big.Int) bool {
	v, ok := new(big.Int).SetString(field11, 16)
	return ok && serial != nil && v.Cmp(serial) == 0
}

// verifyKey is what step C resolved for a signed receipt: the public key and,
// for open systems, the certificate it came from (for the trust check).
type verifyKey struct {
	pub  *ecdsa.PublicKey
	cert *x509.Certificate
}

// resolveKey is step C's key lookup: the group certificate wins when there is
// one, otherwise the container entry whose id is field 11, literally.
func resolveKey(r *receipt, groupCert *x509.Certificate, c *Container) (verifyKey, *Finding) {
	if groupCert != nil {
		if !serialMatches(r.serial, groupCert.SerialNumber) {
			return verifyKey{}, finding(CodeCertSerialMismatch,
				"field 11 %q is not the group certificate's serial %x", r.serial, groupCert.SerialNumber)
		}
		return verifyKey{pub: groupCert.PublicKey.(*ecdsa.PublicKey), cert: groupCert}, nil
	}
	if c == nil {
		return verifyKey{}, finding(CodeNoKey, "no container given for field 11 %q", r.serial)
	}
	d, ok := c.Devices[r.serial]
	if !ok || d.PublicKey == nil {
		return verifyKey{}, finding(CodeNoKey, "no certificate or public key for field 11 %q", r.serial)
	}
	if d.Certificate != nil && !serialMatches(r.serial, d.Certificate.SerialNumber) {
		return verifyKey{}, finding(CodeCertSerialNotHexOfCert,
			"field 11 %q read as hex is not the container certificate's serial %x", r.serial, d.Certificate.SerialNumber)
	}
	return verifyKey{pub: d.PublicKey, cert: d.Certificate}, nil
}

// checkTrust verifies cert up to roots with the group's CA list as
// intermediates, at the receipt's date (read as UTC: an hour's offset does not
// matter for certificate validity), because receipts are judged as of when
// they were signed, not as of today.
func checkTrust(cert *x509.Certificate, intermediates []*x509.Certificate, roots *x509.CertPool, date string) error {
	at, err := time.Parse(receiptDateFormat, date)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	for _, ca := range intermediates {
		pool.AddCert(ca)
	}
	_, err = cert.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: pool,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}

// isFailedSignature tells a receipt made while the device was out (§1.4):
// its signature segment is the fixed failure text, not a signature.
func isFailedSignature(segment string) bool {
	return segment == failedSigB64URL
}
