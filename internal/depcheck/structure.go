package depcheck

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DEP7 keys (§6.1). The alias is the 2016 spelling that verifiers accept.
const (
	keyGroups    = "Belege-Gruppe"
	keyCert      = "Signaturzertifikat"
	keyCertAlias = "Signatur- bzw. Siegelzertifikat"
	keyCAs       = "Zertifizierungsstellen"
	keyReceipts  = "Belege-kompakt"
)

// Container keys (§6.2).
const (
	keyAESKey     = "base64AESKey"
	keyDeviceMap  = "certificateOrPublicKeyMap"
	keyDeviceID   = "id"
	keyDeviceType = "signatureDeviceType"
	keyDeviceKey  = "signatureCertificateOrPublicKey"
	aesKeyLen     = 32
)

// Device types of a container entry, spelled as in the mustercode's
// container so that containers written by other tools read unchanged.
const (
	// DeviceCertificate is an open-system device: an X.509 certificate whose
	// serial is field 11.
	DeviceCertificate = "CERTIFICATE"
	// DevicePublicKey is a closed-system key (AT0): a bare
	// SubjectPublicKeyInfo registered under the company id and key id.
	DevicePublicKey = "PUBLIC_KEY"
)

// group is one DEP group after step A.
type group struct {
	cert     *x509.Certificate // nil when Signaturzertifikat is ""
	cas      []*x509.Certificate
	receipts []string
}

// parseDEP is step A. Every structural problem is MALFORMED_DEP at index -1,
// because the receipts cannot be placed reliably in a document that is wrong.
func parseDEP(data []byte) ([]group, *Finding) {
	root, err := strictObject(data)
	if err != nil {
		return nil, finding(CodeMalformedDEP, "root: %v", err)
	}
	if err := exactKeys(root, keyGroups); err != nil {
		return nil, finding(CodeMalformedDEP, "root: %v", err)
	}
	raws, err := strictArray(root[keyGroups])
	if err != nil {
		return nil, finding(CodeMalformedDEP, "%s: %v", keyGroups, err)
	}
	if len(raws) == 0 {
		return nil, finding(CodeMalformedDEP, "%s is empty", keyGroups)
	}
	groups := make([]group, 0, len(raws))
	for i, raw := range raws {
		g, err := parseGroup(raw)
		if err != nil {
			return nil, finding(CodeMalformedDEP, "group %d: %v", i, err)
		}
		if len(raws) > 1 && g.cert == nil {
			return nil, finding(CodeMalformedDEP, "group %d: several groups, but this one names no certificate", i)
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func parseGroup(raw json.RawMessage) (group, error) {
	var g group
	obj, err := strictObject(raw)
	if err != nil {
		return g, err
	}
	certKey := keyCert
	if _, ok := obj[keyCertAlias]; ok {
		certKey = keyCertAlias
	}
	if err := exactKeys(obj, certKey, keyCAs, keyReceipts); err != nil {
		return g, err
	}
	certB64, err := strictString(obj[certKey])
	if err != nil {
		return g, fmt.Errorf("%s: %w", certKey, err)
	}
	if certB64 != "" {
		if g.cert, err = parseCertificate(certB64); err != nil {
			return g, fmt.Errorf("%s: %w", certKey, err)
		}
		if _, err := p256Key(g.cert.PublicKey); err != nil {
			return g, fmt.Errorf("%s: %w", certKey, err)
		}
	}
	cas, err := strictStrings(obj[keyCAs])
	if err != nil {
		return g, fmt.Errorf("%s: %w", keyCAs, err)
	}
	for j, s := range cas {
		ca, err := parseCertificate(s)
		if err != nil {
			return g, fmt.Errorf("%s[%d]: %w", keyCAs, j, err)
		}
		g.cas = append(g.cas, ca)
	}
	if g.receipts, err = strictStrings(obj[keyReceipts]); err != nil {
		return g, fmt.Errorf("%s: %w", keyReceipts, err)
	}
	return g, nil
}

func parseCertificate(b64 string) (*x509.Certificate, error) {
	der, ok := decodeStd(b64)
	if !ok {
		return nil, errors.New("not strict standard Base64")
	}
	return x509.ParseCertificate(der)
}

// p256Key accepts only what suite R1 can verify.
func p256Key(k any) (*ecdsa.PublicKey, error) {
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("key is %T, want ECDSA P-256", k)
	}
	return pub, nil
}

// Container is the parsed cryptographicMaterialContainer.json (§6.2): the
// register's AES key and every device's key under its field-11 id. It stands
// in for FinanzOnline's registry so that verification works offline. Fields
// are exported so that a test can build one without writing JSON.
type Container struct {
	AESKey  []byte            // 32 bytes
	Devices map[string]Device // by id exactly as in field 11
}

// Device is one container entry. Certificate is nil for a PUBLIC_KEY entry
// (closed system); PublicKey is always set.
type Device struct {
	ID          string
	Type        string // DeviceCertificate or DevicePublicKey
	Certificate *x509.Certificate
	PublicKey   *ecdsa.PublicKey
}

// ParseContainer reads a container as strictly as the DEP (no null, no extra
// keys, strict Base64), because a lenient reader would let a wrong test
// fixture pass silently.
func ParseContainer(data []byte) (*Container, error) {
	root, err := strictObject(data)
	if err != nil {
		return nil, fmt.Errorf("container: %w", err)
	}
	if err := exactKeys(root, keyAESKey, keyDeviceMap); err != nil {
		return nil, fmt.Errorf("container: %w", err)
	}
	keyB64, err := strictString(root[keyAESKey])
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", keyAESKey, err)
	}
	key, ok := decodeStd(keyB64)
	if !ok || len(key) != aesKeyLen {
		return nil, fmt.Errorf("container %s: not strict Base64 of %d bytes", keyAESKey, aesKeyLen)
	}
	entries, err := strictObject(root[keyDeviceMap])
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", keyDeviceMap, err)
	}
	c := &Container{AESKey: key, Devices: make(map[string]Device, len(entries))}
	for id, raw := range entries {
		d, err := parseDevice(raw)
		if err != nil {
			return nil, fmt.Errorf("container device %q: %w", id, err)
		}
		if d.ID != id {
			return nil, fmt.Errorf("container device %q: id is %q", id, d.ID)
		}
		c.Devices[id] = d
	}
	return c, nil
}

