package cryptoki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"
)

// oidP256 is the DER OID of prime256v1 for CKA_EC_PARAMS.
var oidP256 = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// EnsureKey finds the EC P-256 key pair key names on the token, or
// generates one there (non-extractable, sensitive, on the token) and
// returns its public key; created tells which.
//
// A new key gets key.KeyLabel and key.KeyID. Without a KeyID it gets a
// fresh random 8-byte CKA_ID: random rather than derived from the label
// so that a re-provisioned token never reuses the ID of a key an old
// certificate was issued for. Signers find it by label thereafter.
func EnsureKey(m *Module, token TokenSelector, key KeySelector, pin string) (pub *ecdsa.PublicKey, created bool, err error) {
	if err := key.Validate(); err != nil {
		return nil, false, err
	}
	err = withUserSession(m, token, pin, func(api API, sh pkcs11.SessionHandle) error {
		_, id, label, err := findPrivateKey(api, sh, key)
		switch {
		case err == nil:
			// A private key without its public key object is an
			// error, not a reason to generate a second key pair.
			pub, err = readPublicKey(api, sh, id, label)
			return err
		case !errors.Is(err, ErrKeyNotFound):
			return err
		}
		if pub, err = generateKey(api, sh, key); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("cryptoki: ensure key %s on token %s: %w", key, token, err)
	}
	return pub, created, nil
}

func generateKey(api API, sh pkcs11.SessionHandle, key KeySelector) (*ecdsa.PublicKey, error) {
	id := key.KeyID
	if len(id) == 0 {
		id = make([]byte, 8)
		rand.Read(id)
	}
	common := func(class uint) []*pkcs11.Attribute {
		attrs := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		}
		if key.KeyLabel != "" {
			attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_LABEL, key.KeyLabel))
		}
		return attrs
	}
	public := append(common(pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, oidP256),
	)
	private := append(common(pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
	)
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}
	pubH, _, err := api.GenerateKeyPair(sh, mech, public, private)
	if err != nil {
		return nil, fmt.Errorf("generate EC P-256 key pair: %w", err)
	}
	attrs, err := api.GetAttributeValue(sh, pubH, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, fmt.Errorf("read new public key: %w", err)
	}
	return parseECPoint(attrs[0].Value)
}

// WriteCertificate stores the X.509 certificate der (which must certify
// the key pair key names) on the token as a CKO_CERTIFICATE with the key's
// CKA_ID and label, where Signer finds it. It never replaces a stored
// certificate: storing the same one again is a no-op, a different one
// gives ErrCertificateExists.
func WriteCertificate(m *Module, token TokenSelector, key KeySelector, pin string, der []byte) error {
	if err := key.Validate(); err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("cryptoki: write certificate: %w", err)
	}
	serial, err := asn1.Marshal(cert.SerialNumber)
	if err != nil {
		return fmt.Errorf("cryptoki: write certificate: serial: %w", err)
	}
	err = withUserSession(m, token, pin, func(api API, sh pkcs11.SessionHandle) error {
		_, id, label, err := findPrivateKey(api, sh, key)
		if err != nil {
			return err
		}
		pub, err := readPublicKey(api, sh, id, label)
		if err != nil {
			return err
		}
		if certPub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !certPub.Equal(pub) {
			return fmt.Errorf("%w: the certificate is for another key", ErrCertificateMismatch)
		}
		stored, err := storedCertificates(api, sh, id, label)
		if err != nil {
			return err
		}
		for _, s := range stored {
			if bytes.Equal(s, der) {
				return nil
			}
		}
		if len(stored) > 0 {
			return ErrCertificateExists
		}
		if _, err := api.CreateObject(sh, certificateTemplate(cert, serial, id, label)); err != nil {
			return fmt.Errorf("create certificate object: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cryptoki: write certificate for key %s on token %s: %w", key, token, err)
	}
	return nil
}

// certificateTemplate describes cert as a public token object stored with
// the key pair id and label name; serial is its DER-encoded serial number.
func certificateTemplate(cert *x509.Certificate, serial, id []byte, label string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, cert.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_SERIAL_NUMBER, serial),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, cert.Raw),
	}
}
