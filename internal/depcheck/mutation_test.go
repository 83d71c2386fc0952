package depcheck

import (
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
)

// TestBuilderReproducesOfficialPayloads ties the test builder to the
// reference implementation: with the official counter length and serials,
// fields 1–11 of all 81 receipts of scenario 1 equal the official ones, and
// failed receipts carry the official failure segment. Only signatures and
// hence chain values (from receipt 2 on) differ, because the keys are fresh.
func TestBuilderReproducesOfficialPayloads(t *testing.T) {
	_, _, flat := officialDEP(t, 1)
	p := newTestPKI(t)
	built := p.build(t, 6, scenarioReceipts(t, 1))
	if len(built) != len(flat) {
		t.Fatalf("built %d receipts, official %d", len(built), len(flat))
	}
	for i := range flat {
		got, want := payloadOf(t, built[i]), payloadOf(t, flat[i])
		if cut := strings.LastIndexByte(want, '_'); got[:strings.LastIndexByte(got, '_')] != want[:cut] {
			t.Errorf("receipt %d fields 1–11:\n got %s\nwant %s", i, got, want)
		}
		gotFailed := strings.HasSuffix(built[i], "."+failedSigB64URL)
		if wantFailed := strings.HasSuffix(flat[i], "."+failedSigB64URL); gotFailed != wantFailed {
			t.Errorf("receipt %d: failed %t, official %t", i, gotFailed, wantFailed)
		}
	}
	if payloadOf(t, built[0]) != payloadOf(t, flat[0]) {
		t.Errorf("start receipt differs although its chain is over the Kassen-ID")
	}
}

// TestBuiltScenarioValid: the fresh-key replay of scenario 1 with 8-byte
// counters verifies, with the §10.3 figures of scenario 1; it is the base of
// every mutation below, so the mutations fail for their own reason only.
func TestBuiltScenarioValid(t *testing.T) {
	p := newTestPKI(t)
	res, err := VerifyDEP(depJSON(t, testGroup{receipts: p.build(t, 8, scenarioReceipts(t, 1))}), p.container(t), Options{})
	expectValid(t, res, err)
	want := officialFacts(1)
	if res.Receipts != want.receipts || res.Signed != want.signed || res.Failed != want.failed ||
		res.State.Counter != want.counter || res.State.CounterLen != 8 {
		t.Errorf("receipts/signed/failed/counter/length = %d/%d/%d/%d/%d, want %d/%d/%d/%d/8",
			res.Receipts, res.Signed, res.Failed, res.State.Counter, res.State.CounterLen,
			want.receipts, want.signed, want.failed, want.counter)
	}
}

// Receipt positions in scenario 1 used by the mutations (0-based).
const (
	s1Start          = 0
	s1SignedNull     = 2  // device 0, the first receipt not signed by device 1
	s1SignedStandard = 12 // device 0
	s1SignedNullLate = 22 // signed null, device 0
	s1Standard36     = 36 // signed standard, device 0
	s1Standard40     = 40 // signed standard, device 0, follows 39 (2016-04-20T19:36:47)
	s1Sammelbeleg46  = 46 // signed null after the failed training receipt 45
	s1Storno48       = 48 // signed storno, second signed receipt after 46
)

