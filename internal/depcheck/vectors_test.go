package depcheck

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
)

// vectors is the part of vectors.json this package can check.
type vectors struct {
	AESKey string `json:"aes_key_base64"`
	IV     []struct {
		KassenID    string `json:"kassen_id"`
		Belegnummer string `json:"belegnummer"`
		SHA256      string `json:"sha256_hex"`
		IV          string `json:"iv_hex"`
	} `json:"iv"`
	Counters []counterVector `json:"turnover_counter_encryption"`
	Official []counterVector `json:"turnover_counter_official"`
	Special  map[string]struct {
		Text   string `json:"text"`
		Base64 string `json:"base64"`
	} `json:"special_counter_values"`
	Chain []struct {
		Input string `json:"input"`
		Chain string `json:"chain_base64"`
		Next  string `json:"found_in_next_receipt"`
	} `json:"chain"`
	JWS struct {
		HeaderJSON    string `json:"header_json"`
		HeaderB64URL  string `json:"header_base64url"`
		FailedText    string `json:"failed_signature_text"`
		FailedB64URL  string `json:"failed_signature_base64url"`
		FailedB64InQR string `json:"failed_signature_base64_in_qr"`
	} `json:"jws"`
	Representations struct {
		JWS string `json:"jws"`
		QR  string `json:"qr"`
		OCR string `json:"ocr"`
	} `json:"representations"`
	AmountFormat []struct {
		Cents int64  `json:"cents"`
		Text  string `json:"text"`
	} `json:"amount_format"`
}

type counterVector struct {
	KassenID    string `json:"kassen_id"`
	Belegnummer string `json:"belegnummer"`
	Cents       int64  `json:"value_cents"`
	Length      int    `json:"length_bytes"`
	Plaintext   string `json:"plaintext_hex"`
	Ciphertext  string `json:"ciphertext_base64"`
}

func loadVectors(t *testing.T) (vectors, []byte) {
	t.Helper()
	var v vectors
	if err := json.Unmarshal(readFixture(t, "vectors.json"), &v); err != nil {
		t.Fatal(err)
	}
	key, ok := decodeStd(v.AESKey)
	if !ok || len(key) != 32 {
		t.Fatalf("vector AES key %q", v.AESKey)
	}
	return v, key
}

func TestVectorIV(t *testing.T) {
	v, _ := loadVectors(t)
	if len(v.IV) == 0 {
		t.Fatal("no IV vectors")
	}
	for _, c := range v.IV {
		if got := hex.EncodeToString(receiptIV(c.KassenID, c.Belegnummer)); got != c.IV {
			t.Errorf("IV(%s, %s) = %s, want %s", c.KassenID, c.Belegnummer, got, c.IV)
		}
		if c.SHA256[:32] != c.IV {
			t.Errorf("vector inconsistent: IV %s is not the first half of %s", c.IV, c.SHA256)
		}
	}
}

// TestVectorCounters checks both directions for every length and sign: the
// verifier's CTR decryption with sign extension, and the test builder's
// encryption that the mutation tests rely on.
func TestVectorCounters(t *testing.T) {
	v, key := loadVectors(t)
	all := append(append([]counterVector{}, v.Counters...), v.Official...)
	lengths := map[int]bool{}
	negatives := 0
	for _, c := range all {
		ct, ok := decodeStd(c.Ciphertext)
		if !ok || len(ct) != c.Length {
			t.Errorf("%s/%s: ciphertext %q is not strict Base64 of %d bytes", c.KassenID, c.Belegnummer, c.Ciphertext, c.Length)
			continue
		}
		got, err := decryptCounter(key, c.KassenID, c.Belegnummer, ct)
		if err != nil || got != c.Cents {
			t.Errorf("decrypt %s/%s %q = %d, %v; want %d", c.KassenID, c.Belegnummer, c.Ciphertext, got, err, c.Cents)
		}
		if enc := encryptCounter(t, key, c.KassenID, c.Belegnummer, c.Cents, c.Length); enc != c.Ciphertext {
			t.Errorf("encrypt %s/%s %d in %d bytes = %q, want %q", c.KassenID, c.Belegnummer, c.Cents, c.Length, enc, c.Ciphertext)
		}
		if c.Plaintext != "" {
			plain, _ := hex.DecodeString(c.Plaintext)
			if got, ok := signedBigEndian(plain); !ok || got != c.Cents {
				t.Errorf("signedBigEndian(%s) = %d, %t; want %d", c.Plaintext, got, ok, c.Cents)
			}
			if got := hex.EncodeToString(twosComplement(c.Cents, c.Length)); got != c.Plaintext {
				t.Errorf("twosComplement(%d, %d) = %s, want %s", c.Cents, c.Length, got, c.Plaintext)
			}
		}
		lengths[c.Length] = true
		if c.Cents < 0 {
			negatives++
		}
	}
	for _, n := range []int{5, 6, 8, 16} {
		if !lengths[n] {
			t.Errorf("no vector of length %d", n)
		}
	}
	if negatives == 0 || len(v.Official) == 0 {
		t.Errorf("vectors lack negative values (%d) or official ciphertexts (%d)", negatives, len(v.Official))
	}
}

