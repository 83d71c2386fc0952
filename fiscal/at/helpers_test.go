package at_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/internal/depcheck"
)

// failedText is the signature text of a receipt the device did not sign
// (rksv.md §1.4); its encodings are computed here, not taken from rksv.
const failedText = "Sicherheitseinrichtung ausgefallen"

var (
	failedSegmentURL = base64.RawURLEncoding.EncodeToString([]byte(failedText))
	failedSegmentStd = base64.StdEncoding.EncodeToString([]byte(failedText))
)

// v2 AT values (pos-system-api-v2.md §7).
const (
	atV2           uint64 = 0x4154_2000_0000_0000
	sigTypeCode    uint64 = 0x4154_2000_0000_0001
	sigTypeStorage uint64 = 0x4154_2000_0001_0002
	formatText     uint64 = 1
	formatQR       uint64 = 3
)

// receiptCase builds an AT v2 ftReceiptCase from a case and receipt flags.
func receiptCase(c uint16, flags uint16) uint64 {
	return atV2 | uint64(flags)<<16 | uint64(c)
}

// ---------------------------------------------------------------------------
// Signers

// keySigner is a software signature device over a fresh ECDSA P-256 key with a
// self-signed certificate of a chosen serial. It can be switched off (it then
// fails like a removed card) and counts the calls it receives, so a test can
// tell whether the register asked it at all.
type keySigner struct {
	name string
	key  *ecdsa.PrivateKey
	cert []byte

	// mon plays the driver's supervisor: setDown flips the health the
	// register watches for its automatic Sammelbeleg.
	mon device.Monitor

	mu    sync.Mutex
	down  bool
	hang  bool // answer only when the caller gives up
	calls int
}

func newKeySigner(t testing.TB, name string, serial *big.Int) *keySigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key for %s: %v", name, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "fiscald at test device " + name},
		NotBefore:    time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("certificate for %s (serial %x): %v", name, serial, err)
	}
	return &keySigner{name: name, key: key, cert: der}
}

func (s *keySigner) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	s.mu.Lock()
	s.calls++
	down, hang := s.down, s.hang
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, fmt.Errorf("test device %s: %w", s.name, ctx.Err())
	}
	if down {
		return nil, fmt.Errorf("test device %s: card removed: %w", s.name, device.ErrUnavailable)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("test device %s: %w: %w", s.name, device.ErrTimeout, err)
	}
	return signRS(s.key, digest)
}

func (s *keySigner) Identity() device.SignerIdentity {
	spki, _ := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	return device.SignerIdentity{Name: s.name, Kind: "test", CertificateDER: s.cert, PublicKeyDER: spki}
}

func (s *keySigner) Health() device.Health { return s.mon.Health() }

// setDown unplugs or replugs the device; a replug is what a driver's
// successful probe reports.
func (s *keySigner) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
	if down {
		s.mon.Failed(errors.New("card removed"), time.Now())
	} else {
		s.mon.Succeeded(time.Now())
	}
}

func (s *keySigner) setHang(hang bool) {
	s.mu.Lock()
	s.hang = hang
	s.mu.Unlock()
}

func (s *keySigner) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// signRS signs a digest and returns the JWS form r‖s, each half left-padded
// to 32 bytes (rksv.md §1.4), not DER.
func signRS(key *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}

// brokenSigner always fails as an unreachable device and counts its calls.
type brokenSigner struct {
	name  string
	calls int
}

func (s *brokenSigner) Sign(context.Context, []byte) ([]byte, error) {
	s.calls++
	return nil, fmt.Errorf("test device %s is damaged: %w", s.name, device.ErrUnavailable)
}

func (s *brokenSigner) Identity() device.SignerIdentity {
	return device.SignerIdentity{Name: s.name, Kind: "test"}
}

// ---------------------------------------------------------------------------
// Receipt requests

// charge is one charge item of a test request; Amount and VATRate are JSON
// number text, so they reach the register exactly as a POS would send them.
type charge struct {
	Amount string
	Rate   string
	Case   uint64 // ftChargeItemCase; 0 = omitted
}

