package cryptoki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"
)

// The functions in this file run C calls; their callers hold the module's
// read lock.

// keyPair is a signing key found on a token.
type keyPair struct {
	priv pkcs11.ObjectHandle
	pub  *ecdsa.PublicKey
	// certDER is nil when the token holds no certificate for the key (a
	// closed system registers the bare public key).
	certDER []byte
}

// findKeyPair finds the private key sel names, its public key and, if
// present, its certificate. The two are found by the private key's CKA_ID
// (or label), which may be more specific than sel.
func findKeyPair(api API, sh pkcs11.SessionHandle, sel KeySelector) (keyPair, error) {
	var kp keyPair
	priv, id, label, err := findPrivateKey(api, sh, sel)
	if err != nil {
		return kp, err
	}
	kp.priv = priv
	if kp.pub, err = readPublicKey(api, sh, id, label); err != nil {
		return kp, err
	}
	kp.certDER, err = findCertificate(api, sh, id, label, kp.pub)
	return kp, err
}

func findObjects(api API, sh pkcs11.SessionHandle, tmpl []*pkcs11.Attribute, max int) ([]pkcs11.ObjectHandle, error) {
	if err := api.FindObjectsInit(sh, tmpl); err != nil {
		return nil, err
	}
	objs, _, err := api.FindObjects(sh, max)
	if ferr := api.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	return objs, err
}

// objectTemplate matches objects of class by CKA_ID when there is one,
// else by CKA_LABEL: the PKCS#11 convention ties a key pair and its
// certificate together by CKA_ID.
func objectTemplate(class uint, id []byte, label string) []*pkcs11.Attribute {
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}
	if len(id) > 0 {
		return append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, id))
	}
	return append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, label))
}

func findPrivateKey(api API, sh pkcs11.SessionHandle, sel KeySelector) (h pkcs11.ObjectHandle, id []byte, label string, err error) {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
	}
	if sel.KeyLabel != "" {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, sel.KeyLabel))
	}
	if len(sel.KeyID) > 0 {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, sel.KeyID))
	}
	objs, err := findObjects(api, sh, tmpl, 2)
	switch {
	case err != nil:
		return 0, nil, "", fmt.Errorf("find private key %s: %w", sel, err)
	case len(objs) == 0:
		return 0, nil, "", fmt.Errorf("%w: no EC private key with %s", ErrKeyNotFound, sel)
	case len(objs) > 1:
		return 0, nil, "", fmt.Errorf("%w: several EC private keys with %s", ErrAmbiguous, sel)
	}
	attrs, err := api.GetAttributeValue(sh, objs[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_ID, nil),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil),
	})
	if err != nil {
		return 0, nil, "", fmt.Errorf("read id and label of private key %s: %w", sel, err)
	}
	return objs[0], attrs[0].Value, string(attrs[1].Value), nil
}

func readPublicKey(api API, sh pkcs11.SessionHandle, id []byte, label string) (*ecdsa.PublicKey, error) {
	tmpl := append(objectTemplate(pkcs11.CKO_PUBLIC_KEY, id, label), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC))
	objs, err := findObjects(api, sh, tmpl, 2)
	switch {
	case err != nil:
		return nil, fmt.Errorf("find public key: %w", err)
	case len(objs) == 0:
		return nil, fmt.Errorf("%w: no public key object next to the private key %s", ErrKeyNotFound, KeySelector{label, id})
	case len(objs) > 1:
		return nil, fmt.Errorf("%w: several public keys for %s", ErrAmbiguous, KeySelector{label, id})
	}
	attrs, err := api.GetAttributeValue(sh, objs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, fmt.Errorf("read CKA_EC_POINT: %w", err)
	}
	pub, err := parseECPoint(attrs[0].Value)
	if err != nil {
		return nil, fmt.Errorf("%w: public key %s: %w", errKeyUnusable, KeySelector{label, id}, err)
	}
	return pub, nil
}

// parseECPoint parses CKA_EC_POINT: a DER OCTET STRING around the 65-byte
// uncompressed P-256 point, or (some older modules) the bare point.
func parseECPoint(raw []byte) (*ecdsa.PublicKey, error) {
	point := raw
	// The bare point also starts with 0x04, the OCTET STRING tag, so only
	// unwrap what is not already exactly a bare point.
	if len(raw) != 65 {
		if rest, err := asn1.Unmarshal(raw, &point); err != nil || len(rest) != 0 {
			return nil, errors.New("CKA_EC_POINT is not a DER OCTET STRING")
		}
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("not an uncompressed P-256 point: %w", err)
	}
	return pub, nil
}

// findCertificate returns the DER of the X.509 certificate stored with the
// key, nil if there is none, and ErrCertificateMismatch if the certificates
// stored there certify other keys.
func findCertificate(api API, sh pkcs11.SessionHandle, id []byte, label string, pub *ecdsa.PublicKey) ([]byte, error) {
	stored, err := storedCertificates(api, sh, id, label)
	if err != nil {
		return nil, err
	}
	for _, der := range stored {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			continue // not ours to judge; a mismatch error follows if nothing fits
		}
		if certPub, ok := cert.PublicKey.(*ecdsa.PublicKey); ok && certPub.Equal(pub) {
			return der, nil
		}
	}
	if len(stored) > 0 {
		return nil, fmt.Errorf("%w: %d certificate(s) stored with key %s, none for its public key", ErrCertificateMismatch, len(stored), KeySelector{label, id})
	}
	return nil, nil
}

// storedCertificates returns the DER of every X.509 certificate stored
// with the key (same CKA_ID, or label when the key has no ID).
func storedCertificates(api API, sh pkcs11.SessionHandle, id []byte, label string) ([][]byte, error) {
	tmpl := append(objectTemplate(pkcs11.CKO_CERTIFICATE, id, label),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509))
	objs, err := findObjects(api, sh, tmpl, 16)
	if err != nil {
		return nil, fmt.Errorf("find certificates: %w", err)
	}
	var out [][]byte
	for _, o := range objs {
		attrs, err := api.GetAttributeValue(sh, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		out = append(out, attrs[0].Value)
	}
	return out, nil
}

// resolveSlot finds the slot holding the token sel names. It never trusts
// a slot ID from an earlier call: modules renumber slots on re-insertion.
func resolveSlot(api API, sel TokenSelector) (uint, pkcs11.TokenInfo, error) {
	slots, err := api.GetSlotList(true)
	if err != nil {
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("list slots: %w", err)
	}
	var slotErr error
	var found []uint
	var info pkcs11.TokenInfo
	for _, slot := range slots {
		ti, err := api.GetTokenInfo(slot)
		if err != nil {
			slotErr = err
			continue
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 && sel.matches(ti.Label, ti.SerialNumber) {
			found, info = append(found, slot), ti
		}
	}
	switch {
	case len(found) == 1:
		return found[0], info, nil
	case len(found) > 1:
		return 0, info, fmt.Errorf("%w: %d tokens with %s", ErrAmbiguous, len(found), sel)
	case slotErr != nil:
		// SoftHSM answers CKR_GENERAL_ERROR for a token whose files
		// vanished: keep the code so the caller classifies it.
		return 0, info, fmt.Errorf("%w: %s (a slot answered %w)", ErrTokenNotFound, sel, slotErr)
	}
	return 0, info, fmt.Errorf("%w: %s", ErrTokenNotFound, sel)
}

// login logs the user in; an earlier login of this process counts.
func login(api API, sh pkcs11.SessionHandle, pin string) error {
	err := api.Login(sh, pkcs11.CKU_USER, pin)
	if err == nil || isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		return nil
	}
	return err
}
