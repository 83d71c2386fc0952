package rksv_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/internal/fixtures"
)

// officialScenarios holds the verified facts of spec §10.3 about the eight
// official demo DEPs.
var officialScenarios = []struct {
	receipts, signed, failed int
	finalCounter             int64
}{
	1: {81, 57, 24, 1324168},
	2: {80, 56, 24, 1245862},
	3: {85, 63, 22, 1290613},
	4: {85, 60, 25, 1215680},
	5: {80, 56, 24, 1295788},
	6: {82, 57, 25, 1166078},
	7: {76, 52, 24, 1102864},
	8: {81, 56, 25, 1300692},
}

const (
	officialKassenID   = "CASHBOX-DEMO-1"
	officialCounterLen = 6
)

// depDocument is the DEP7 shape, decoded strictly.
type depDocument struct {
	Groups []depGroup `json:"Belege-Gruppe"`
}

type depGroup struct {
	Cert     string   `json:"Signaturzertifikat"`
	CAs      []string `json:"Zertifizierungsstellen"`
	Receipts []string `json:"Belege-kompakt"`
}

// officialScenario is one demo scenario as read from the fixtures.
type officialScenario struct {
	dep       depDocument
	qr        []string
	container rksv.Container
	raw       map[string]any // the container file, generically
}

func loadScenario(t *testing.T, n int) officialScenario {
	t.Helper()
	dir := fixtures.Path(t, "rksv", "bmf-demo-output", fmt.Sprintf("szenario%d", n))
	var s officialScenario
	readJSON(t, filepath.Join(dir, "dep-export.json"), &s.dep)
	readJSON(t, filepath.Join(dir, "qr-code-rep.json"), &s.qr)
	readJSON(t, filepath.Join(dir, "cryptographicMaterialContainer.json"), &s.container)
	readJSON(t, filepath.Join(dir, "cryptographicMaterialContainer.json"), &s.raw)
	return s
}

func (s *officialScenario) receipts() []string {
	var all []string
	for _, g := range s.dep.Groups {
		all = append(all, g.Receipts...)
	}
	return all
}

func TestOfficialDEPs(t *testing.T) {
	for n := 1; n < len(officialScenarios); n++ {
		t.Run(fmt.Sprintf("szenario%d", n), func(t *testing.T) {
			want := officialScenarios[n]
			s := loadScenario(t, n)
			key, err := base64.StdEncoding.DecodeString(s.container.AESKey)
			if err != nil {
				t.Fatal(err)
			}
			keys := containerKeys(t, &s.container)
			jwss := s.receipts()
			if len(jwss) != want.receipts || len(s.qr) != want.receipts {
				t.Fatalf("%d receipts in DEP, %d QR codes; spec says %d", len(jwss), len(s.qr), want.receipts)
			}
			var counter int64
			var signed, failed int
			prev := officialKassenID
			for i, jws := range jwss {
				p, isFailed := checkOfficialReceipt(t, i, jws, s.qr[i], prev)
				if isFailed {
					failed++
				} else {
					signed++
					checkSignature(t, i, jws, keys[p.Serial])
				}
				counter = checkCounter(t, i, key, p, counter)
				prev = jws
			}
			if signed != want.signed || failed != want.failed || counter != want.finalCounter {
				t.Errorf("signed %d, failed %d, final counter %d; spec says %d, %d, %d",
					signed, failed, counter, want.signed, want.failed, want.finalCounter)
			}
			checkRewrittenDEP(t, &s)
			checkRebuiltContainer(t, &s, key)
		})
	}
}