// request builds a real wire.ReceiptRequest from JSON text, the way the HTTP
// layer hands it to the fiscal core. Sales receipts get one cash pay item
// that balances the charges.
func request(t testing.TB, ref string, moment time.Time, caseValue uint64, items ...charge) *wire.ReceiptRequest {
	t.Helper()
	var chargesJSON, paysJSON []string
	var total wire.Decimal
	for i, it := range items {
		amount, err := wire.ParseDecimal(it.Amount)
		if err != nil {
			t.Fatalf("charge %d amount %q: %v", i, it.Amount, err)
		}
		total = total.Add(amount)
		c := fmt.Sprintf(`{"Position":%d,"Quantity":1,"Description":"item %d","Amount":%s,"VATRate":%s`, i+1, i+1, it.Amount, it.Rate)
		if it.Case != 0 {
			c += fmt.Sprintf(`,"ftChargeItemCase":%d`, it.Case)
		}
		chargesJSON = append(chargesJSON, c+"}")
	}
	if len(items) > 0 {
		paysJSON = append(paysJSON, fmt.Sprintf(`{"Description":"Bar","Amount":%s,"ftPayItemCase":%d}`, total.String(), atV2|1))
	}
	body := fmt.Sprintf(`{"cbReceiptReference":%q,"cbReceiptMoment":%q,"cbChargeItems":[%s],"cbPayItems":[%s],"ftReceiptCase":%d}`,
		ref, wire.FormatMoment(moment), strings.Join(chargesJSON, ","), strings.Join(paysJSON, ","), caseValue)
	v, err := wire.Parse([]byte(body))
	if err != nil {
		t.Fatalf("parse request %s: %v", body, err)
	}
	req, err := wire.DecodeReceiptRequest(v)
	if err != nil {
		t.Fatalf("decode request %s: %v", body, err)
	}
	return req
}

// ---------------------------------------------------------------------------
// Register harness

// harness drives one AT register the way fiscal.Queue does: it numbers the
// receipts, calls Fiscalize, then Commit, and keeps what the queue would
// store (the last market state and every item's market data).
type harness struct {
	t        *testing.T
	kassenID string
	market   *at.Market
	signer   *keySigner
	config   []byte
	reg      fiscal.Register

	numerator uint64
	row       uint64
	started   bool
	state     []byte              // Result.State of the last item that had one
	initiated bool                // the next request is one the register asked for
	items     []fiscal.MarketItem // the receipts' Result.Data, in row order
}

const testKassenID = "FISCALD-AT-TEST-1"

// testSerial has upper-case hex digits, so the field-11 rule (lower case)
// is visible.
var testSerial = new(big.Int).SetUint64(0x0ABC_DEF0_1234_5678)

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, fmt.Sprintf(`{"kassenId":%q,"signer":"card-1","autoSammelbeleg":false}`, testKassenID))
}

func newHarnessWith(t *testing.T, params string) *harness {
	t.Helper()
	return newHarnessOptions(t, params, 0)
}

// newHarnessOptions is newHarnessWith with a device deadline for the market
// (0: the market's default).
func newHarnessOptions(t *testing.T, params string, deadline time.Duration) *harness {
	t.Helper()
	sig := newKeySigner(t, "card-1", testSerial)
	m := at.New(at.Options{Signers: []device.Signer{sig}, DeviceDeadline: deadline})
	cfg, err := m.Provision("queue-1", []byte(params))
	if err != nil {
		t.Fatalf("Provision(%s): %v", params, err)
	}
	reg, err := m.OpenRegister("queue-1", cfg, nil, true)
	if err != nil {
		t.Fatalf("OpenRegister: %v", err)
	}
	var p struct {
		KassenID string `json:"kassenId"`
	}
	if err := json.Unmarshal([]byte(params), &p); err != nil {
		t.Fatalf("params %s: %v", params, err)
	}
	return &harness{t: t, kassenID: p.KassenID, market: m, signer: sig, config: cfg, reg: reg}
}

// send fiscalizes one request and commits the result like the queue does.
func (h *harness) send(moment time.Time, caseValue uint64, items ...charge) *fiscal.Result {
	h.t.Helper()
	res, _ := h.fiscalize(moment, caseValue, true, items...)
	return res
}

