package rksv_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

var testKey = bytes.Repeat([]byte{0x42}, 32)

// referenceCounter encrypts with crypto/cipher's CTR mode over the full
// n bytes, independently of the package's single-block shortcut.
func referenceCounter(t *testing.T, key []byte, kassenID, belegNr string, cents int64, n int) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(kassenID + belegNr))
	plain := make([]byte, n)
	x := cents
	for i := n - 1; i >= 0; i-- {
		plain[i] = byte(x)
		x >>= 8
	}
	out := make([]byte, n)
	cipher.NewCTR(block, sum[:16]).XORKeyStream(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func TestCounterRoundTripAllLengths(t *testing.T) {
	for n := 5; n <= 16; n++ {
		limit := int64(math.MaxInt64)
		if n < 8 {
			limit = int64(1)<<(8*n-1) - 1
		}
		values := []int64{0, 1, -1, 255, -256, 50501, -130775, limit, -limit - 1, limit / 3, -limit / 7}
		for _, v := range values {
			enc, err := rksv.EncryptCounter(testKey, "K-1", "B-7", v, n)
			if err != nil {
				t.Fatalf("EncryptCounter(%d, n=%d): %v", v, n, err)
			}
			if want := referenceCounter(t, testKey, "K-1", "B-7", v, n); enc != want {
				t.Errorf("EncryptCounter(%d, n=%d) = %q, CTR reference %q", v, n, enc, want)
			}
			if len(enc) != base64.StdEncoding.EncodedLen(n) {
				t.Errorf("EncryptCounter(%d, n=%d) = %q: not padded", v, n, enc)
			}
			back, err := rksv.DecryptCounter(testKey, "K-1", "B-7", enc)
			if err != nil || back != v {
				t.Errorf("DecryptCounter(EncryptCounter(%d, n=%d)) = %d, %v", v, n, back, err)
			}
		}
	}
}

func TestEncryptCounterErrors(t *testing.T) {
	tests := []struct {
		name  string
		key   []byte
		cents int64
		n     int
	}{
		{"n=4", testKey, 0, 4},
		{"n=17", testKey, 0, 17},
		{"n=0", testKey, 0, 0},
		{"n=-1", testKey, 0, -1},
		{"5 bytes max+1", testKey, 1 << 39, 5},
		{"5 bytes min-1", testKey, -(1 << 39) - 1, 5},
		{"6 bytes max+1", testKey, 1 << 47, 6},
		{"7 bytes min-1", testKey, -(1 << 55) - 1, 7},
		{"5 bytes MaxInt64", testKey, math.MaxInt64, 5},
		{"5 bytes MinInt64", testKey, math.MinInt64, 5},
		{"key 16 bytes", testKey[:16], 0, 8},
		{"key 31 bytes", testKey[:31], 0, 8},
		{"key 33 bytes", append(bytes.Clone(testKey), 0), 0, 8},
		{"nil key", nil, 0, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rksv.EncryptCounter(tc.key, "K-1", "B-7", tc.cents, tc.n)
			if err == nil {
				t.Fatalf("EncryptCounter(key %d bytes, %d, n=%d) = %q, want error", len(tc.key), tc.cents, tc.n, got)
			}
		})
	}
}