func TestSignedBigEndianLimits(t *testing.T) {
	for _, c := range []struct {
		hex  string
		want int64
		ok   bool
	}{
		{"7fffffffffffffff", 1<<63 - 1, true},
		{"8000000000000000", -1 << 63, true},
		{"00000000000000007fffffffffffffff", 1<<63 - 1, true},
		{"ffffffffffffffff8000000000000000", -1 << 63, true},
		{"00000000000000008000000000000000", 0, false}, // 2^63 does not fit
		{"ffffffffffffffff7fffffffffffffff", 0, false}, // -2^63-1 does not fit
		{"01000000000000000000000000000000", 0, false},
		{"ff", -1, true},
	} {
		b, _ := hex.DecodeString(c.hex)
		got, ok := signedBigEndian(b)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("signedBigEndian(%s) = %d, %t; want %d, %t", c.hex, got, ok, c.want, c.ok)
		}
	}
}

func TestVectorSpecialCounters(t *testing.T) {
	v, _ := loadVectors(t)
	want := map[string]string{"training": specialTraining, "storno": specialStorno}
	for name, text := range want {
		sv, ok := v.Special[name]
		if !ok || sv.Text != text {
			t.Fatalf("special value %s = %+v, want text %s", name, sv, text)
		}
		if b, ok := decodeStd(sv.Base64); !ok || string(b) != text {
			t.Errorf("%s: %q decodes to %q, want %q", name, sv.Base64, b, text)
		}
	}
}

func TestVectorChain(t *testing.T) {
	v, _ := loadVectors(t)
	if len(v.Chain) < 3 {
		t.Fatalf("%d chain vectors, want start, normal and after-failure", len(v.Chain))
	}
	for _, c := range v.Chain {
		if got := chainValue(c.Input); got != c.Chain {
			t.Errorf("chain(%.40s…) = %s, want %s", c.Input, got, c.Chain)
		}
		if c.Next != "" && c.Next != c.Chain {
			t.Errorf("vector inconsistent: found %s in next receipt, computed %s", c.Next, c.Chain)
		}
	}
}

func TestVectorJWSConstants(t *testing.T) {
	v, _ := loadVectors(t)
	j := v.JWS
	if j.HeaderJSON != jwsHeaderJSON || j.HeaderB64URL != jwsHeaderB64 ||
		base64.RawURLEncoding.EncodeToString([]byte(jwsHeaderJSON)) != jwsHeaderB64 {
		t.Errorf("header constants %q/%q disagree with %q/%q", jwsHeaderJSON, jwsHeaderB64, j.HeaderJSON, j.HeaderB64URL)
	}
	if j.FailedText != failedSigText || j.FailedB64URL != failedSigB64URL ||
		base64.RawURLEncoding.EncodeToString([]byte(failedSigText)) != failedSigB64URL {
		t.Errorf("failure constants %q/%q disagree with %q/%q", failedSigText, failedSigB64URL, j.FailedText, j.FailedB64URL)
	}
	if b, ok := decodeStd(j.FailedB64InQR); !ok || string(b) != failedSigText {
		t.Errorf("QR failure segment %q decodes to %q", j.FailedB64InQR, b)
	}
}

