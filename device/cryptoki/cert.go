package cryptoki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// SelfSignedCertificate issues a certificate for s's public key signed by
// s itself (DER): a random positive 63-bit serial, 20 years of validity,
// digital signature usage. It is what a test device or a closed system
// stores next to its key; an open system stores a VDA's certificate.
func SelfSignedCertificate(s crypto.Signer, commonName string) ([]byte, error) {
	// 63 bits: positive, and often fewer than 16 hex digits, which
	// exercises RKSV's "field 11 without leading zeros" rule.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, s.Public(), s)
	if err != nil {
		return nil, fmt.Errorf("cryptoki: self-signed certificate: %w", err)
	}
	return der, nil
}

// CertificateRequest makes a PKCS#10 request (DER) for s's public key,
// signed by s, to send to a certification authority.
func CertificateRequest(s crypto.Signer, commonName string) ([]byte, error) {
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: commonName}}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, s)
	if err != nil {
		return nil, fmt.Errorf("cryptoki: certificate request: %w", err)
	}
	return der, nil
}
