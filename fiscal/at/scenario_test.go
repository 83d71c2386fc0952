package at_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/internal/depcheck"
	"github.com/fiscald/fiscald/internal/fixtures"
)

// officialFacts is the table of rksv.md §10.3: what the official demo output
// of each scenario contains.
var officialFacts = [8]struct {
	receipts, signed, failed int
	counter                  int64
	serials                  [3]string
}{
	{81, 57, 24, 1324168, [3]string{"c5eeae4332ea7712", "82424e8077297aa3", "495b0098121676e3"}},
	{80, 56, 24, 1245862, [3]string{"59204d7f788286c5", "17a63e9bda072bca", "615562946960d7e6"}},
	{85, 63, 22, 1290613, [3]string{"77c9ca2e82fb7b44", "6beee4d00aac5ae0", "9009c41d6e207ae3"}},
	{85, 60, 25, 1215680, [3]string{"63819d17c53d1730", "947e15d967d21b26", "7112d3a3da1cefcf"}},
	{80, 56, 24, 1295788, [3]string{"444a7f6923c7a233", "8b892d7d6f402d3f", "723ddb32e68d5f8b"}},
	{82, 57, 25, 1166078, [3]string{"23719724de34ad85", "377f4f371ec62663", "41f00295c4f2dfad"}},
	{76, 52, 24, 1102864, [3]string{"c48942c03bedc56c", "a9fdaec7102cd70", "3802c5fbba958af9"}},
	{81, 56, 25, 1300692, [3]string{"56ed7e4a568bcde1", "26efec22881a777a", "e149bbf8449ba083"}},
}

// startChain is the chain value of the start receipt of CASHBOX-DEMO-1
// (rksv.md §3).
const startChain = "cg8hNU5ihto="

// testSuite is a TESTSUITE_TEST_SZENARIO_N.json instruction file.
type testSuite struct {
	CashBoxID    string        `json:"cashBoxId"`
	AESKey       string        `json:"base64AesKey"`
	CompanyID    string        `json:"companyID"`
	Label        string        `json:"simulationRunLabel"`
	Devices      int           `json:"numberOfSignatureDevices"`
	Instructions []instruction `json:"cashBoxInstructionList"`
}

type instruction struct {
	ReceiptID string `json:"receiptIdentifier"`
	Date      string `json:"dateToUse"`
	Device    int    `json:"usedSignatureDevice"`
	Damaged   bool   `json:"signatureDeviceDamaged"`
	Type      string `json:"typeOfReceipt"`
	Receipt   struct {
		Normal     json.Number `json:"taxSetNormal"`
		Reduced1   json.Number `json:"taxSetErmaessigt1"`
		Reduced2   json.Number `json:"taxSetErmaessigt2"`
		Zero       json.Number `json:"taxSetNull"`
		Particular json.Number `json:"taxSetBesonders"`
	} `json:"simplifiedReceipt"`
}

// officialScenario is one scenario's inputs and official outputs.
type officialScenario struct {
	n         int
	suite     testSuite
	aesKey    []byte
	dep       []string // Belege-kompakt, flattened
	qr        []string // qr-code-rep.json
	container *depcheck.Container
	serials   [3]string // per device index, from the official receipts
	certs     [3][]byte // official certificates by device index
}