// checkOfficialReceipt checks the encodings of one official receipt and
// returns its payload and whether it is a failed receipt.
func checkOfficialReceipt(t *testing.T, i int, jws, qr, prev string) (rksv.Payload, bool) {
	t.Helper()
	payload, sig, err := rksv.SplitJWS(jws)
	if err != nil {
		t.Fatalf("receipt %d: SplitJWS: %v", i, err)
	}
	p, err := rksv.ParsePayload(payload)
	if err != nil {
		t.Fatalf("receipt %d: ParsePayload(%q): %v", i, payload, err)
	}
	if got := p.AppendTo(nil); string(got) != payload {
		t.Errorf("receipt %d: AppendTo = %q, want %q", i, got, payload)
	}
	if p.KassenID != officialKassenID || p.Provider != "AT100" {
		t.Errorf("receipt %d: Kassen-ID %q, provider %q", i, p.KassenID, p.Provider)
	}
	si := rksv.SigningInput(p.String())
	if got := string(rksv.AppendSigningInput(nil, []byte(payload))); got != si {
		t.Errorf("receipt %d: AppendSigningInput = %q, SigningInput = %q", i, got, si)
	}
	isFailed := string(sig) == rksv.FailedText
	var rebuilt string
	if isFailed {
		rebuilt = rksv.FailedJWS(si)
	} else if rebuilt, err = rksv.JWS(si, sig); err != nil {
		t.Fatalf("receipt %d: JWS: %v", i, err)
	}
	if rebuilt != jws {
		t.Errorf("receipt %d: rebuilt JWS\n%q\nwant\n%q", i, rebuilt, jws)
	}
	if got := rksv.ChainValue(prev); got != p.Chain {
		t.Errorf("receipt %d: ChainValue(previous) = %q, field 12 = %q", i, got, p.Chain)
	}
	if got, err := rksv.QR(jws); err != nil || got != qr {
		t.Errorf("receipt %d: QR = %q, %v\nwant %q", i, got, err, qr)
	}
	if got, err := rksv.JWSFromQR(qr); err != nil || got != jws {
		t.Errorf("receipt %d: JWSFromQR = %q, %v", i, got, err)
	}
	ocr, err := rksv.OCR(qr)
	if err != nil {
		t.Fatalf("receipt %d: OCR: %v", i, err)
	}
	if got, err := rksv.QRFromOCR(ocr); err != nil || got != qr {
		t.Errorf("receipt %d: QRFromOCR(OCR) = %q, %v", i, got, err)
	}
	return p, isFailed
}

// checkCounter replays the turnover counter (spec §2.1: training receipts
// do not count, storno receipts do) and checks field 10 against it.
func checkCounter(t *testing.T, i int, key []byte, p rksv.Payload, counter int64) int64 {
	t.Helper()
	if p.Counter == rksv.TrainingCounter {
		return counter
	}
	for _, a := range p.Amounts {
		counter += a
	}
	if p.Counter == rksv.StornoCounter {
		return counter
	}
	got, err := rksv.DecryptCounter(key, p.KassenID, p.Belegnummer, p.Counter)
	if err != nil || got != counter {
		t.Errorf("receipt %d: DecryptCounter(%q) = %d, %v; replayed counter %d", i, p.Counter, got, err, counter)
	}
	enc, err := rksv.EncryptCounter(key, p.KassenID, p.Belegnummer, counter, officialCounterLen)
	if err != nil || enc != p.Counter {
		t.Errorf("receipt %d: EncryptCounter(%d) = %q, %v; field 10 %q", i, counter, enc, err, p.Counter)
	}
	return counter
}

// containerKeys maps field-11 ids to public keys, checking on the way that
// each id is Serial of its certificate.
func containerKeys(t *testing.T, c *rksv.Container) map[string]*ecdsa.PublicKey {
	t.Helper()
	keys := map[string]*ecdsa.PublicKey{}
	for id, dev := range c.Devices {
		der, err := base64.StdEncoding.DecodeString(dev.Data)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if got := rksv.Serial(cert); got != id || dev.ID != id || dev.Type != "CERTIFICATE" {
			t.Errorf("container entry %q: Serial = %q, id %q, type %q", id, got, dev.ID, dev.Type)
		}
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			t.Fatalf("container entry %q: %T key", id, cert.PublicKey)
		}
		keys[id] = pub
	}
	return keys
}

// checkSignature verifies an official signature over SigningInput, which
// proves the signing input and the r‖s decoding bit for bit.
func checkSignature(t *testing.T, i int, jws string, pub *ecdsa.PublicKey) {
	t.Helper()
	payload, sig, err := rksv.SplitJWS(jws)
	if err != nil {
		t.Fatal(err)
	}
	if pub == nil {
		t.Fatalf("receipt %d: no key for its serial", i)
	}
	h := sha256.Sum256([]byte(rksv.SigningInput(payload)))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		t.Errorf("receipt %d: signature does not verify", i)
	}
}

// checkRewrittenDEP writes the scenario's receipts again through DEPWriter
// (the demo uses one group without certificate) and compares the documents.
func checkRewrittenDEP(t *testing.T, s *officialScenario) {
	t.Helper()
	var buf bytes.Buffer
	w := rksv.NewDEPWriter(&buf)
	for _, jws := range s.receipts() {
		if err := w.Add(nil, jws); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := decodeDEP(t, buf.Bytes())
	if !reflect.DeepEqual(got, s.dep) {
		t.Errorf("rewritten DEP differs from the official one")
	}
}

// checkRebuiltContainer builds the container from the official certificates
// and compares its JSON with the official file.
func checkRebuiltContainer(t *testing.T, s *officialScenario, key []byte) {
	t.Helper()
	c := rksv.NewContainer(key)
	for _, dev := range s.container.Devices {
		der, err := base64.StdEncoding.DecodeString(dev.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddCertificate(der); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s.raw) {
		t.Errorf("rebuilt container\n%s\ndiffers from the official one", b)
	}
}