// TestVectorRepresentations runs the official receipt through every form:
// JWS → QR → OCR on the builder side, OCR → QR → JWS on the verifier side,
// and verifies it in all three forms with scenario 1's container.
func TestVectorRepresentations(t *testing.T) {
	v, _ := loadVectors(t)
	r := v.Representations
	if got := jwsToQR(t, r.JWS); got != r.QR {
		t.Errorf("JWS→QR = %s\nwant    %s", got, r.QR)
	}
	if got := qrToOCR(t, r.QR); got != r.OCR {
		t.Errorf("QR→OCR = %s\nwant    %s", got, r.OCR)
	}
	if got, f := ocrToQR(r.OCR); f != nil || got != r.QR {
		t.Errorf("OCR→QR = %s, %v\nwant    %s", got, f, r.QR)
	}
	if got, err := QRToJWS(r.QR); err != nil || got != r.JWS {
		t.Errorf("QR→JWS = %s, %v\nwant    %s", got, err, r.JWS)
	}
	_, c, _ := officialDEP(t, 1)
	for name, check := range map[string]func() error{
		"JWS": func() error { return VerifyJWS(r.JWS, c) },
		"QR":  func() error { return VerifyQR(r.QR, c) },
		"OCR": func() error { return VerifyOCR(r.OCR, c) },
	} {
		if err := check(); err != nil {
			t.Errorf("Verify%s: %v", name, err)
		}
	}
}

func TestVectorAmounts(t *testing.T) {
	v, _ := loadVectors(t)
	if len(v.AmountFormat) == 0 {
		t.Fatal("no amount vectors")
	}
	for _, a := range v.AmountFormat {
		if got, ok := parseAmount(a.Text); !ok || got != a.Cents {
			t.Errorf("parseAmount(%q) = %d, %t; want %d", a.Text, got, ok, a.Cents)
		}
		if got := formatCents(a.Cents); got != a.Text {
			t.Errorf("formatCents(%d) = %q, want %q", a.Cents, got, a.Text)
		}
	}
	for _, bad := range []string{"1.234,56", "1234.56", "12,5", "12,500", "+1,00", "01,00", ",50", "1 234,56", "", "-", "99999999999999999999,00"} {
		if _, ok := parseAmount(bad); ok {
			t.Errorf("parseAmount(%q) accepted", bad)
		}
	}
}

// TestStrictBase64 pins what "strict" means: alphabet, padding, no line
// breaks and no stray bits (decode→encode round trip).
func TestStrictBase64(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"4r1iIdZGeAQ=", true},
		{"4r1iIdZGeAQ", false},    // padding stripped
		{"4r1iIdZGeAR=", false},   // non-zero padding bits
		{"4r1iIdZG\neAQ=", false}, // line break, skipped by encoding/base64
		{"4r1iIdZG-AQ=", false},   // URL alphabet
		{"4r1iIdZGeAQ==", false},  // excess padding
		{"", true},
	} {
		if _, ok := decodeStd(c.in); ok != c.ok {
			t.Errorf("decodeStd(%q) ok = %t, want %t", c.in, ok, c.ok)
		}
	}
	for _, c := range []struct {
		in string
		ok bool
	}{
		{failedSigB64URL, true},
		{failedSigB64URL + "==", false},
		{"U2ljaGVy+GVp", false},
		{"QR", false}, // stray bits
	} {
		if _, ok := decodeRawURL(c.in); ok != c.ok {
			t.Errorf("decodeRawURL(%q) ok = %t, want %t", c.in, ok, c.ok)
		}
	}
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"V4B2I5AOHI======", true},
		{"V4B2I5AOHI", false},
		{"v4b2i5aohi======", false},
		{"V4B2I5AOHJ======", false}, // stray bits
	} {
		if _, ok := decodeBase32(c.in); ok != c.ok {
			t.Errorf("decodeBase32(%q) ok = %t, want %t", c.in, ok, c.ok)
		}
	}
}
