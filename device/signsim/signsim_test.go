package signsim

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/fiscald/fiscald/device"
)

func TestSignVerifiesAgainstCertificate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.pem")
	s, err := Open("demo", path)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("eyJhbGciOiJFUzI1NiJ9.payload"))
	sig, err := s.Sign(t.Context(), digest[:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("Sign = %d bytes, %v", len(sig), err)
	}
	cert, err := x509.ParseCertificate(s.Identity().CertificateDER)
	if err != nil {
		t.Fatal(err)
	}
	pub := cert.PublicKey.(*ecdsa.PublicKey)
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, sv) {
		t.Fatal("signature does not verify with the certificate's key")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}

	// Reopening keeps the same key and certificate.
	again, err := Open("demo", path)
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Identity().CertificateDER) != string(s.Identity().CertificateDER) {
		t.Fatal("reopened device has another certificate")
	}
	sig2, _ := again.Sign(t.Context(), digest[:])
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig2[:32]), new(big.Int).SetBytes(sig2[32:])) {
		t.Fatal("reopened device signs with another key")
	}
}

func TestSignHonoursContextAndDigestLength(t *testing.T) {
	s, err := Open("demo", filepath.Join(t.TempDir(), "dev.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Sign(ctx, make([]byte, 32)); !errors.Is(err, device.ErrTimeout) {
		t.Fatalf("cancelled Sign: %v, want ErrTimeout", err)
	}
	if _, err := s.Sign(t.Context(), make([]byte, 20)); err == nil {
		t.Fatal("20-byte digest accepted")
	}
}

func TestCorruptFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.pem")
	os.WriteFile(path, []byte("not pem"), 0o600)
	if _, err := Open("demo", path); err == nil {
		t.Fatal("corrupt device file accepted")
	}
}
