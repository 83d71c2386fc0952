package rksv_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// signRS signs a signing input the way a PKCS#11 device does: ES256, r‖s.
func signRS(t *testing.T, key *ecdsa.PrivateKey, signingInput string) []byte {
	t.Helper()
	h := sha256.Sum256([]byte(signingInput))
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestSigningInput(t *testing.T) {
	// Lengths around the encoder's internal chunk size and the 3-byte groups.
	for _, n := range []int{0, 1, 2, 3, 4, 383, 384, 385, 767, 768, 769, 1000, 5000} {
		payload := strings.Repeat("_ä€x", n)[:n]
		want := rksv.HeaderB64 + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
		if got := rksv.SigningInput(payload); got != want {
			t.Errorf("SigningInput(%d bytes) = %q, want %q", n, got, want)
		}
		if got := rksv.AppendSigningInput([]byte("x"), []byte(payload)); string(got) != "x"+want {
			t.Errorf("AppendSigningInput(%d bytes) = %q", n, got)
		}
	}
}

func TestAppendSigningInputAllocations(t *testing.T) {
	p := samplePayload()
	buf := make([]byte, 0, 1024)
	payload := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		payload = p.AppendTo(payload[:0])
		buf = rksv.AppendSigningInput(buf[:0], payload)
	})
	if allocs != 0 {
		t.Errorf("AppendTo + AppendSigningInput allocate %v times, want 0", allocs)
	}
}

func TestJWSRoundTrip(t *testing.T) {
	key := newKey(t)
	p := samplePayload()
	si := rksv.SigningInput(p.String())
	sig := signRS(t, key, si)
	jws, err := rksv.JWS(si, sig)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(jws, ".") != 2 || strings.Contains(jws, "=") || !strings.HasPrefix(jws, si+".") {
		t.Fatalf("JWS = %q", jws)
	}
	payload, gotSig, err := rksv.SplitJWS(jws)
	if err != nil || payload != p.String() || !bytes.Equal(gotSig, sig) {
		t.Fatalf("SplitJWS = %q, %x, %v", payload, gotSig, err)
	}
	h := sha256.Sum256([]byte(rksv.SigningInput(payload)))
	if !ecdsa.Verify(&key.PublicKey, h[:], new(big.Int).SetBytes(gotSig[:32]), new(big.Int).SetBytes(gotSig[32:])) {
		t.Error("signature over SigningInput does not verify")
	}

	failed := rksv.FailedJWS(si)
	payload, gotSig, err = rksv.SplitJWS(failed)
	if err != nil || payload != p.String() || string(gotSig) != rksv.FailedText {
		t.Fatalf("SplitJWS(FailedJWS) = %q, %q, %v", payload, gotSig, err)
	}
}

func TestJWSErrors(t *testing.T) {
	si := rksv.SigningInput("_x")
	sig := make([]byte, 64)
	der := append([]byte{0x30, 0x44, 0x02, 0x20}, make([]byte, 68)...)
	tests := []struct {
		name string
		si   string
		sig  []byte
	}{
		{"63 bytes", si, sig[:63]},
		{"65 bytes", si, append(bytes.Clone(sig), 0)},
		{"DER", si, der},
		{"nil", si, nil},
		{"failure text", si, []byte(rksv.FailedText)},
		{"no payload", rksv.HeaderB64 + ".", sig},
		{"other header", "eyJhbGciOiJub25lIn0." + si[len(rksv.HeaderB64)+1:], sig},
		{"already a JWS", si + ".AAAA", sig},
		{"padded", si + "=", sig},
		{"std alphabet", si + "+/", sig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := rksv.JWS(tc.si, tc.sig); err == nil {
				t.Errorf("JWS(%q, %d bytes) = %q, want error", tc.si, len(tc.sig), got)
			}
		})
	}
}

func TestSplitJWSRejects(t *testing.T) {
	si := rksv.SigningInput(samplePayloadString)
	sigSeg := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 32)) // contains '-' and '_'
	good := si + "." + sigSeg
	if _, _, err := rksv.SplitJWS(good); err != nil {
		t.Fatalf("SplitJWS(good): %v", err)
	}
	payloadSeg := si[len(rksv.HeaderB64)+1:]
	std := strings.NewReplacer("-", "+", "_", "/")
	tests := map[string]string{
		"empty":                 "",
		"two segments":          si,
		"four segments":         good + ".AAAA",
		"other header":          "eyJhbGciOiJFUzM4NCJ9." + payloadSeg + "." + sigSeg,
		"header with padding":   rksv.HeaderB64 + "=." + payloadSeg + "." + sigSeg,
		"padded signature":      good + "==",
		"std Base64 signature":  si + "." + std.Replace(sigSeg),
		"newline in signature":  si + "." + sigSeg[:10] + "\n" + sigSeg[10:],
		"CR in payload":         rksv.HeaderB64 + "." + payloadSeg[:8] + "\r" + payloadSeg[8:] + "." + sigSeg,
		"signature 63 bytes":    si + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 63)),
		"signature 65 bytes":    si + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 65)),
		"empty signature":       si + ".",
		"other failure text":    si + "." + base64.RawURLEncoding.EncodeToString([]byte("Sicherheitseinrichtung ausgefallen!")),
		"signature bad padding": si + "." + sigSeg[:len(sigSeg)-1] + "B", // non-zero trailing bits
		"payload trailing bits": rksv.HeaderB64 + "." + payloadSeg[:len(payloadSeg)-1] + "Z" + "." + sigSeg,
	}
	for name, jws := range tests {
		t.Run(name, func(t *testing.T) {
			if p, _, err := rksv.SplitJWS(jws); err == nil {
				t.Errorf("SplitJWS(%q) = %q, want error", jws, p)
			}
		})
	}
}
