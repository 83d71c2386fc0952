package depcheck

// A test-only DEP producer. The official devices' private keys are unknown,
// so every mutation that changes a payload needs receipts this test can sign
// itself. The builder is written separately from the verifier (it shares no
// helpers with it: counter encryption is AES-ECB of the IV rather than CTR,
// amounts are formatted rather than parsed), so that a bug in one is not
// hidden by the same bug in the other; TestBuilderReproducesOfficialPayloads
// ties it to the official demo output.

import (
	"bytes"
	"crypto/aes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/internal/fixtures"
)

const (
	testKassenID = "CASHBOX-DEMO-1"
	testAESKey   = "WQRtiiya3hYh/Uz44Bv3x8ETl1nrH6nCdErn69g5/lU="
	testCompany  = "U:ATU12345678-K1"
)

// testDevice is a signature device whose private key the test holds.
type testDevice struct {
	suite string // field 1
	id    string // field 11
	key   *ecdsa.PrivateKey
	cert  *x509.Certificate // nil for a closed-system key
}

// testPKI is a root CA, an intermediate CA and three open-system devices
// (serials of official scenario 1, so payloads can be compared with it) plus
// one closed-system key.
type testPKI struct {
	root, intermediate *x509.Certificate
	devices            []*testDevice // 0..2 open (AT100), 3 closed (AT0)
}