func loadScenario(t *testing.T, n int) *officialScenario {
	t.Helper()
	s := &officialScenario{n: n}

	raw := readFixture(t, "mustercode-testsuites", fmt.Sprintf("TESTSUITE_TEST_SZENARIO_%d.json", n))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s.suite); err != nil {
		t.Fatalf("scenario %d instructions: %v", n, err)
	}
	key, err := base64.StdEncoding.DecodeString(s.suite.AESKey)
	if err != nil || len(key) != 32 {
		t.Fatalf("scenario %d base64AesKey %q: %d bytes, %v; want 32", n, s.suite.AESKey, len(key), err)
	}
	s.aesKey = key

	dir := fmt.Sprintf("szenario%d", n)
	groups := parseDEP(t, readFixture(t, "bmf-demo-output", dir, "dep-export.json"))
	s.dep = flatten(groups)
	if err := json.Unmarshal(readFixture(t, "bmf-demo-output", dir, "qr-code-rep.json"), &s.qr); err != nil {
		t.Fatalf("scenario %d qr-code-rep.json: %v", n, err)
	}
	s.container, err = depcheck.ParseContainer(readFixture(t, "bmf-demo-output", dir, "cryptographicMaterialContainer.json"))
	if err != nil {
		t.Fatalf("scenario %d container: %v", n, err)
	}

	facts := officialFacts[n-1]
	if len(s.suite.Instructions) != facts.receipts || len(s.dep) != facts.receipts || len(s.qr) != facts.receipts {
		t.Fatalf("scenario %d: %d instructions, %d DEP receipts, %d QR codes; want %d each",
			n, len(s.suite.Instructions), len(s.dep), len(s.qr), facts.receipts)
	}
	// Each device index's serial is field 11 of the first official receipt
	// made with it; it must agree with the §10.3 table.
	for d := range 3 {
		for i, in := range s.suite.Instructions {
			if in.Device == d {
				s.serials[d] = officialFields(t, s.dep[i])[11]
				break
			}
		}
		if s.serials[d] != facts.serials[d] {
			t.Fatalf("scenario %d device %d: serial %q in the official DEP, §10.3 table says %q", n, d, s.serials[d], facts.serials[d])
		}
		dev, ok := s.container.Devices[s.serials[d]]
		if !ok || dev.Certificate == nil {
			t.Fatalf("scenario %d device %d: no certificate for serial %s in the official container", n, d, s.serials[d])
		}
		s.certs[d] = dev.Certificate.Raw
	}
	return s
}