// TestMutations: each copy of the built scenario 1 breaks exactly one rule,
// is re-signed and re-chained, and must be rejected with that rule's code at
// that receipt (§10.6).
func TestMutations(t *testing.T) {
	edit := func(i int, fn func(f []string)) func([]testReceipt) []testReceipt {
		return func(rs []testReceipt) []testReceipt { rs[i].edit = fn; return rs }
	}
	cases := []struct {
		name   string
		mutate func(rs []testReceipt) []testReceipt
		code   string
		index  int
	}{
		{"signature bit flipped", func(rs []testReceipt) []testReceipt {
			rs[s1SignedStandard].editJWS = func(jws string) string { return flipSignatureBit(t, jws) }
			return rs
		}, CodeSignature, s1SignedStandard},
		{"chain value changed", edit(s1SignedStandard, func(f []string) { f[12] = "AAAAAAAAAAA=" }),
			CodeChain, s1SignedStandard},
		{"Belegnummer repeated", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].id = rs[s1Standard36].id
			return rs
		}, CodeDuplicateReceiptID, s1Standard40},
		{"counter padding stripped", edit(s1SignedStandard, func(f []string) { f[10] = strings.TrimRight(f[10], "=") }),
			CodeMalformedTurnoverCounter, s1SignedStandard},
		{"underscore in receipt id", func(rs []testReceipt) []testReceipt {
			rs[s1SignedStandard].id = "CASHBOX-DEMO-1_Receipt-ID-13"
			return rs
		}, CodeMalformedReceipt, s1SignedStandard},
		{"thousands separator", func(rs []testReceipt) []testReceipt {
			rs[s1SignedStandard].amounts[0] = 123456
			rs[s1SignedStandard].edit = func(f []string) { f[5] = "1.234,56" }
			return rs
		}, CodeMalformedAmount, s1SignedStandard},
		{"dot decimal", edit(s1SignedStandard, func(f []string) { f[6] = strings.Replace(f[6], ",", ".", 1) }),
			CodeMalformedAmount, s1SignedStandard},
		{"suite R1-PFX", edit(s1SignedStandard, func(f []string) { f[1] = "R1-PFX" }),
			CodeMalformedSuite, s1SignedStandard},
		{"Kassen-ID changed mid-DEP", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].kassenID = "CASHBOX-DEMO-2"
			return rs
		}, CodeCashboxIDChanged, s1Standard40},
		{"Sammelbeleg removed", func(rs []testReceipt) []testReceipt {
			// failed training (45), signed standard (47), signed standard
			// (48, a storno in the original) → the second one is the error.
			rs[s1Storno48].kind = KindStandard
			return append(rs[:s1Sammelbeleg46:s1Sammelbeleg46], rs[s1Sammelbeleg46+1:]...)
		}, CodeNoSammelbelegAfterFailure, s1Storno48 - 1},
		{"start receipt failed", func(rs []testReceipt) []testReceipt {
			rs[s1Start].failed = true
			return rs
		}, CodeStartReceiptNotSigned, s1Start},
		{"start receipt is training", func(rs []testReceipt) []testReceipt {
			rs[s1Start].kind = KindTraining
			return rs
		}, CodeStartReceiptType, s1Start},
		{"start receipt is storno", func(rs []testReceipt) []testReceipt {
			rs[s1Start].kind = KindStorno
			return rs
		}, CodeStartReceiptType, s1Start},
		{"start receipt with amount", func(rs []testReceipt) []testReceipt {
			rs[s1Start].amounts[2] = 1
			return rs
		}, CodeStartReceiptNonzero, s1Start},
		{"start receipt chain", edit(s1Start, func(f []string) { f[12] = chainValue("CASHBOX-DEMO-2") }),
			CodeChain, s1Start},
		{"start receipt counter not zero", func(rs []testReceipt) []testReceipt {
			rs[s1Start].counterOffset = 1
			return rs
		}, CodeTurnoverCounter, s1Start},
		{"second start receipt", func(rs []testReceipt) []testReceipt {
			rs[s1SignedNullLate].restartChain = true
			return rs
		}, CodeStartReceiptNotFirst, s1SignedNullLate},
		{"counter value wrong", func(rs []testReceipt) []testReceipt {
			rs[s1Standard36].counterOffset = -1
			return rs
		}, CodeTurnoverCounter, s1Standard36},
		{"counter length changed", func(rs []testReceipt) []testReceipt {
			rs[s1Standard36].counterLen = 6
			return rs
		}, CodeTurnoverCounterSizeChanged, s1Standard36},
		{"counter of 4 bytes", func(rs []testReceipt) []testReceipt {
			rs[s1Start].counterLen = 4
			return rs
		}, CodeTurnoverCounterLength, s1Start},
		{"date decreasing", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].date = "2016-04-20T19:36:46"
			return rs
		}, CodeDateDecreasing, s1Standard40},
		{"date not a real time", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].date = "2016-02-30T19:36:48"
			return rs
		}, CodeMalformedReceipt, s1Standard40},
		{"date with zone", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].date = "2016-04-21T20:37:48Z"
			return rs
		}, CodeMalformedReceipt, s1Standard40},
		{"chain of 6 bytes", edit(s1Standard40, func(f []string) { f[12] = "AAAAAAAA" }),
			CodeMalformedChain, s1Standard40},
		{"serial not hex", edit(s1Standard40, func(f []string) { f[11] = "serial-1" }),
			CodeMalformedSerial, s1Standard40},
		{"closed system with hex serial", edit(s1Standard40, func(f []string) { f[1] = "R1-AT0" }),
			CodeMalformedSerial, s1Standard40},
		{"unknown serial", edit(s1Standard40, func(f []string) { f[11] = "abc123" }),
			CodeNoKey, s1Standard40},
		{"switch to closed system", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].device = closedDevice
			return rs
		}, CodeSystemTypeChanged, s1Standard40},
		{"padded signature segment", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].editJWS = func(jws string) string { return jws + "=" }
			return rs
		}, CodeMalformedJWS, s1Standard40},
		{"other header", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].editJWS = func(jws string) string {
				return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","typ":"JWT"}`)) + jws[strings.IndexByte(jws, '.'):]
			}
			return rs
		}, CodeMalformedJWS, s1Standard40},
		{"63-byte signature", func(rs []testReceipt) []testReceipt {
			rs[s1Standard40].editJWS = func(jws string) string { return jws[:len(jws)-2] }
			return rs
		}, CodeSignature, s1Standard40},
	}
	p := newTestPKI(t)
	c := p.container(t)
	base := scenarioReceipts(t, 1)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := tc.mutate(append([]testReceipt(nil), base...))
			res, err := VerifyDEP(depJSON(t, testGroup{receipts: p.build(t, 8, rs)}), c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			expectFinding(t, res, tc.code, tc.index)
			if res.Receipts != tc.index || res.State.Receipts != tc.index {
				t.Errorf("%d receipts accepted before the error at %d", res.Receipts, tc.index)
			}
		})
	}
}

