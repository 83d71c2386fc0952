package depcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
)

// smallDEP is start, failed standard, signed null, signed standard.
func smallDEP(t testing.TB, p *testPKI) []string {
	t.Helper()
	rs := []testReceipt{
		{id: "R-1", date: "2026-03-01T08:00:00", kind: KindStart, device: 0},
		{id: "R-2", date: "2026-03-01T08:00:01", kind: KindStandard, amounts: [5]int64{1250, 0, 0, 0, -5}, device: 0, failed: true},
		{id: "R-3", date: "2026-03-01T08:00:01", kind: KindNull, device: 0},
		{id: "R-4", date: "2026-03-01T08:00:02", kind: KindStandard, amounts: [5]int64{0, 100, 200, 300, 400}, device: 0},
	}
	return p.build(t, 8, rs)
}

// TestDEPStructure: every deviation from the exact DEP7 shape of §6.1 is
// MALFORMED_DEP at index -1 (step A), before any receipt is looked at.
func TestDEPStructure(t *testing.T) {
	p := newTestPKI(t)
	c := p.container(t)
	flat := smallDEP(t, p)
	jws := mustJSON(t, flat)
	cert := base64.StdEncoding.EncodeToString(p.devices[0].cert.Raw)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Cert := base64.StdEncoding.EncodeToString(issue(t, "P-384", big.NewInt(9), &p384.PublicKey, nil, p384, false).Raw)
	group := func(certKey, certVal, cas, receipts string) string {
		return `{"` + certKey + `":` + certVal + `,"Zertifizierungsstellen":` + cas + `,"Belege-kompakt":` + receipts + `}`
	}
	good := group("Signaturzertifikat", `""`, `[]`, string(jws))
	valid := []struct{ name, doc string }{
		{"canonical", `{"Belege-Gruppe":[` + good + `]}`},
		{"whitespace", " {\n \"Belege-Gruppe\" : [ " + good + " ] }\n"},
		{"group certificate", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `"`+cert+`"`, `[]`, string(jws)) + `]}`},
		{"alias", `{"Belege-Gruppe":[` + group("Signatur- bzw. Siegelzertifikat", `""`, `[]`, string(jws)) + `]}`},
		{"two groups with certificates", `{"Belege-Gruppe":[` +
			group("Signaturzertifikat", `"`+cert+`"`, `[]`, string(mustJSON(t, flat[:2]))) + `,` +
			group("Signaturzertifikat", `"`+cert+`"`, `[]`, string(mustJSON(t, flat[2:]))) + `]}`},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			res, err := VerifyDEP([]byte(tc.doc), c, Options{})
			expectValid(t, res, err)
			if res.Receipts != 4 || res.Failed != 1 || res.State.Counter != 1245+1000 {
				t.Errorf("receipts %d, failed %d, counter %d", res.Receipts, res.Failed, res.State.Counter)
			}
		})
	}
	invalid := []struct{ name, doc string }{
		{"empty", ``},
		{"not JSON", `{"Belege-Gruppe":[`},
		{"null", `null`},
		{"array root", `[` + good + `]`},
		{"root extra key", `{"Belege-Gruppe":[` + good + `],"Kassen-ID":"CASHBOX-DEMO-1"}`},
		{"root duplicate key", `{"Belege-Gruppe":[` + good + `],"Belege-Gruppe":[` + good + `]}`},
		{"data after root", `{"Belege-Gruppe":[` + good + `]} {}`},
		{"groups null", `{"Belege-Gruppe":null}`},
		{"groups empty", `{"Belege-Gruppe":[]}`},
		{"group null", `{"Belege-Gruppe":[null]}`},
		{"certificate null", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `null`, `[]`, string(jws)) + `]}`},
		{"CAs null", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `null`, string(jws)) + `]}`},
		{"receipts null", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `[]`, `null`) + `]}`},
		{"receipt null", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `[]`, `[null]`) + `]}`},
		{"receipt number", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `[]`, `[1]`) + `]}`},
		{"CA null", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `[null]`, string(jws)) + `]}`},
		{"CA not a certificate", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `["AAAA"]`, string(jws)) + `]}`},
		{"certificate not Base64", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `"`+cert[:len(cert)-1]+`"`, `[]`, string(jws)) + `]}`},
		{"certificate not DER", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `"AAAA"`, `[]`, string(jws)) + `]}`},
		{"certificate P-384", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `"`+p384Cert+`"`, `[]`, string(jws)) + `]}`},
		{"certificate key missing", `{"Belege-Gruppe":[{"Zertifizierungsstellen":[],"Belege-kompakt":` + string(jws) + `}]}`},
		{"both certificate keys", `{"Belege-Gruppe":[{"Signaturzertifikat":"","Signatur- bzw. Siegelzertifikat":"","Zertifizierungsstellen":[],"Belege-kompakt":` + string(jws) + `}]}`},
		{"group extra key", `{"Belege-Gruppe":[{"Signaturzertifikat":"","Zertifizierungsstellen":[],"Belege-kompakt":` + string(jws) + `,"Kassen-ID":"x"}]}`},
		{"CAs a string", `{"Belege-Gruppe":[` + group("Signaturzertifikat", `""`, `""`, string(jws)) + `]}`},
		{"several groups, one without certificate", `{"Belege-Gruppe":[` +
			group("Signaturzertifikat", `"`+cert+`"`, `[]`, string(mustJSON(t, flat[:2]))) + `,` +
			group("Signaturzertifikat", `""`, `[]`, string(mustJSON(t, flat[2:]))) + `]}`},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			res, err := VerifyDEP([]byte(tc.doc), c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			expectFinding(t, res, CodeMalformedDEP, -1)
			if res.Receipts != 0 || res.Kinds == nil {
				t.Errorf("%d receipts counted, kinds %v", res.Receipts, res.Kinds)
			}
		})
	}
}