func readFixture(t *testing.T, elem ...string) []byte {
	t.Helper()
	p := fixtures.Path(t, append([]string{"rksv"}, elem...)...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return b
}

// officialFields decodes the payload of an official JWS and splits it into
// its 13 parts (index 0 empty, 1–12 the fields).
func officialFields(t testing.TB, jws string) []string {
	t.Helper()
	seg := strings.Split(jws, ".")
	if len(seg) != 3 {
		t.Fatalf("official JWS %q has %d segments", jws, len(seg))
	}
	p, err := base64.RawURLEncoding.DecodeString(seg[1])
	if err != nil {
		t.Fatalf("official JWS payload %q: %v", seg[1], err)
	}
	f := strings.Split(string(p), "_")
	if len(f) != 13 {
		t.Fatalf("official payload %q has %d parts", p, len(f))
	}
	return f
}

func signatureSegment(jws string) string { return jws[strings.LastIndexByte(jws, '.')+1:] }

func signingInputOf(jws string) string { return jws[:strings.LastIndexByte(jws, '.')] }

// spec turns one instruction into the Builder's input: kind from
// typeOfReceipt, number and date unchanged, amounts from the JSON number
// text by decimal arithmetic (never float64).
func (s *officialScenario) spec(t testing.TB, i int, dev *at.Device) at.Spec {
	t.Helper()
	in := s.suite.Instructions[i]
	kinds := map[string]at.Kind{
		"START_BELEG": at.KindStart, "STANDARD_BELEG": at.KindStandard, "STORNO_BELEG": at.KindStorno,
		"TRAINING_BELEG": at.KindTraining, "NULL_BELEG": at.KindNull,
	}
	kind, ok := kinds[in.Type]
	if !ok {
		t.Fatalf("scenario %d instruction %d: typeOfReceipt %q unknown", s.n, i, in.Type)
	}
	var amounts rksv.Amounts
	for col, num := range []json.Number{in.Receipt.Normal, in.Receipt.Reduced1, in.Receipt.Reduced2, in.Receipt.Zero, in.Receipt.Particular} {
		d, err := wire.ParseDecimal(num.String())
		if err != nil {
			t.Fatalf("scenario %d instruction %d column %d: %q: %v", s.n, i, col+5, num, err)
		}
		cents, err := d.Cents()
		if err != nil {
			t.Fatalf("scenario %d instruction %d column %d: %q: %v", s.n, i, col+5, num, err)
		}
		amounts[col] = cents
	}
	return at.Spec{Kind: kind, Number: in.ReceiptID, Date: in.Date, Amounts: amounts, Device: dev}
}

// devices returns the three devices of the scenario with the given
// certificates (the serials are the official ones either way).
func (s *officialScenario) devices(certs [3][]byte) [3]at.Device {
	var d [3]at.Device
	for i := range d {
		d[i] = at.Device{Name: fmt.Sprintf("device-%d", i), Provider: "AT100", Serial: s.serials[i], Cert: certs[i]}
	}
	return d
}

// replaySigner answers with the official signature of a signing input,
// found by the SHA-256 digest of header.payload. A digest it does not know
// means the payload differs from the official one: the test fails.
type replaySigner struct {
	t     testing.TB
	name  string
	table map[[32]byte][]byte
	calls int
}

func (r *replaySigner) Sign(_ context.Context, digest []byte) ([]byte, error) {
	r.calls++
	sig, ok := r.table[[32]byte(digest)]
	if !ok {
		r.t.Errorf("replay signer %s: digest %x is not the digest of any official signing input (the payload differs)", r.name, digest)
		return nil, fmt.Errorf("replay signer %s: unknown digest %x", r.name, digest)
	}
	return sig, nil
}

func (r *replaySigner) Identity() device.SignerIdentity {
	return device.SignerIdentity{Name: r.name, Kind: "replay"}
}

// compareFields1to11 checks fields 1–11 of a made payload against the
// official receipt i.
func compareFields1to11(t testing.TB, s *officialScenario, i int, p rksv.Payload) {
	t.Helper()
	want := officialFields(t, s.dep[i])
	got := strings.Split(p.String(), "_")
	if len(got) != 13 {
		t.Fatalf("scenario %d receipt %d: payload %q has %d parts, want 13", s.n, i, p.String(), len(got))
	}
	for f := 1; f <= 11; f++ {
		if got[f] != want[f] {
			t.Errorf("scenario %d receipt %d (%s): field %d = %q, official %q", s.n, i, s.suite.Instructions[i].ReceiptID, f, got[f], want[f])
		}
	}
}

// TestOfficialScenarioReplay drives the eight official scenarios through
// Builder.Make with the official signatures replayed (rksv.md §10.5 steps
// 1–5): every payload, JWS, chain value and QR string must be the official
// one byte for byte, and failed receipts must come from signers that failed.
func TestOfficialScenarioReplay(t *testing.T) {
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprintf("szenario%d", n), func(t *testing.T) {
			s := loadScenario(t, n)
			facts := officialFacts[n-1]

			table := map[[32]byte][]byte{}
			for i, jws := range s.dep {
				seg := signatureSegment(jws)
				if seg == failedSegmentURL {
					continue
				}
				sig, err := base64.RawURLEncoding.DecodeString(seg)
				if err != nil || len(sig) != 64 {
					t.Fatalf("official receipt %d signature %q: %d bytes, %v", i, seg, len(sig), err)
				}
				table[sha256.Sum256([]byte(signingInputOf(jws)))] = sig
			}
			if len(table) != facts.signed {
				t.Fatalf("official DEP has %d signed receipts, §10.3 says %d", len(table), facts.signed)
			}

			b := at.Builder{KassenID: s.suite.CashBoxID, AESKey: s.aesKey, CounterLen: 6}
			devs := s.devices(s.certs)
			var replay [3]*replaySigner
			for d := range devs {
				replay[d] = &replaySigner{t: t, name: devs[d].Name, table: table}
			}
			broken := &brokenSigner{name: "damaged"}

			var ch at.Chain
			var made []string
			damaged := 0
			for i, in := range s.suite.Instructions {
				dev := devs[in.Device]
				dev.Signer = replay[in.Device]
				if in.Damaged {
					dev.Signer = broken
					damaged++
				}
				rec, next, err := b.Make(context.Background(), ch, s.spec(t, i, &dev))
				if err != nil {
					t.Fatalf("receipt %d (%s): Make: %v", i, in.ReceiptID, err)
				}
				ch = next
				made = append(made, rec.JWS)

				compareFields1to11(t, s, i, rec.Payload)
				officialFailed := signatureSegment(s.dep[i]) == failedSegmentURL
				if officialFailed != in.Damaged {
					t.Fatalf("receipt %d: official failed %t but instruction damaged %t", i, officialFailed, in.Damaged)
				}
				if rec.Signed == in.Damaged {
					t.Errorf("receipt %d (%s): Signed %t with device damaged %t", i, in.ReceiptID, rec.Signed, in.Damaged)
				}
				if in.Damaged {
					if !errors.Is(rec.SignErr, device.ErrUnavailable) {
						t.Errorf("receipt %d (%s): SignErr %v, want one wrapping device.ErrUnavailable", i, in.ReceiptID, rec.SignErr)
					}
					if got := signatureSegment(rec.JWS); got != signatureSegment(s.dep[i]) {
						t.Errorf("receipt %d (%s): failure segment %q, official %q", i, in.ReceiptID, got, signatureSegment(s.dep[i]))
					}
				} else if rec.SignErr != nil {
					t.Errorf("receipt %d (%s): SignErr %v on a signed receipt", i, in.ReceiptID, rec.SignErr)
				}
				if rec.JWS != s.dep[i] {
					t.Errorf("receipt %d (%s): JWS\n got %s\nwant %s", i, in.ReceiptID, rec.JWS, s.dep[i])
				}
				qr, err := rksv.QR(rec.JWS)
				if err != nil || qr != s.qr[i] {
					t.Errorf("receipt %d (%s): QR %q (err %v), qr-code-rep.json %q", i, in.ReceiptID, qr, err, s.qr[i])
				}
				if i == 0 && rec.Payload.Chain != startChain {
					t.Errorf("receipt 1: chain value %q, want %q", rec.Payload.Chain, startChain)
				}
				if t.Failed() {
					t.FailNow() // a divergence makes every later receipt differ too
				}
			}

			if broken.calls != damaged || damaged != facts.failed {
				t.Errorf("damaged signer asked %d times for %d damaged instructions, §10.3 says %d failed", broken.calls, damaged, facts.failed)
			}
			if calls := replay[0].calls + replay[1].calls + replay[2].calls; calls != facts.signed {
				t.Errorf("replay signers asked %d times, want %d (one per signed receipt)", calls, facts.signed)
			}
			if ch.Counter != facts.counter {
				t.Errorf("final counter %d cents, want %d", ch.Counter, facts.counter)
			}

			// The exported Belege-kompakt (flattened) is the official list.
			var buf bytes.Buffer
			w := rksv.NewDEPWriter(&buf)
			for _, jws := range made {
				if err := w.Add(nil, jws); err != nil {
					t.Fatalf("DEPWriter.Add: %v", err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("DEPWriter.Close: %v", err)
			}
			got := flatten(parseDEP(t, buf.Bytes()))
			if len(got) != len(s.dep) {
				t.Fatalf("exported %d receipts, official %d", len(got), len(s.dep))
			}
			for i := range got {
				if got[i] != s.dep[i] {
					t.Errorf("Belege-kompakt[%d] = %s, official %s", i, got[i], s.dep[i])
				}
			}
			res := verify(t, buf.Bytes(), s.container)
			if res.State.Counter != facts.counter || res.Failed != facts.failed || res.Signed != facts.signed {
				t.Errorf("verifier: counter %d, failed %d, signed %d; want %d, %d, %d",
					res.State.Counter, res.Failed, res.Signed, facts.counter, facts.failed, facts.signed)
			}
		})
	}
}

// TestOfficialScenarioFreshKeys runs the same instructions with three fresh
// keys whose certificates carry the official serials (rksv.md §10.5 step
// 6): fields 1–11 still match the official receipts, the signatures and the
// chain from receipt 2 on do not, and the independent verifier accepts the
// DEP with a container written for those keys.
func TestOfficialScenarioFreshKeys(t *testing.T) {
	runFreshScenarios(t, func(t *testing.T, d int, serial *big.Int) (device.Signer, []byte) {
		k := newKeySigner(t, fmt.Sprintf("fresh-%d", d), serial)
		return k, k.cert
	})
}

// freshDevice makes signature device d of a scenario, with a certificate
// carrying the official serial.
type freshDevice func(t *testing.T, d int, serial *big.Int) (device.Signer, []byte)

// runFreshScenarios runs every official scenario with devices from mk.
func runFreshScenarios(t *testing.T, mk freshDevice) {
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprintf("szenario%d", n), func(t *testing.T) {
			s := loadScenario(t, n)
			facts := officialFacts[n-1]

			var signers [3]device.Signer
			var certs [3][]byte
			for d := range signers {
				serial, ok := new(big.Int).SetString(s.serials[d], 16)
				if !ok {
					t.Fatalf("serial %q is not hex", s.serials[d])
				}
				signers[d], certs[d] = mk(t, d, serial)
			}
			devs := s.devices(certs)
			broken := &brokenSigner{name: "damaged"}
			b := at.Builder{KassenID: s.suite.CashBoxID, AESKey: s.aesKey, CounterLen: 6}

			var buf bytes.Buffer
			w := rksv.NewDEPWriter(&buf)
			var ch at.Chain
			for i, in := range s.suite.Instructions {
				dev := devs[in.Device]
				dev.Signer = signers[in.Device]
				if in.Damaged {
					dev.Signer = broken
				}
				rec, next, err := b.Make(context.Background(), ch, s.spec(t, i, &dev))
				if err != nil {
					t.Fatalf("receipt %d (%s): Make: %v", i, in.ReceiptID, err)
				}
				ch = next
				compareFields1to11(t, s, i, rec.Payload)
				if rec.Signed == in.Damaged {
					t.Errorf("receipt %d (%s): Signed %t with device damaged %t", i, in.ReceiptID, rec.Signed, in.Damaged)
				}
				official := officialFields(t, s.dep[i])
				switch {
				case i == 0 && rec.Payload.Chain != startChain:
					t.Errorf("receipt 1: chain %q, want %q", rec.Payload.Chain, startChain)
				case i > 0 && rec.Payload.Chain == official[12]:
					t.Errorf("receipt %d (%s): chain %q equals the official one although the keys differ", i, in.ReceiptID, rec.Payload.Chain)
				}
				if rec.Signed && signatureSegment(rec.JWS) == signatureSegment(s.dep[i]) {
					t.Errorf("receipt %d (%s): signature equals the official one although the key differs", i, in.ReceiptID)
				}
				if !rec.Signed && signatureSegment(rec.JWS) != failedSegmentURL {
					t.Errorf("receipt %d (%s): failed receipt has signature segment %q, want %q", i, in.ReceiptID, signatureSegment(rec.JWS), failedSegmentURL)
				}
				if err := w.Add(dev.Cert, rec.JWS); err != nil {
					t.Fatalf("DEPWriter.Add(receipt %d): %v", i, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("DEPWriter.Close: %v", err)
			}
			if ch.Counter != facts.counter {
				t.Errorf("final counter %d cents, want %d", ch.Counter, facts.counter)
			}

			c := rksv.NewContainer(s.aesKey)
			for d := range certs {
				if err := c.AddCertificate(certs[d]); err != nil {
					t.Fatalf("AddCertificate(device %d): %v", d, err)
				}
			}
			raw, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("marshal container: %v", err)
			}
			dc, err := depcheck.ParseContainer(raw)
			if err != nil {
				t.Fatalf("ParseContainer(%s): %v", raw, err)
			}
			res := verify(t, buf.Bytes(), dc)
			if res.Receipts != facts.receipts || res.Signed != facts.signed || res.Failed != facts.failed {
				t.Errorf("verifier: %d receipts, %d signed, %d failed; want %d, %d, %d",
					res.Receipts, res.Signed, res.Failed, facts.receipts, facts.signed, facts.failed)
			}
			if res.State.Counter != facts.counter {
				t.Errorf("verifier: final counter %d, want %d", res.State.Counter, facts.counter)
			}
			if len(res.Warnings) != 0 {
				t.Errorf("verifier warnings %v, want none", res.Warnings)
			}
			wantKinds := map[string]int{}
			for _, in := range s.suite.Instructions {
				wantKinds[strings.TrimSuffix(in.Type, "_BELEG")]++
			}
			for k, want := range map[string]int{
				depcheck.KindStart: wantKinds["START"], depcheck.KindStandard: wantKinds["STANDARD"],
				depcheck.KindStorno: wantKinds["STORNO"], depcheck.KindTraining: wantKinds["TRAINING"], depcheck.KindNull: wantKinds["NULL"],
			} {
				if res.Kinds[k] != want {
					t.Errorf("verifier counts %d %s receipts, the instructions have %d", res.Kinds[k], k, want)
				}
			}
		})
	}
}

// Health: this test device never changes state.
func (*replaySigner) Health() device.Health { return device.Health{} }