const closedDevice = 3

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	rootKey := newKey(t)
	root := issue(t, "depcheck test root CA", big.NewInt(1), &rootKey.PublicKey, nil, rootKey, true)
	interKey := newKey(t)
	inter := issue(t, "depcheck test intermediate CA", big.NewInt(2), &interKey.PublicKey, root, rootKey, true)
	p := &testPKI{root: root, intermediate: inter}
	for _, serial := range []string{"c5eeae4332ea7712", "82424e8077297aa3", "495b0098121676e3"} {
		k := newKey(t)
		n, _ := new(big.Int).SetString(serial, 16)
		cert := issue(t, "depcheck device "+serial, n, &k.PublicKey, inter, interKey, false)
		p.devices = append(p.devices, &testDevice{suite: "R1-AT100", id: serial, key: k, cert: cert})
	}
	p.devices = append(p.devices, &testDevice{suite: "R1-AT0", id: testCompany, key: newKey(t)})
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue makes a certificate; parent nil means self-signed.
func issue(t testing.TB, cn string, serial *big.Int, pub *ecdsa.PublicKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// containerJSON writes a §6.2 container for the PKI's devices; ids may remap
// a device to another container id (for the decimal-serial case).
func (p *testPKI) containerJSON(t testing.TB, ids map[int]string) []byte {
	t.Helper()
	type entry struct {
		ID   string `json:"id"`
		Type string `json:"signatureDeviceType"`
		Key  string `json:"signatureCertificateOrPublicKey"`
	}
	m := map[string]entry{}
	for i, d := range p.devices {
		id := d.id
		if s, ok := ids[i]; ok {
			id = s
		}
		e := entry{ID: id, Type: "CERTIFICATE"}
		if d.cert != nil {
			e.Key = base64.StdEncoding.EncodeToString(d.cert.Raw)
		} else {
			spki, err := x509.MarshalPKIXPublicKey(&d.key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			e.Type, e.Key = "PUBLIC_KEY", base64.StdEncoding.EncodeToString(spki)
		}
		m[id] = e
	}
	out, err := json.Marshal(map[string]any{"base64AESKey": testAESKey, "certificateOrPublicKeyMap": m})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (p *testPKI) container(t testing.TB) *Container {
	t.Helper()
	c, err := ParseContainer(p.containerJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testReceipt is one receipt to build. The zero values of the override
// fields mean "as a correct register would do it"; edit and editJWS break
// the receipt after it is composed, and the builder still signs it and
// chains the next receipt to what was actually written.
type testReceipt struct {
	id, date string
	kind     string // KindStart, KindStandard, KindStorno, KindTraining, KindNull
	amounts  [5]int64
	device   int
	failed   bool

	kassenID      string // "" = testKassenID
	counterLen    int    // 0 = the register's
	counterOffset int64  // added to the encrypted value only
	restartChain  bool   // chain over the Kassen-ID as a start receipt does
	edit          func(fields []string)
	editJWS       func(jws string) string
}

// build produces the JWS strings of a register with the given counter length.
func (p *testPKI) build(t testing.TB, counterLen int, rs []testReceipt) []string {
	t.Helper()
	aesKey, err := base64.StdEncoding.DecodeString(testAESKey)
	if err != nil {
		t.Fatal(err)
	}
	var counter int64
	prev := ""
	out := make([]string, 0, len(rs))
	for i, r := range rs {
		kid := testKassenID
		if r.kassenID != "" {
			kid = r.kassenID
		}
		n := counterLen
		if r.counterLen != 0 {
			n = r.counterLen
		}
		if r.kind != KindTraining {
			for _, a := range r.amounts {
				counter += a
			}
		}
		var field10 string
		switch r.kind {
		case KindTraining:
			field10 = base64.StdEncoding.EncodeToString([]byte("TRA"))
		case KindStorno:
			field10 = base64.StdEncoding.EncodeToString([]byte("STO"))
		default:
			field10 = encryptCounter(t, aesKey, kid, r.id, counter+r.counterOffset, n)
		}
		chainInput := prev
		if i == 0 || r.restartChain {
			chainInput = kid
		}
		h := sha256.Sum256([]byte(chainInput))
		d := p.devices[r.device]
		fields := []string{"", d.suite, kid, r.id, r.date}
		for _, a := range r.amounts {
			fields = append(fields, formatCents(a))
		}
		fields = append(fields, field10, d.id, base64.StdEncoding.EncodeToString(h[:8]))
		if r.edit != nil {
			r.edit(fields)
		}
		input := "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(strings.Join(fields, "_")))
		sig := base64.RawURLEncoding.EncodeToString([]byte("Sicherheitseinrichtung ausgefallen"))
		if !r.failed {
			sig = base64.RawURLEncoding.EncodeToString(sign(t, d.key, input))
		}
		jws := input + "." + sig
		if r.editJWS != nil {
			jws = r.editJWS(jws)
		}
		out = append(out, jws)
		prev = jws
	}
	return out
}

// encryptCounter is §2.3 done as AES-ECB of the IV XOR the sign-extended
// big-endian value (equivalent to CTR for n <= 16).
func encryptCounter(t testing.TB, key []byte, kassenID, receiptID string, cents int64, n int) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	iv := sha256.Sum256([]byte(kassenID + receiptID))
	ks := make([]byte, 16)
	block.Encrypt(ks, iv[:16])
	plain := twosComplement(cents, n)
	for i := range plain {
		plain[i] ^= ks[i]
	}
	return base64.StdEncoding.EncodeToString(plain)
}

// twosComplement writes v big-endian in n bytes, sign-extended.
func twosComplement(v int64, n int) []byte {
	out := make([]byte, n)
	u := uint64(v)
	for i := n - 1; i >= 0; i-- {
		if n-1-i < 8 {
			out[i] = byte(u >> (8 * (n - 1 - i)))
		} else if v < 0 {
			out[i] = 0xff
		}
	}
	return out
}

// sign makes the 64-byte r‖s JWS signature (ecdsa.Sign, padded by FillBytes).
func sign(t testing.TB, key *ecdsa.PrivateKey, input string) []byte {
	t.Helper()
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

// formatCents is §1.2: ',' decimal, two decimals, '-' sign, no grouping.
func formatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	return fmt.Sprintf("%s%d,%02d", sign, u/100, u%100)
}

// testGroup is one DEP group to write.
type testGroup struct {
	cert     *x509.Certificate
	cas      []*x509.Certificate
	receipts []string
	certKey  string // "" = Signaturzertifikat
}

// depJSON writes a DEP7 document the way fiscald must: "" and [] for empty
// values, exactly three keys per group.
func depJSON(t testing.TB, groups ...testGroup) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"Belege-Gruppe":[`)
	for i, g := range groups {
		if i > 0 {
			b.WriteByte(',')
		}
		cert := ""
		if g.cert != nil {
			cert = base64.StdEncoding.EncodeToString(g.cert.Raw)
		}
		cas := []string{}
		for _, ca := range g.cas {
			cas = append(cas, base64.StdEncoding.EncodeToString(ca.Raw))
		}
		receipts := g.receipts
		if receipts == nil {
			receipts = []string{}
		}
		key := g.certKey
		if key == "" {
			key = "Signaturzertifikat"
		}
		fmt.Fprintf(&b, `{%s:%s,"Zertifizierungsstellen":%s,"Belege-kompakt":%s}`,
			mustJSON(t, key), mustJSON(t, cert), mustJSON(t, cas), mustJSON(t, receipts))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scenarioReceipts reads an official mustercode test suite into receipts to
// build, with amounts converted from the JSON number text (never float64).
func scenarioReceipts(t testing.TB, n int) []testReceipt {
	t.Helper()
	data, err := os.ReadFile(fixtures.Path(t, "rksv", "mustercode-testsuites", fmt.Sprintf("TESTSUITE_TEST_SZENARIO_%d.json", n)))
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Instructions []struct {
			ReceiptIdentifier      string `json:"receiptIdentifier"`
			DateToUse              string `json:"dateToUse"`
			UsedSignatureDevice    int    `json:"usedSignatureDevice"`
			SignatureDeviceDamaged bool   `json:"signatureDeviceDamaged"`
			TypeOfReceipt          string `json:"typeOfReceipt"`
			SimplifiedReceipt      struct {
				Normal      json.Number `json:"taxSetNormal"`
				Ermaessigt1 json.Number `json:"taxSetErmaessigt1"`
				Ermaessigt2 json.Number `json:"taxSetErmaessigt2"`
				Null        json.Number `json:"taxSetNull"`
				Besonders   json.Number `json:"taxSetBesonders"`
			} `json:"simplifiedReceipt"`
		} `json:"cashBoxInstructionList"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&suite); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{
		"START_BELEG": KindStart, "STANDARD_BELEG": KindStandard, "STORNO_BELEG": KindStorno,
		"TRAINING_BELEG": KindTraining, "NULL_BELEG": KindNull,
	}
	var rs []testReceipt
	for _, in := range suite.Instructions {
		kind, ok := kinds[in.TypeOfReceipt]
		if !ok {
			t.Fatalf("unknown typeOfReceipt %q", in.TypeOfReceipt)
		}
		s := in.SimplifiedReceipt
		r := testReceipt{id: in.ReceiptIdentifier, date: in.DateToUse, kind: kind,
			device: in.UsedSignatureDevice, failed: in.SignatureDeviceDamaged}
		for i, num := range []json.Number{s.Normal, s.Ermaessigt1, s.Ermaessigt2, s.Null, s.Besonders} {
			r.amounts[i] = decimalCents(t, string(num))
		}
		rs = append(rs, r)
	}
	return rs
}

// decimalCents converts JSON number text with at most two decimals to cents.
func decimalCents(t testing.TB, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) > 2 || whole == "" {
		t.Fatalf("amount %q: not a plain decimal with at most two decimals", s)
	}
	var c int64
	for _, d := range whole + (frac + "00")[:2] {
		if d < '0' || d > '9' {
			t.Fatalf("amount %q: not a plain decimal", s)
		}
		c = c*10 + int64(d-'0')
	}
	if neg {
		c = -c
	}
	return c
}

// jwsToQR and qrToOCR are the §1.5 forward conversions, test-side only (the
// verifier implements the reverse ones).
func jwsToQR(t testing.TB, jws string) string {
	t.Helper()
	segs := strings.Split(jws, ".")
	payload, err := base64.RawURLEncoding.DecodeString(segs[1])
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(segs[2])
	if err != nil {
		t.Fatal(err)
	}
	return string(payload) + "_" + base64.StdEncoding.EncodeToString(sig)
}

func qrToOCR(t testing.TB, qr string) string {
	t.Helper()
	parts := strings.Split(qr, "_")
	for _, i := range []int{10, 12, 13} {
		b, err := base64.StdEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		parts[i] = base32.StdEncoding.EncodeToString(b)
	}
	return strings.Join(parts, "_")
}

// payloadOf returns the decoded payload of a JWS, for comparisons.
func payloadOf(t testing.TB, jws string) string {
	t.Helper()
	segs := strings.Split(jws, ".")
	if len(segs) != 3 {
		t.Fatalf("JWS %q has %d segments", jws, len(segs))
	}
	b, err := base64.RawURLEncoding.DecodeString(segs[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readFixture reads a file of ../shared/fixtures/rksv.
func readFixture(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, append([]string{"rksv"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// officialDEP reads scenario n's official DEP, container and flattened JWS list.
func officialDEP(t testing.TB, n int) (dep []byte, c *Container, flat []string) {
	t.Helper()
	dir := fmt.Sprintf("szenario%d", n)
	dep = readFixture(t, "bmf-demo-output", dir, "dep-export.json")
	c, err := ParseContainer(readFixture(t, "bmf-demo-output", dir, "cryptographicMaterialContainer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Receipts []string `json:"Belege-kompakt"`
		} `json:"Belege-Gruppe"`
	}
	if err := json.Unmarshal(dep, &doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range doc.Groups {
		flat = append(flat, g.Receipts...)
	}
	return dep, c, flat
}
