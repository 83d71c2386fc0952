package cryptoki

import (
	"context"
	"crypto"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
)

// CryptoSigner returns the device as a crypto.Signer, for
// x509.CreateCertificate and x509.CreateCertificateRequest: Public is the
// key found at the first connect (nil before it), and Sign returns ASN.1
// DER and waits at most Config.Deadline. It accepts only SHA-256 digests.
func (s *Signer) CryptoSigner() crypto.Signer { return cryptoSigner{s} }

type cryptoSigner struct{ s *Signer }

// Public returns the key found at the first connect, nil before it.
func (c cryptoSigner) Public() crypto.PublicKey {
	// A nil *ecdsa.PublicKey in the interface would not compare equal
	// to nil; callers test for "no key yet" with == nil.
	if pub := c.s.PublicKey(); pub != nil {
		return pub
	}
	return nil
}

// Sign ignores rand: the token draws the ECDSA nonce itself.
func (c cryptoSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.SHA256 {
		return nil, fmt.Errorf("cryptoki %s: only SHA-256 digests can be signed, got %v", c.s.cfg.Name, opts.HashFunc())
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.Deadline)
	defer cancel()
	rs, err := c.s.Sign(ctx, digest)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(ecdsaSignature{R: new(big.Int).SetBytes(rs[:32]), S: new(big.Int).SetBytes(rs[32:])})
}

// ecdsaSignature is the ASN.1 form of an ECDSA signature (RFC 3279).
type ecdsaSignature struct {
	R, S *big.Int
}

var _ crypto.Signer = cryptoSigner{}
