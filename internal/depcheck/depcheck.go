// Package depcheck is an independent verifier for RKSV DEP7 exports and
// single receipts (QR, OCR, JWS), written from spec/rksv.md §9.2 alone.
//
// It exists so that tests can judge what the daemon exports without trusting
// the code that produced it: it is test-only, shares no code with the
// production RKSV implementation (nothing under fiscal/ is imported), and does
// its own parsing, Base64/Base32, AES-CTR, SHA-256 and ECDSA with the standard
// library. It is deliberately stricter than the BMF Prüftool (§9.4).
//
// The checks run in the order of §9.2: A (DEP structure), then per receipt B
// (parse), C (key and signature), D1–D5 (sequence rules). The first failing
// check is the verdict; warnings and infos are collected for the receipts
// that passed.
package depcheck

import (
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
)

// State is the verifier's running state after the last accepted receipt
// (§9.2 E). Passing it as Options.Start verifies a continuation DEP (a range
// export) exactly as if both parts had been one document.
type State struct {
	LastJWS      string          // chain input of the next receipt; "" before the start receipt
	Counter      int64           // turnover counter in cents after the last receipt
	NeedNull     bool            // a signed null receipt must come next (§4.4 rule 3)
	CounterLen   int             // encrypted counter length in bytes fixed by the first counter
	KassenID     string          // the register's Kassen-ID
	ClosedSystem bool            // the register uses AT0
	LastDate     string          // field 4 of the last receipt
	Seen         map[string]bool // Belegnummern seen
	Receipts     int             // receipts accepted so far, over all segments
}

// Options carries what a verification needs beyond the DEP and container.
type Options struct {
	// Start continues from an earlier segment's Result.State. nil, or a State
	// without LastJWS, means the DEP begins with the start receipt.
	Start *State
	// TrustedCAs, when set, requires every signing certificate (group or
	// container) to chain to one of them, using the group's
	// Zertifizierungsstellen as intermediates, at the receipt's date. nil
	// means no chain check, so UNTRUSTED_CERT is never reported.
	TrustedCAs *x509.CertPool
}

// Result is the verdict on one DEP, with the counts a test needs to compare
// against known figures (§10.3) rather than just "valid".
type Result struct {
	Valid    bool
	Err      *Finding       // first error; nil when valid
	Warnings []Finding      // e.g. UNSIGNED_NULL_RECEIPT
	Infos    []Finding      // SIGNATURE_DEVICE_FAILED per failed receipt
	State    State          // after the last accepted receipt
	Receipts int            // receipts of this DEP that passed every check
	Signed   int            // accepted receipts with a real signature
	Failed   int            // accepted receipts marked "Sicherheitseinrichtung ausgefallen"
	Kinds    map[string]int // KindStart … KindNull counts as classified by §4.1
}

// VerifyDEP checks a DEP7 JSON document against the container. It returns an
// error only when its own inputs are unusable (no container, an AES key that
// is not 32 bytes); everything about the DEP itself, including JSON that does
// not parse, is a finding in Result. Verification stops at the first error;
// Result.State is then the state after the receipt before it.
func VerifyDEP(dep []byte, c *Container, o Options) (Result, error) {
	if c == nil {
		return Result{}, errors.New("depcheck: no crypto-material container")
	}
	if len(c.AESKey) != aesKeyLen {
		return Result{}, fmt.Errorf("depcheck: container AES key has %d bytes, want %d", len(c.AESKey), aesKeyLen)
	}
	v := newVerifier(c, o)
	groups, f := parseDEP(dep)
	if f != nil {
		return v.result(f), nil
	}
	index := 0
	for gi := range groups {
		g := &groups[gi]
		for _, jws := range g.receipts {
			if f := v.receipt(jws, g, index); f != nil {
				f.Index = index
				return v.result(f), nil
			}
			index++
		}
	}
	return v.result(nil), nil
}

// VerifyQR checks one receipt in QR form, steps B and C only (there is no
// sequence to check). A receipt made while the device was out carries no
// signature to check and is therefore not an error: the result is nil, as it
// is for a valid signed receipt; DEP verification is where failed receipts
// are counted and reported (SIGNATURE_DEVICE_FAILED). A non-nil error is a
// *Finding with Index 0.
func VerifyQR(qr string, c *Container) error {
	jws, f := qrToJWS(qr)
	if f != nil {
		return single(f)
	}
	return VerifyJWS(jws, c)
}

// VerifyOCR is VerifyQR for the OCR representation: fields 10, 12 and the
// signature are converted from Base32 back to Base64 first.
func VerifyOCR(ocr string, c *Container) error {
	qr, f := ocrToQR(ocr)
	if f != nil {
		return single(f)
	}
	return VerifyQR(qr, c)
}

// VerifyJWS is VerifyQR for the DEP's JWS form, with the same rule for failed
// receipts (nil). The counter length is only checked against 5–16 bytes,
// since no register state is known.
func VerifyJWS(jws string, c *Container) error {
	r, f := parseReceipt(jws, 0)
	if f != nil {
		return single(f)
	}
	if r.failed {
		return nil
	}
	if _, f := checkSigned(r, nil, c); f != nil {
		return single(f)
	}
	return nil
}

// single places a finding at index 0 and returns it as a non-nil error
// interface (never a typed nil).
func single(f *Finding) error {
	f.Index = 0
	return f
}

// checkSigned is the part of step C shared by DEP and single-receipt mode:
// resolve the key and verify the signature.
func checkSigned(r *receipt, groupCert *x509.Certificate, c *Container) (verifyKey, *Finding) {
	k, f := resolveKey(r, groupCert, c)
	if f != nil {
		return k, f
	}
	if !verifySignature(k.pub, r.signingInput, r.sig) {
		return k, finding(CodeSignature, "ES256 signature (%d bytes) does not verify for field 11 %q", len(r.sig), r.serial)
	}
	return k, nil
}

func newKinds() map[string]int {
	return map[string]int{KindStart: 0, KindStandard: 0, KindStorno: 0, KindTraining: 0, KindNull: 0}
}

func copyState(s *State) State {
	out := *s
	out.Seen = maps.Clone(s.Seen)
	if out.Seen == nil {
		out.Seen = make(map[string]bool)
	}
	return out
}
