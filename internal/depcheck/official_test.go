package depcheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// scenarioFacts is one row of the §10.3 table.
type scenarioFacts struct {
	receipts, signed, failed int
	counter                  int64 // final turnover counter in cents
}

// officialFacts returns the §10.3 row of scenario n (1–8).
func officialFacts(n int) scenarioFacts {
	return [8]scenarioFacts{
		{81, 57, 24, 1324168},
		{80, 56, 24, 1245862},
		{85, 63, 22, 1290613},
		{85, 60, 25, 1215680},
		{80, 56, 24, 1295788},
		{82, 57, 25, 1166078},
		{76, 52, 24, 1102864},
		{81, 56, 25, 1300692},
	}[n-1]
}

// TestOfficialDEPs: the eight DEPs of the reference implementation are valid
// with their containers, and the counts match §10.3 per scenario and in total,
// as well as the scenario definitions (kinds, failed receipts).
func TestOfficialDEPs(t *testing.T) {
	totalKinds := map[string]int{}
	var receipts, signed, failed, infos, warnings int
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprintf("szenario%d", n), func(t *testing.T) {
			want := officialFacts(n)
			dep, c, flat := officialDEP(t, n)
			res, err := VerifyDEP(dep, c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Valid || res.Err != nil {
				t.Fatalf("official DEP invalid: %v", res.Err)
			}
			if res.Receipts != want.receipts || res.Signed != want.signed || res.Failed != want.failed {
				t.Errorf("receipts/signed/failed = %d/%d/%d, want %d/%d/%d",
					res.Receipts, res.Signed, res.Failed, want.receipts, want.signed, want.failed)
			}
			if res.State.Counter != want.counter {
				t.Errorf("final counter %d, want %d", res.State.Counter, want.counter)
			}
			// Every scenario ends with a null receipt, so the table's counter
			// is what its field 10 encrypts (checked with the builder's
			// independent encryption).
			last := strings.Split(payloadOf(t, flat[len(flat)-1]), "_")
			if enc := encryptCounter(t, c.AESKey, last[2], last[3], want.counter, 6); enc != last[10] {
				t.Errorf("last receipt's counter %s does not encrypt %d (%s)", last[10], want.counter, enc)
			}
			if res.State.CounterLen != 6 || res.State.Receipts != want.receipts || res.State.LastJWS != flat[len(flat)-1] {
				t.Errorf("state: counter length %d, receipts %d, last JWS is the DEP's last: %t",
					res.State.CounterLen, res.State.Receipts, res.State.LastJWS == flat[len(flat)-1])
			}
			if len(res.Infos) != res.Failed || len(res.Warnings) != 0 {
				t.Errorf("%d infos for %d failed receipts, %d warnings: %v", len(res.Infos), res.Failed, len(res.Warnings), res.Warnings)
			}
			for _, f := range res.Infos {
				if f.Code != CodeSignatureDeviceFailed || !isFailedSignature(flat[f.Index][len(flat[f.Index])-len(failedSigB64URL):]) {
					t.Errorf("info %v is not on a failed receipt", f)
				}
			}
			// The scenario definition is a second, independent source for
			// the classification and the failure count.
			defKinds := map[string]int{}
			defFailed := 0
			for _, r := range scenarioReceipts(t, n) {
				defKinds[r.kind]++
				if r.failed {
					defFailed++
				}
			}
			if defFailed != res.Failed {
				t.Errorf("scenario has %d damaged-device receipts, verifier counted %d failed", defFailed, res.Failed)
			}
			for k, v := range defKinds {
				if res.Kinds[k] != v {
					t.Errorf("kind %s: verifier %d, scenario definition %d", k, res.Kinds[k], v)
				}
			}
			for k, v := range res.Kinds {
				totalKinds[k] += v
			}
			receipts += res.Receipts
			signed += res.Signed
			failed += res.Failed
			infos += len(res.Infos)
			warnings += len(res.Warnings)
		})
	}
	if t.Failed() || t.Skipped() {
		return
	}
	if receipts != 650 || signed != 457 || failed != 193 || infos != 193 || warnings != 0 {
		t.Errorf("totals receipts/signed/failed/infos/warnings = %d/%d/%d/%d/%d, want 650/457/193/193/0",
			receipts, signed, failed, infos, warnings)
	}
	wantKinds := map[string]int{KindStart: 8, KindNull: 236, KindStandard: 138, KindStorno: 133, KindTraining: 135}
	for k, v := range wantKinds {
		if totalKinds[k] != v {
			t.Errorf("total %s = %d, want %d", k, totalKinds[k], v)
		}
	}
}

