package rksv_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/internal/fixtures"
)

// vectors mirrors ../shared/fixtures/rksv/vectors.json (spec §10.4).
type vectors struct {
	AESKeyBase64 string `json:"aes_key_base64"`
	IV           []struct {
		KassenID    string `json:"kassen_id"`
		Belegnummer string `json:"belegnummer"`
		SHA256Hex   string `json:"sha256_hex"`
		IVHex       string `json:"iv_hex"`
	} `json:"iv"`
	Encryption []counterVector `json:"turnover_counter_encryption"`
	Official   []counterVector `json:"turnover_counter_official"`
	Special    map[string]struct {
		Text   string `json:"text"`
		Base64 string `json:"base64"`
	} `json:"special_counter_values"`
	Chain []struct {
		Input       string `json:"input"`
		ChainBase64 string `json:"chain_base64"`
		FoundInNext string `json:"found_in_next_receipt"`
	} `json:"chain"`
	JWS struct {
		HeaderJSON       string `json:"header_json"`
		HeaderBase64URL  string `json:"header_base64url"`
		FailedText       string `json:"failed_signature_text"`
		FailedBase64URL  string `json:"failed_signature_base64url"`
		FailedBase64InQR string `json:"failed_signature_base64_in_qr"`
	} `json:"jws"`
	Representations struct {
		JWS        string `json:"jws"`
		QR         string `json:"qr"`
		OCR        string `json:"ocr"`
		URLHashZTP string `json:"url_hash_ztp"`
	} `json:"representations"`
	AESKeyChecksum []struct {
		Key      string `json:"aes_key_base64"`
		Checksum string `json:"checksum"`
	} `json:"aes_key_checksum"`
	AmountFormat []struct {
		Cents int64  `json:"cents"`
		Text  string `json:"text"`
	} `json:"amount_format"`
}

type counterVector struct {
	KassenID     string `json:"kassen_id"`
	Belegnummer  string `json:"belegnummer"`
	ValueCents   int64  `json:"value_cents"`
	LengthBytes  int    `json:"length_bytes"`
	PlaintextHex string `json:"plaintext_hex"`
	Ciphertext   string `json:"ciphertext_base64"`
}