func TestDecryptCounterErrors(t *testing.T) {
	good, err := rksv.EncryptCounter(testKey, "K-1", "B-7", 42, 8)
	if err != nil {
		t.Fatal(err)
	}
	// Ciphertexts whose plaintexts need more than 64 bits.
	tooBig := xorCounter(t, "K-1", "B-7", append([]byte{0x00}, 0x80, 0, 0, 0, 0, 0, 0, 0))
	tooSmall := xorCounter(t, "K-1", "B-7", append([]byte{0xff}, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	notSign := xorCounter(t, "K-1", "B-7", append([]byte{0x01, 0}, make([]byte, 8)...))
	tests := []struct {
		name, field10 string
		key           []byte
	}{
		{"unpadded", strings.TrimRight(good, "="), testKey},
		{"base64url", strings.NewReplacer("+", "-", "/", "_").Replace("+/+/+/+/+/8="), testKey},
		{"newline", good[:4] + "\n" + good[4:], testKey},
		{"trailing bits", good[:10] + "B=", testKey},
		{"4 bytes", "AAAAAA==", testKey},
		{"3 bytes (training)", rksv.TrainingCounter, testKey},
		{"3 bytes (storno)", rksv.StornoCounter, testKey},
		{"17 bytes", "AAAAAAAAAAAAAAAAAAAAAAA=", testKey},
		{"18 bytes", "AAAAAAAAAAAAAAAAAAAAAAAA", testKey},
		{"long", strings.Repeat("A", 100), testKey},
		{"empty", "", testKey},
		{"9 bytes above MaxInt64", tooBig, testKey},
		{"9 bytes below MinInt64", tooSmall, testKey},
		{"10 bytes, high byte not sign", notSign, testKey},
		{"short key", good, testKey[:16]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if v, err := rksv.DecryptCounter(tc.key, "K-1", "B-7", tc.field10); err == nil {
				t.Fatalf("DecryptCounter(%q) = %d, want error", tc.field10, v)
			}
		})
	}
}

func TestDecryptCounterWideSignExtension(t *testing.T) {
	// 9 and 16 bytes holding the int64 limits exactly.
	tests := []struct {
		plain []byte
		want  int64
	}{
		{append([]byte{0x00, 0x7f}, bytes.Repeat([]byte{0xff}, 7)...), math.MaxInt64},
		{append([]byte{0xff, 0x80}, make([]byte, 7)...), math.MinInt64},
		{append(bytes.Repeat([]byte{0xff}, 15), 0xfe), -2},
	}
	for _, tc := range tests {
		f10 := xorCounter(t, "K-1", "B-7", tc.plain)
		got, err := rksv.DecryptCounter(testKey, "K-1", "B-7", f10)
		if err != nil || got != tc.want {
			t.Errorf("DecryptCounter(plain %x) = %d, %v; want %d", tc.plain, got, err, tc.want)
		}
	}
}

// xorCounter encrypts an arbitrary plaintext the way field 10 is encrypted.
func xorCounter(t *testing.T, kassenID, belegNr string, plain []byte) string {
	t.Helper()
	block, err := aes.NewCipher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	iv := rksv.CounterIV(kassenID, belegNr)
	out := make([]byte, len(plain))
	cipher.NewCTR(block, iv[:]).XORKeyStream(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func TestCounterIVLongIDs(t *testing.T) {
	k, b := strings.Repeat("K", 300), strings.Repeat("ß", 200)
	sum := sha256.Sum256([]byte(k + b))
	if iv := rksv.CounterIV(k, b); !bytes.Equal(iv[:], sum[:16]) {
		t.Errorf("CounterIV of long ids = %x, want %x", iv, sum[:16])
	}
}

func TestChainValue(t *testing.T) {
	for _, in := range []string{"", "FISCALD-AT-1", strings.Repeat("x.y", 1000)} {
		sum := sha256.Sum256([]byte(in))
		want := base64.StdEncoding.EncodeToString(sum[:8])
		if got := rksv.ChainValue(in); got != want || len(got) != 12 {
			t.Errorf("ChainValue(%.20q) = %q, want %q", in, got, want)
		}
	}
}

func TestAESKeyChecksumShape(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(testKey)
	sum := sha256.Sum256([]byte(key))
	if got, want := rksv.AESKeyChecksum(key), base64.RawStdEncoding.EncodeToString(sum[:3]); got != want || len(got) != 4 {
		t.Errorf("AESKeyChecksum = %q, want %q", got, want)
	}
}

func TestEncryptCounterAllocations(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := rksv.EncryptCounter(testKey, "FISCALD-AT-1", "ft1A#23", 123456, 8); err != nil {
			t.Fatal(err)
		}
	})
	// The AES cipher, the block it encrypts (it escapes through the
	// cipher.Block interface) and the result string.
	if allocs > 3 {
		t.Errorf("EncryptCounter allocates %v times, want at most 3", allocs)
	}
}

func BenchmarkEncryptCounter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rksv.EncryptCounter(testKey, "FISCALD-AT-1", "ft1A#23", 123456, 8); err != nil {
			b.Fatal(err)
		}
	}
}