// TestOfficialQRCodes: every printed code of the demo output verifies on its
// own, failed ones included (VerifyQR returns nil for them, see its doc), and
// is the DEP's JWS in QR form.
func TestOfficialQRCodes(t *testing.T) {
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprintf("szenario%d", n), func(t *testing.T) {
			_, c, flat := officialDEP(t, n)
			var qrs []string
			if err := json.Unmarshal(readFixture(t, "bmf-demo-output", fmt.Sprintf("szenario%d", n), "qr-code-rep.json"), &qrs); err != nil {
				t.Fatal(err)
			}
			if len(qrs) != len(flat) {
				t.Fatalf("%d QR codes for %d receipts", len(qrs), len(flat))
			}
			failed := 0
			for i, qr := range qrs {
				if err := VerifyQR(qr, c); err != nil {
					t.Errorf("QR %d: %v", i, err)
				}
				jws, err := QRToJWS(qr)
				if err != nil || jws != flat[i] {
					t.Errorf("QR %d converts to %s (%v), DEP has %s", i, jws, err, flat[i])
				}
				if err := VerifyJWS(flat[i], c); err != nil {
					t.Errorf("JWS %d: %v", i, err)
				}
				if err := VerifyOCR(qrToOCR(t, qr), c); err != nil {
					t.Errorf("OCR %d: %v", i, err)
				}
				if isFailedSignature(flat[i][len(flat[i])-len(failedSigB64URL):]) {
					failed++
				}
			}
			if failed != officialFacts(n).failed {
				t.Errorf("%d failed QR codes, want %d", failed, officialFacts(n).failed)
			}
		})
	}
}

// TestOfficialSignatureBitFlip flips one bit of one official signature: the
// only mutation of official data that needs no private key.
func TestOfficialSignatureBitFlip(t *testing.T) {
	dep, c, flat := officialDEP(t, 1)
	const index = 12 // a signed standard receipt (the representations vector)
	jws := flat[index]
	flipped := flipSignatureBit(t, jws)
	mutated := replaceOnce(t, dep, jws, flipped)
	res, err := VerifyDEP(mutated, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectFinding(t, res, CodeSignature, index)
	if res.Receipts != index || res.State.LastJWS != flat[index-1] {
		t.Errorf("after the error: %d receipts accepted, state at receipt %q", res.Receipts, res.State.LastJWS)
	}
	if err := VerifyJWS(flipped, c); !isCode(err, CodeSignature) {
		t.Errorf("VerifyJWS(flipped) = %v, want %s", err, CodeSignature)
	}
}

// TestOfficialNullCertificate writes null for the certificate of an official
// DEP, which fiskaltrust does and fiscald must not.
func TestOfficialNullCertificate(t *testing.T) {
	dep, c, _ := officialDEP(t, 1)
	mutated := replaceOnce(t, dep, `"Signaturzertifikat" : ""`, `"Signaturzertifikat" : null`)
	res, err := VerifyDEP(mutated, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectFinding(t, res, CodeMalformedDEP, -1)
}

// TestOfficialContinuation splits each official DEP in two; the second half
// verifies from the first half's state and ends where the whole DEP ends,
// and does not verify on its own.
func TestOfficialContinuation(t *testing.T) {
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprintf("szenario%d", n), func(t *testing.T) {
			_, c, flat := officialDEP(t, n)
			split := len(flat) / 2
			first, second := flat[:split], flat[split:]
			r1, err := VerifyDEP(depJSON(t, testGroup{receipts: first}), c, Options{})
			if err != nil || !r1.Valid {
				t.Fatalf("first half: %v %v", err, r1.Err)
			}
			seen := len(r1.State.Seen)
			r2, err := VerifyDEP(depJSON(t, testGroup{receipts: second}), c, Options{Start: &r1.State})
			if err != nil || !r2.Valid {
				t.Fatalf("second half: %v %v", err, r2.Err)
			}
			if len(r1.State.Seen) != seen {
				t.Errorf("verifying the continuation changed the start state's Seen set")
			}
			want := officialFacts(n)
			if r2.State.Counter != want.counter || r2.State.Receipts != want.receipts ||
				r1.Receipts+r2.Receipts != want.receipts || r1.Failed+r2.Failed != want.failed {
				t.Errorf("continuation ends with counter %d after %d receipts (%d failed), want %d after %d (%d)",
					r2.State.Counter, r2.State.Receipts, r1.Failed+r2.Failed, want.counter, want.receipts, want.failed)
			}
			alone, err := VerifyDEP(depJSON(t, testGroup{receipts: second}), c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if alone.Valid || alone.Err.Index != 0 {
				t.Errorf("second half alone: valid %t, error %v; want an error at receipt 0", alone.Valid, alone.Err)
			}
		})
	}
}