// TestCertificates covers key resolution and trust: group certificates,
// container certificates with a decimal id, and chains to a trusted root.
func TestCertificates(t *testing.T) {
	p := newTestPKI(t)
	c := p.container(t)
	rs := scenarioReceipts(t, 1)
	flat := p.build(t, 8, rs)
	byDevice := func(d int) *x509.Certificate { return p.devices[d].cert }
	// One group per consecutive run of receipts of the same device (failed
	// receipts stay in the group of the device they name), as fiscald writes.
	var groups []testGroup
	for i, r := range rs {
		if i == 0 || r.device != rs[i-1].device {
			groups = append(groups, testGroup{cert: byDevice(r.device), cas: []*x509.Certificate{p.intermediate}})
		}
		groups[len(groups)-1].receipts = append(groups[len(groups)-1].receipts, flat[i])
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.root)
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(newTestPKI(t).root)

	t.Run("one group per device run", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, groups...), &Container{AESKey: c.AESKey}, Options{TrustedCAs: roots})
		expectValid(t, res, err)
		if res.Receipts != len(flat) || res.State.Counter != officialFacts(1).counter {
			t.Errorf("%d receipts, counter %d", res.Receipts, res.State.Counter)
		}
	})
	t.Run("2016 alias key", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, testGroup{cert: byDevice(1), certKey: "Signatur- bzw. Siegelzertifikat", receipts: flat[:2]}), c, Options{})
		expectValid(t, res, err)
	})
	t.Run("group certificate of another device", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, testGroup{cert: byDevice(1), receipts: flat}), c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		expectFinding(t, res, CodeCertSerialMismatch, s1SignedNull)
	})
	t.Run("field 11 upper case with leading zeros", func(t *testing.T) {
		mod := append([]testReceipt(nil), rs[:2]...)
		for i := range mod {
			mod[i].edit = func(f []string) { f[11] = "00" + strings.ToUpper(f[11]) }
		}
		res, err := VerifyDEP(depJSON(t, testGroup{cert: byDevice(1), receipts: p.build(t, 8, mod)}), c, Options{})
		expectValid(t, res, err)
	})
	t.Run("decimal serial in the container", func(t *testing.T) {
		decimal := p.devices[0].cert.SerialNumber.String()
		cd, err := ParseContainer(p.containerJSON(t, map[int]string{0: decimal}))
		if err != nil {
			t.Fatal(err)
		}
		mod := append([]testReceipt(nil), rs...)
		for i := range mod {
			if mod[i].device == 0 {
				mod[i].edit = func(f []string) { f[11] = decimal }
			}
		}
		res, err := VerifyDEP(depJSON(t, testGroup{receipts: p.build(t, 8, mod)}), cd, Options{})
		if err != nil {
			t.Fatal(err)
		}
		expectFinding(t, res, CodeCertSerialNotHexOfCert, s1SignedNull)
	})
	t.Run("container certificates trusted via the group's CAs", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, testGroup{cas: []*x509.Certificate{p.intermediate}, receipts: flat}), c, Options{TrustedCAs: roots})
		expectValid(t, res, err)
	})
	t.Run("intermediate missing", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, testGroup{receipts: flat}), c, Options{TrustedCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		expectFinding(t, res, CodeUntrustedCert, s1Start)
	})
	t.Run("other root", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, groups...), c, Options{TrustedCAs: otherRoots})
		if err != nil {
			t.Fatal(err)
		}
		expectFinding(t, res, CodeUntrustedCert, s1Start)
	})
	t.Run("no trust check without roots", func(t *testing.T) {
		res, err := VerifyDEP(depJSON(t, testGroup{receipts: flat}), c, Options{})
		expectValid(t, res, err)
	})
	t.Run("closed system", func(t *testing.T) {
		mod := append([]testReceipt(nil), rs...)
		for i := range mod {
			mod[i].device = closedDevice
		}
		res, err := VerifyDEP(depJSON(t, testGroup{receipts: p.build(t, 8, mod)}), c, Options{TrustedCAs: roots})
		expectValid(t, res, err)
		if !res.State.ClosedSystem {
			t.Error("state does not record the closed system")
		}
	})
}