// fiscalize runs one request; commit=false simulates a queue item whose
// journal write failed (the result is never committed).
func (h *harness) fiscalize(moment time.Time, caseValue uint64, commit bool, items ...charge) (*fiscal.Result, *fiscal.Input) {
	h.t.Helper()
	h.row++
	req := request(h.t, fmt.Sprintf("R-%d", h.row), moment, caseValue, items...)
	in := &fiscal.Input{Request: req, Case: fiscal.DecodeCase(req.ReceiptCase), Moment: moment,
		Numerator: h.numerator + 1, Row: h.row, Started: h.started, Initiated: h.initiated}
	h.initiated = false
	// The queue passes a context without deadline; the timeout here only
	// keeps a broken device deadline from hanging the test run.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := h.reg.Fiscalize(ctx, in)
	if err != nil {
		h.t.Fatalf("Fiscalize(case %#x at %s): %v", caseValue, moment.Format(time.RFC3339), err)
	}
	if res == nil {
		h.t.Fatalf("Fiscalize(case %#x): nil result", caseValue)
	}
	if !commit {
		return res, in
	}
	h.reg.Commit(res)
	if res.Error == "" && res.Receipt {
		h.numerator++
	}
	if res.Error == "" && in.Case.Case == fiscal.CaseInitialOperation {
		h.started = true
	}
	if len(res.State) > 0 {
		h.state = res.State
	}
	// Like the service's export source: only items that made a receipt.
	if res.Error == "" && res.Receipt && len(res.Data) > 0 {
		h.items = append(h.items, fiscal.MarketItem{Row: h.row, Moment: moment, Data: res.Data})
	}
	return res, in
}

// start sends the initial-operation receipt and requires it to be signed.
func (h *harness) start(moment time.Time) *fiscal.Result {
	h.t.Helper()
	res := h.send(moment, receiptCase(fiscal.CaseInitialOperation, 0))
	if res.Error != "" || !res.Receipt {
		h.t.Fatalf("start receipt: Error %q, Receipt %t; want a signed start receipt", res.Error, res.Receipt)
	}
	return res
}

// reopen restores the register from the stored configuration and the last
// state, as the daemon does after a restart.
func (h *harness) reopen() { h.t.Helper(); h.restart(true) }

// crash restores the register as a start after a crash does: from the
// last committed state, knowing that the previous run did not end cleanly.
func (h *harness) crash() { h.t.Helper(); h.restart(false) }

func (h *harness) restart(clean bool) {
	h.t.Helper()
	reg, err := h.market.OpenRegister("queue-1", h.config, h.state, clean)
	if err != nil {
		h.t.Fatalf("OpenRegister with state %s: %v", h.state, err)
	}
	h.reg = reg
}

// containers returns the register's crypto-material container as the
// production code writes it and as the independent verifier reads it.
func (h *harness) containers() (*rksv.Container, *depcheck.Container) {
	h.t.Helper()
	return containersOf(h.t, h.config)
}