// loadVectors reads vectors.json where it lies and checks that it is not
// empty, so that a renamed key cannot turn the tests into no-ops.
func loadVectors(t *testing.T) (*vectors, []byte) {
	t.Helper()
	var v vectors
	readJSON(t, fixtures.Path(t, "rksv", "vectors.json"), &v)
	if len(v.IV) == 0 || len(v.Encryption) == 0 || len(v.Official) == 0 || len(v.Chain) == 0 ||
		len(v.AESKeyChecksum) == 0 || len(v.AmountFormat) == 0 || len(v.Special) == 0 ||
		v.Representations.JWS == "" || v.JWS.HeaderBase64URL == "" {
		t.Fatalf("vectors.json: a section is missing or empty: %+v", v)
	}
	key, err := base64.StdEncoding.DecodeString(v.AESKeyBase64)
	if err != nil || len(key) != 32 {
		t.Fatalf("vectors.json: aes_key_base64: %v (%d bytes)", err, len(key))
	}
	return &v, key
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestVectorsIV(t *testing.T) {
	v, _ := loadVectors(t)
	for _, tc := range v.IV {
		sum := sha256.Sum256([]byte(tc.KassenID + tc.Belegnummer))
		if got := hex.EncodeToString(sum[:]); got != tc.SHA256Hex {
			t.Errorf("SHA-256(%q+%q) = %s, vector %s", tc.KassenID, tc.Belegnummer, got, tc.SHA256Hex)
		}
		iv := rksv.CounterIV(tc.KassenID, tc.Belegnummer)
		if got := hex.EncodeToString(iv[:]); got != tc.IVHex {
			t.Errorf("CounterIV(%q, %q) = %s, want %s", tc.KassenID, tc.Belegnummer, got, tc.IVHex)
		}
	}
}

func TestVectorsCounterEncryption(t *testing.T) {
	v, key := loadVectors(t)
	lengths := map[int]bool{}
	for _, tc := range v.Encryption {
		lengths[tc.LengthBytes] = true
		checkPlaintext(t, tc)
		checkCounterVector(t, key, tc)
	}
	for _, n := range []int{5, 6, 8, 16} {
		if !lengths[n] {
			t.Errorf("vectors.json has no counter vector of %d bytes", n)
		}
	}
}

func TestVectorsCounterOfficial(t *testing.T) {
	v, key := loadVectors(t)
	for _, tc := range v.Official {
		checkCounterVector(t, key, tc)
	}
}

// checkPlaintext checks the vector's own plaintext against the sign-extended
// big-endian encoding the spec describes, computed here independently.
func checkPlaintext(t *testing.T, tc counterVector) {
	t.Helper()
	p := make([]byte, tc.LengthBytes)
	x := tc.ValueCents
	for i := len(p) - 1; i >= 0; i-- {
		p[i] = byte(x)
		x >>= 8
	}
	if got := hex.EncodeToString(p); got != tc.PlaintextHex {
		t.Errorf("plaintext of %d in %d bytes = %s, vector %s", tc.ValueCents, tc.LengthBytes, got, tc.PlaintextHex)
	}
}

func checkCounterVector(t *testing.T, key []byte, tc counterVector) {
	t.Helper()
	got, err := rksv.EncryptCounter(key, tc.KassenID, tc.Belegnummer, tc.ValueCents, tc.LengthBytes)
	if err != nil || got != tc.Ciphertext {
		t.Errorf("EncryptCounter(%q, %q, %d, %d) = %q, %v; want %q",
			tc.KassenID, tc.Belegnummer, tc.ValueCents, tc.LengthBytes, got, err, tc.Ciphertext)
	}
	back, err := rksv.DecryptCounter(key, tc.KassenID, tc.Belegnummer, tc.Ciphertext)
	if err != nil || back != tc.ValueCents {
		t.Errorf("DecryptCounter(%q, %q, %q) = %d, %v; want %d",
			tc.KassenID, tc.Belegnummer, tc.Ciphertext, back, err, tc.ValueCents)
	}
}

func TestVectorsSpecialCounters(t *testing.T) {
	v, _ := loadVectors(t)
	for name, want := range map[string]string{"training": rksv.TrainingCounter, "storno": rksv.StornoCounter} {
		sv, ok := v.Special[name]
		if !ok {
			t.Fatalf("special_counter_values has no %q", name)
		}
		if sv.Base64 != want || base64.StdEncoding.EncodeToString([]byte(sv.Text)) != want {
			t.Errorf("%s: constant %q, vector %q = Base64(%q)", name, want, sv.Base64, sv.Text)
		}
	}
}

func TestVectorsChain(t *testing.T) {
	v, _ := loadVectors(t)
	for i, tc := range v.Chain {
		got := rksv.ChainValue(tc.Input)
		if got != tc.ChainBase64 {
			t.Errorf("chain[%d]: ChainValue = %q, want %q", i, got, tc.ChainBase64)
		}
		if tc.FoundInNext != "" && got != tc.FoundInNext {
			t.Errorf("chain[%d]: ChainValue = %q, official next receipt has %q", i, got, tc.FoundInNext)
		}
	}
}

func TestVectorsJWSConstants(t *testing.T) {
	v, _ := loadVectors(t)
	j := v.JWS
	tests := []struct{ name, got, want string }{
		{"HeaderB64", rksv.HeaderB64, j.HeaderBase64URL},
		{"HeaderB64 from header_json", base64.RawURLEncoding.EncodeToString([]byte(j.HeaderJSON)), rksv.HeaderB64},
		{"FailedText", rksv.FailedText, j.FailedText},
		{"failed segment", failedSegment(t), j.FailedBase64URL},
		{"failed in QR", base64.StdEncoding.EncodeToString([]byte(rksv.FailedText)), j.FailedBase64InQR},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// failedSegment returns the signature segment that FailedJWS writes.
func failedSegment(t *testing.T) string {
	t.Helper()
	si := rksv.SigningInput("_x")
	jws := rksv.FailedJWS(si)
	if len(jws) <= len(si)+1 || jws[:len(si)+1] != si+"." {
		t.Fatalf("FailedJWS(%q) = %q does not extend its input", si, jws)
	}
	return jws[len(si)+1:]
}

func TestVectorsRepresentations(t *testing.T) {
	v, _ := loadVectors(t)
	r := v.Representations
	qr, err := rksv.QR(r.JWS)
	if err != nil || qr != r.QR {
		t.Fatalf("QR(jws) = %q, %v\nwant %q", qr, err, r.QR)
	}
	ocr, err := rksv.OCR(qr)
	if err != nil || ocr != r.OCR {
		t.Fatalf("OCR(qr) = %q, %v\nwant %q", ocr, err, r.OCR)
	}
	qr2, err := rksv.QRFromOCR(r.OCR)
	if err != nil || qr2 != r.QR {
		t.Fatalf("QRFromOCR(ocr) = %q, %v\nwant %q", qr2, err, r.QR)
	}
	jws, err := rksv.JWSFromQR(qr2)
	if err != nil || jws != r.JWS {
		t.Fatalf("JWSFromQR(qr) = %q, %v\nwant %q", jws, err, r.JWS)
	}
	// Link token as ztp-at/RKSV computes it: base64url of SHA-256(QR)[0:8].
	sum := sha256.Sum256([]byte(qr))
	if tok := base64.RawURLEncoding.EncodeToString(sum[:8]); tok != r.URLHashZTP {
		t.Errorf("link token = %q, want %q", tok, r.URLHashZTP)
	}
}

func TestVectorsAESKeyChecksum(t *testing.T) {
	v, _ := loadVectors(t)
	for _, tc := range v.AESKeyChecksum {
		if got := rksv.AESKeyChecksum(tc.Key); got != tc.Checksum {
			t.Errorf("AESKeyChecksum(%q) = %q, want %q", tc.Key, got, tc.Checksum)
		}
	}
}

func TestVectorsAmountFormat(t *testing.T) {
	v, _ := loadVectors(t)
	for _, tc := range v.AmountFormat {
		if got := rksv.FormatAmount(tc.Cents); got != tc.Text {
			t.Errorf("FormatAmount(%d) = %q, want %q", tc.Cents, got, tc.Text)
		}
		if got := parseAmountViaPayload(t, tc.Text); got != tc.Cents {
			t.Errorf("parsed %q = %d, want %d", tc.Text, got, tc.Cents)
		}
	}
}