// TestOutageRules: the Sammelbeleg may be the first or second signed receipt
// after a failure (§4.4 rule 3), a failed null receipt is only a warning, and
// the example of the spec fails where it says.
func TestOutageRules(t *testing.T) {
	p := newTestPKI(t)
	c := p.container(t)
	date := func(i int) string { return "2026-01-01T10:00:0" + string(rune('0'+i)) }
	r := func(i int, kind string, cents int64, failed bool) testReceipt {
		tr := testReceipt{id: "R-" + string(rune('A'+i)), date: date(i), kind: kind, failed: failed, device: 1}
		tr.amounts[0] = cents
		return tr
	}
	start := r(0, KindStart, 0, false)
	cases := []struct {
		name     string
		rs       []testReceipt
		code     string // "" = valid
		index    int
		warnings []int // indices of UNSIGNED_NULL_RECEIPT
		infos    int
	}{
		{"Sammelbeleg in second position", []testReceipt{start,
			r(1, KindStandard, 1250, false), r(2, KindStandard, -3711, true),
			r(3, KindStandard, 123456, false), r(4, KindNull, 0, false), r(5, KindStandard, 5, false)},
			"", 0, nil, 1},
		{"Sammelbeleg first", []testReceipt{start,
			r(1, KindStandard, 100, true), r(2, KindTraining, 100, true), r(3, KindNull, 0, false), r(4, KindStorno, -100, false)},
			"", 0, nil, 2},
		{"failed null receipt", []testReceipt{start,
			r(1, KindNull, 0, true), r(2, KindStandard, 100, false), r(3, KindNull, 0, false)},
			"", 0, []int{1}, 1},
		{"DEP ends inside an outage", []testReceipt{start,
			r(1, KindStandard, 100, true), r(2, KindStandard, 100, false)},
			"", 0, nil, 1},
		{"failed after signed", []testReceipt{start,
			r(1, KindStandard, 100, true), r(2, KindStandard, 100, false), r(3, KindStandard, 100, true)},
			CodeNoSammelbelegAfterFailure, 3, nil, 0},
		{"two signed after failed", []testReceipt{start,
			r(1, KindStandard, 100, true), r(2, KindStandard, 100, false), r(3, KindStandard, 100, false)},
			CodeNoSammelbelegAfterFailure, 3, nil, 0},
		{"signed training counts as non-null", []testReceipt{start,
			r(1, KindStandard, 100, true), r(2, KindTraining, 100, false), r(3, KindStorno, -100, false)},
			CodeNoSammelbelegAfterFailure, 3, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := VerifyDEP(depJSON(t, testGroup{receipts: p.build(t, 8, tc.rs)}), c, Options{})
			if tc.code != "" {
				if err != nil {
					t.Fatal(err)
				}
				expectFinding(t, res, tc.code, tc.index)
				return
			}
			expectValid(t, res, err)
			if len(res.Infos) != tc.infos {
				t.Errorf("%d infos, want %d: %v", len(res.Infos), tc.infos, res.Infos)
			}
			if len(res.Warnings) != len(tc.warnings) {
				t.Fatalf("warnings %v, want UNSIGNED_NULL_RECEIPT at %v", res.Warnings, tc.warnings)
			}
			for i, w := range res.Warnings {
				if w.Code != CodeUnsignedNullReceipt || w.Index != tc.warnings[i] {
					t.Errorf("warning %v, want %s at %d", w, CodeUnsignedNullReceipt, tc.warnings[i])
				}
			}
		})
	}
}