func containersOf(t testing.TB, config []byte) (*rksv.Container, *depcheck.Container) {
	t.Helper()
	c, err := at.Container(config)
	if err != nil {
		t.Fatalf("at.Container: %v", err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("marshal container: %v", err)
	}
	dc, err := depcheck.ParseContainer(raw)
	if err != nil {
		t.Fatalf("depcheck.ParseContainer(%s): %v", raw, err)
	}
	return c, dc
}

// export runs the register's DEP7 export over the harness's items.
func (h *harness) export() []byte {
	h.t.Helper()
	var buf bytes.Buffer
	_, _, err := h.reg.Export(context.Background(), &buf, at.JournalDEP7, itemSource(h.items))
	if err != nil {
		h.t.Fatalf("Export: %v", err)
	}
	return buf.Bytes()
}

func itemSource(items []fiscal.MarketItem) fiscal.ItemSource {
	return func(fn func(fiscal.MarketItem) error) error {
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	}
}

// counterOf decrypts field 10 of a receipt with the register's AES key as
// the container carries it.
func (h *harness) counterOf(qr []string) int64 {
	h.t.Helper()
	c, _ := h.containers()
	key, err := base64.StdEncoding.DecodeString(c.AESKey)
	if err != nil {
		h.t.Fatalf("container AES key %q: %v", c.AESKey, err)
	}
	v, err := rksv.DecryptCounter(key, qr[2], qr[3], qr[10])
	if err != nil {
		h.t.Fatalf("decrypt counter of %s (field 10 %q): %v", qr[3], qr[10], err)
	}
	return v
}

// ---------------------------------------------------------------------------
// Results

// codeItem returns the one RKSV code item of a result.
func codeItem(t testing.TB, res *fiscal.Result) wire.SignatureItem {
	t.Helper()
	var found []wire.SignatureItem
	for _, s := range res.Signatures {
		if s.Type == sigTypeCode {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("result %s has %d RKSV code items (type %#x), want 1: %+v", res.Identification, len(found), sigTypeCode, res.Signatures)
	}
	return found[0]
}

// qrFields splits the QR string of a result into its 14 parts: "" then the
// twelve payload fields (index 1–12) then the signature (index 13).
func qrFields(t testing.TB, res *fiscal.Result) []string {
	t.Helper()
	item := codeItem(t, res)
	if item.Format != formatQR {
		t.Errorf("code item of %s: format %d, want %d (QR)", res.Identification, item.Format, formatQR)
	}
	parts := strings.Split(item.Data, "_")
	if len(parts) != 14 || parts[0] != "" {
		t.Fatalf("QR of %s = %q: %d parts, want 14 starting with an empty one", res.Identification, item.Data, len(parts))
	}
	return parts
}

// storageItem returns the storage-obligation item with the caption prefix,
// or fails.
func storageItem(t testing.TB, res *fiscal.Result, captionPrefix string) wire.SignatureItem {
	t.Helper()
	var found []wire.SignatureItem
	for _, s := range res.Signatures {
		if s.Type == sigTypeStorage && strings.HasPrefix(s.Caption, captionPrefix) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("result %s has %d storage items %q… (type %#x), want 1: %+v", res.Identification, len(found), captionPrefix, sigTypeStorage, res.Signatures)
	}
	if found[0].Format != formatText {
		t.Errorf("storage item %q of %s: format %d, want %d (text)", found[0].Caption, res.Identification, found[0].Format, formatText)
	}
	return found[0]
}

// hasStorageItem reports whether a result carries a storage item with the
// caption prefix.
func hasStorageItem(res *fiscal.Result, captionPrefix string) bool {
	for _, s := range res.Signatures {
		if s.Type == sigTypeStorage && strings.HasPrefix(s.Caption, captionPrefix) {
			return true
		}
	}
	return false
}

// isFailed reports whether a QR carries the failure marker instead of a
// signature.
func isFailed(qr []string) bool { return qr[13] == failedSegmentStd }

// jwsOf converts a QR string back to the JWS it was made from, independently
// of rksv: payload and signature re-encoded as unpadded Base64url.
func jwsOf(t testing.TB, qr []string) string {
	t.Helper()
	sig, err := base64.StdEncoding.DecodeString(qr[13])
	if err != nil {
		t.Fatalf("QR signature %q: %v", qr[13], err)
	}
	payload := strings.Join(qr[:13], "_")
	return "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// vienna is the register's time zone, for building moments in tests.
var vienna = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		panic(err)
	}
	return loc
}()

// wall returns the moment of a Vienna wall-clock time.
func wall(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, vienna)
}

// verify runs the independent verifier over a DEP and fails on an invalid
// verdict.
func verify(t testing.TB, dep []byte, c *depcheck.Container) depcheck.Result {
	t.Helper()
	res, err := depcheck.VerifyDEP(dep, c, depcheck.Options{})
	if err != nil {
		t.Fatalf("VerifyDEP: %v", err)
	}
	if !res.Valid {
		t.Fatalf("VerifyDEP: invalid: %v\nDEP:\n%s", res.Err, dep)
	}
	return res
}

// depGroup is one group of a DEP7 document as a verifier reads it.
type depGroup struct {
	Cert     *string   `json:"Signaturzertifikat"`
	CAs      *[]string `json:"Zertifizierungsstellen"`
	Receipts []string  `json:"Belege-kompakt"`
}

func parseDEP(t testing.TB, dep []byte) []depGroup {
	t.Helper()
	var doc struct {
		Groups []depGroup `json:"Belege-Gruppe"`
	}
	dec := json.NewDecoder(bytes.NewReader(dep))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("DEP does not decode: %v\n%s", err, dep)
	}
	return doc.Groups
}

func flatten(groups []depGroup) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g.Receipts...)
	}
	return out
}

// chainOf is the chain value of rksv.md §3, computed independently: padded
// standard Base64 of the first 8 bytes of SHA-256 over s.
func chainOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:8])
}