// TestVerifyDEPInputErrors: only unusable inputs of the verifier itself are
// returned as errors.
func TestVerifyDEPInputErrors(t *testing.T) {
	if _, err := VerifyDEP([]byte(`{}`), nil, Options{}); err == nil {
		t.Error("nil container accepted")
	}
	if _, err := VerifyDEP([]byte(`{}`), &Container{AESKey: make([]byte, 16)}, Options{}); err == nil {
		t.Error("16-byte AES key accepted")
	}
}

func TestParseContainer(t *testing.T) {
	p := newTestPKI(t)
	good := string(p.containerJSON(t, nil))
	c, err := ParseContainer([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AESKey) != 32 || len(c.Devices) != 4 {
		t.Fatalf("AES key %d bytes, %d devices", len(c.AESKey), len(c.Devices))
	}
	if d := c.Devices[testCompany]; d.Type != DevicePublicKey || d.Certificate != nil || d.PublicKey == nil {
		t.Errorf("closed-system entry %+v", d)
	}
	if d := c.Devices["c5eeae4332ea7712"]; d.Type != DeviceCertificate || d.Certificate == nil || !d.PublicKey.Equal(&p.devices[0].key.PublicKey) {
		t.Errorf("certificate entry %+v", d)
	}
	cert := base64.StdEncoding.EncodeToString(p.devices[0].cert.Raw)
	entry := func(id, typ, key string) string {
		return `{"id":"` + id + `","signatureDeviceType":"` + typ + `","signatureCertificateOrPublicKey":"` + key + `"}`
	}
	for name, doc := range map[string]string{
		"null":               `null`,
		"AES key null":       `{"base64AESKey":null,"certificateOrPublicKeyMap":{}}`,
		"AES key 16 bytes":   `{"base64AESKey":"AAAAAAAAAAAAAAAAAAAAAA==","certificateOrPublicKeyMap":{}}`,
		"AES key unpadded":   `{"base64AESKey":"` + strings.TrimRight(testAESKey, "=") + `","certificateOrPublicKeyMap":{}}`,
		"map null":           `{"base64AESKey":"` + testAESKey + `","certificateOrPublicKeyMap":null}`,
		"extra key":          `{"base64AESKey":"` + testAESKey + `","certificateOrPublicKeyMap":{},"x":1}`,
		"id mismatch":        `{"base64AESKey":"` + testAESKey + `","certificateOrPublicKeyMap":{"a":` + entry("b", "CERTIFICATE", cert) + `}}`,
		"unknown type":       `{"base64AESKey":"` + testAESKey + `","certificateOrPublicKeyMap":{"a":` + entry("a", "HSM", cert) + `}}`,
		"certificate as key": `{"base64AESKey":"` + testAESKey + `","certificateOrPublicKeyMap":{"a":` + entry("a", "PUBLIC_KEY", cert) + `}}`,
		"bad certificate":    `{"base64AESKey":"` + testAESKey + `","certificateOrPublicKeyMap":{"a":` + entry("a", "CERTIFICATE", "AAAA") + `}}`,
	} {
		if _, err := ParseContainer([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSingleReceipt covers steps B and C on QR, OCR and JWS input.
func TestSingleReceipt(t *testing.T) {
	p := newTestPKI(t)
	c := p.container(t)
	flat := smallDEP(t, p)
	signed, failed := flat[3], flat[1]
	for _, jws := range []string{signed, failed} {
		qr := jwsToQR(t, jws)
		if err := VerifyJWS(jws, c); err != nil {
			t.Errorf("VerifyJWS: %v", err)
		}
		if err := VerifyQR(qr, c); err != nil {
			t.Errorf("VerifyQR: %v", err)
		}
		if err := VerifyOCR(qrToOCR(t, qr), c); err != nil {
			t.Errorf("VerifyOCR: %v", err)
		}
		if back, err := QRToJWS(qr); err != nil || back != jws {
			t.Errorf("QRToJWS(JWSToQR(x)) = %s, %v; want x", back, err)
		}
	}
	if err := VerifyQR(jwsToQR(t, failed), nil); err != nil {
		t.Errorf("failed receipt without container: %v", err)
	}
	qr := jwsToQR(t, signed)
	cut := strings.LastIndexByte(qr, '_')
	ocr := qrToOCR(t, qr)
	ocrParts := strings.Split(ocr, "_")
	withOCRField := func(i int, v string) string {
		parts := append([]string(nil), ocrParts...)
		parts[i] = v
		return strings.Join(parts, "_")
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"flipped signature", VerifyJWS(flipSignatureBit(t, signed), c), CodeSignature},
		{"no container", VerifyQR(qr, nil), CodeNoKey},
		{"no key", VerifyQR(qr, &Container{AESKey: c.AESKey}), CodeNoKey},
		{"QR without signature", VerifyQR(qr[:cut], c), CodeMalformedReceipt}, // the chain value is taken as signature
		{"QR without separator", VerifyQR("R1-AT100", c), CodeMalformedReceipt},
		{"QR signature unpadded", VerifyQR(strings.TrimRight(qr, "="), c), CodeMalformedJWS},
		{"QR counter unpadded", VerifyQR(strings.Replace(qr, strings.Split(qr, "_")[10], strings.TrimRight(strings.Split(qr, "_")[10], "="), 1), c), CodeMalformedTurnoverCounter},
		{"QR 12 elements", VerifyQR(qr[strings.IndexByte(qr[1:], '_')+1:], c), CodeMalformedReceipt},
		{"OCR counter in Base64", VerifyOCR(withOCRField(10, strings.Split(qr, "_")[10]), c), CodeMalformedTurnoverCounter},
		{"OCR chain lower case", VerifyOCR(withOCRField(12, strings.ToLower(ocrParts[12])), c), CodeMalformedChain},
		{"OCR signature unpadded", VerifyOCR(withOCRField(13, strings.TrimRight(ocrParts[13], "=")), c), CodeMalformedJWS},
		{"OCR 14 elements", VerifyOCR(ocr+"_X", c), CodeMalformedReceipt},
		{"JWS two segments", VerifyJWS(signed[:strings.LastIndexByte(signed, '.')], c), CodeMalformedJWS},
	} {
		if !isCode(tc.err, tc.code) {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.code)
			continue
		}
		if f := tc.err.(*Finding); f.Index != 0 || f.Error() == "" {
			t.Errorf("%s: finding %+v, want index 0", tc.name, f)
		}
	}
	if _, err := QRToJWS("no-separator"); !isCode(err, CodeMalformedReceipt) {
		t.Errorf("QRToJWS without separator: %v", err)
	}
}