// TestContinuationBuilt splits the built scenario where an outage is open
// (after a failed receipt and the signed receipt following it would set
// need-null) so that the state carried over really matters.
func TestContinuationBuilt(t *testing.T) {
	p := newTestPKI(t)
	c := p.container(t)
	rs := scenarioReceipts(t, 1)
	rs[s1Storno48].kind = KindStandard
	rs = append(rs[:s1Sammelbeleg46:s1Sammelbeleg46], rs[s1Sammelbeleg46+1:]...)
	flat := p.build(t, 8, rs)
	split := s1Sammelbeleg46 + 1 // first half ends with the signed standard receipt after the failure
	r1, err := VerifyDEP(depJSON(t, testGroup{receipts: flat[:split]}), c, Options{})
	expectValid(t, r1, err)
	if !r1.State.NeedNull {
		t.Fatal("first half does not end with need-null set")
	}
	r2, err := VerifyDEP(depJSON(t, testGroup{receipts: flat[split:]}), c, Options{Start: &r1.State})
	if err != nil {
		t.Fatal(err)
	}
	expectFinding(t, r2, CodeNoSammelbelegAfterFailure, 0)

	// The unmutated scenario split at the same place continues validly.
	flat = p.build(t, 8, scenarioReceipts(t, 1))
	r1, err = VerifyDEP(depJSON(t, testGroup{receipts: flat[:split]}), c, Options{})
	expectValid(t, r1, err)
	r2, err = VerifyDEP(depJSON(t, testGroup{receipts: flat[split:]}), c, Options{Start: &r1.State})
	expectValid(t, r2, err)
	if r2.State.Counter != officialFacts(1).counter || r2.Kinds[KindStart] != 0 {
		t.Errorf("continuation: counter %d, %d start receipts", r2.State.Counter, r2.Kinds[KindStart])
	}
	dup, err := VerifyDEP(depJSON(t, testGroup{receipts: flat[split-1:]}), c, Options{Start: &r1.State})
	if err != nil {
		t.Fatal(err)
	}
	expectFinding(t, dup, CodeChain, 0) // the repeated receipt is not chained to itself
}