func parseDevice(raw json.RawMessage) (Device, error) {
	var d Device
	obj, err := strictObject(raw)
	if err != nil {
		return d, err
	}
	if err := exactKeys(obj, keyDeviceID, keyDeviceType, keyDeviceKey); err != nil {
		return d, err
	}
	if d.ID, err = strictString(obj[keyDeviceID]); err != nil {
		return d, fmt.Errorf("%s: %w", keyDeviceID, err)
	}
	if d.Type, err = strictString(obj[keyDeviceType]); err != nil {
		return d, fmt.Errorf("%s: %w", keyDeviceType, err)
	}
	b64, err := strictString(obj[keyDeviceKey])
	if err != nil {
		return d, fmt.Errorf("%s: %w", keyDeviceKey, err)
	}
	var pub any
	switch d.Type {
	case DeviceCertificate:
		if d.Certificate, err = parseCertificate(b64); err != nil {
			return d, fmt.Errorf("%s: %w", keyDeviceKey, err)
		}
		pub = d.Certificate.PublicKey
	case DevicePublicKey:
		der, ok := decodeStd(b64)
		if !ok {
			return d, fmt.Errorf("%s: not strict standard Base64", keyDeviceKey)
		}
		if pub, err = x509.ParsePKIXPublicKey(der); err != nil {
			return d, fmt.Errorf("%s: %w", keyDeviceKey, err)
		}
	default:
		return d, fmt.Errorf("%s %q is neither %s nor %s", keyDeviceType, d.Type, DeviceCertificate, DevicePublicKey)
	}
	if d.PublicKey, err = p256Key(pub); err != nil {
		return d, fmt.Errorf("%s: %w", keyDeviceKey, err)
	}
	return d, nil
}

// strictObject decodes one JSON object into its members. Unlike
// json.Unmarshal into a map it rejects duplicate keys (the last would win
// silently), null, and anything after the object.
func strictObject(raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s is not an object", describe(tok))
	}
	obj := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v is not a string", tok)
		}
		if _, dup := obj[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		obj[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("data after the object: %v", tok)
	}
	return obj, nil
}

// exactKeys insists on precisely the given members, naming the first that is
// missing or extra, because the DEP format has no optional keys.
func exactKeys(obj map[string]json.RawMessage, keys ...string) error {
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			return fmt.Errorf("missing key %q", k)
		}
	}
	if len(obj) != len(keys) {
		for k := range obj {
			known := false
			for _, want := range keys {
				known = known || k == want
			}
			if !known {
				return fmt.Errorf("unexpected key %q", k)
			}
		}
	}
	return nil
}

func strictString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", fmt.Errorf("%s is not a string", abbreviate(raw))
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func strictArray(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fmt.Errorf("%s is not an array", abbreviate(raw))
	}
	var elems []json.RawMessage
	err := json.Unmarshal(raw, &elems)
	return elems, err
}

func strictStrings(raw json.RawMessage) ([]string, error) {
	elems, err := strictArray(raw)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if out[i], err = strictString(e); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
	}
	return out, nil
}

func describe(tok json.Token) string {
	if tok == nil {
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

func abbreviate(raw []byte) string {
	const max = 20
	if len(raw) > max {
		return string(raw[:max]) + "…"
	}
	return string(raw)
}
