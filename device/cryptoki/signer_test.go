package cryptoki_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
)

func TestSignAndIdentity(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	if h := s.Health(); h.State != device.StateUp || h.LastSuccess.IsZero() {
		t.Fatalf("Health after Open = %v (last success %v, error %v), want up after a probe", h.State, h.LastSuccess, h.LastError)
	}

	id := s.Identity()
	if id.Name != "at-1" || id.Kind != "pkcs11" {
		t.Fatalf("Identity = %q/%q, want at-1/pkcs11", id.Name, id.Kind)
	}
	cert, err := x509.ParseCertificate(id.CertificateDER)
	if err != nil {
		t.Fatalf("Identity().CertificateDER: %v", err)
	}
	if !bytes.Equal(id.CertificateDER, r.tok.CertificateDER) || cert.SerialNumber.Sign() <= 0 {
		t.Fatalf("certificate is not the provisioned one (serial %v)", cert.SerialNumber)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Fatalf("self-signed certificate made through CryptoSigner does not verify: %v", err)
	}
	certSPKI, _ := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if !bytes.Equal(id.PublicKeyDER, certSPKI) {
		t.Fatal("PublicKeyDER differs from the certificate's key")
	}
	pub := cert.PublicKey.(*ecdsa.PublicKey)
	if !pub.Equal(r.tok.Public) || !pub.Equal(s.PublicKey()) {
		t.Fatal("certificate, token and signer disagree on the public key")
	}

	mustSign(t, s, pub, "eyJhbGciOiJFUzI1NiJ9.receipt-1")
	if h := s.Health(); h.Busy <= 0 {
		t.Fatalf("Busy = %v after a signature, want > 0", h.Busy)
	}

	csrDER, err := cryptoki.CertificateRequest(s.CryptoSigner(), "fiscald at-1")
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil || csr.Subject.CommonName != "fiscald at-1" {
		t.Fatalf("CSR: CheckSignature = %v, CN %q", err, csr.Subject.CommonName)
	}
	if !csr.PublicKey.(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("CSR is for another key")
	}
}

func TestSignRejectsBadDigestWithoutFailing(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	before := s.Health()
	_, err := s.Sign(bounded(t), make([]byte, 20))
	if err == nil || errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign(20-byte digest) = %v, want a plain error", err)
	}
	if changed(before) {
		t.Fatal("a bad digest changed the device state")
	}
}

func TestConcurrentSigning(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	cfg.Sessions = 4
	s := r.open(t, cfg)
	const goroutines, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				d := digestOf(fmt.Sprintf("cashbox %d receipt %d", g, i))
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				sig, err := s.Sign(ctx, d)
				cancel()
				switch {
				case err != nil:
					errs <- err
				case !verifies(r.tok.Public, d, sig):
					errs <- fmt.Errorf("cashbox %d receipt %d: signature does not verify", g, i)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if h := s.Health(); h.State != device.StateUp || h.Failures != 0 {
		t.Fatalf("Health = %v with %d failures, want up with none", h.State, h.Failures)
	}
}

func TestWrongPINIsTriedOnce(t *testing.T) {
	r := newRig(t)
	cfg := r.config(t, "at-1")
	cfg.PIN = "9999"
	logins := r.f.logins.Load()
	s, err := r.m.Open(cfg)
	if err != nil {
		t.Fatalf("Open with a wrong PIN = %v, want a failed signer", err)
	}
	t.Cleanup(func() { s.Close() })
	h := s.Health()
	if h.State != device.StateFailed || !errors.Is(h.LastError, device.ErrAuth) {
		t.Fatalf("Health = %v, %v; want failed with ErrAuth", h.State, h.LastError)
	}
	if id := s.Identity(); id.PublicKeyDER != nil || id.Kind != "pkcs11" {
		t.Fatalf("Identity before any connect = %+v, want only name and kind", id)
	}
	pinTriedOnce(t, r, s, cfg, logins)
}

func TestOpenConfigErrors(t *testing.T) {
	r := newRig(t)
	for name, mutate := range map[string]func(*cryptoki.Config){
		"no name":           func(c *cryptoki.Config) { c.Name = "" },
		"label and serial":  func(c *cryptoki.Config) { c.TokenSerial = "1234" },
		"no key selector":   func(c *cryptoki.Config) { c.KeyLabel, c.KeyID = "", nil },
		"backoff inverted":  func(c *cryptoki.Config) { c.MaxBackoff = time.Millisecond },
		"key not on token":  func(c *cryptoki.Config) { c.KeyLabel, c.KeyID = "nope", nil },
		"key id not found":  func(c *cryptoki.Config) { c.KeyID = []byte{9} },
		"negative sessions": func(c *cryptoki.Config) { c.Sessions = -1 },
	} {
		cfg := r.config(t, "at-1")
		mutate(&cfg)
		if s, err := r.m.Open(cfg); err == nil {
			s.Close()
			t.Errorf("Open with %s succeeded, want an error", name)
		}
	}
	cfg := r.config(t, "at-1")
	cfg.KeyLabel, cfg.KeyID = "nope", nil
	if _, err := r.m.Open(cfg); !errors.Is(err, cryptoki.ErrKeyNotFound) {
		t.Fatalf("Open with a missing key = %v, want ErrKeyNotFound", err)
	}
}

func TestOpenAbsentTokenConnectsLater(t *testing.T) {
	r := newRig(t)
	// Provision the token, then unplug it before the signer starts.
	before := tokenDirs(t, r)
	tok := provisionAnother(t, r, "late-token")
	files := newTokenDir(t, r, before)
	away := filepath.Join(t.TempDir(), "unplugged")
	if err := os.Rename(files, away); err != nil {
		t.Fatal(err)
	}

	cfg := r.config(t, "late")
	cfg.TokenLabel = "late-token"
	s := r.open(t, cfg)
	h := s.Health()
	if h.State != device.StateFailed || !errors.Is(h.LastError, device.ErrUnavailable) || !errors.Is(h.LastError, cryptoki.ErrTokenNotFound) {
		t.Fatalf("Health = %v, %v; want failed, unavailable, token not found", h.State, h.LastError)
	}
	if id := s.Identity(); id.Name != "late" || id.Kind != "pkcs11" || id.PublicKeyDER != nil || id.CertificateDER != nil {
		t.Fatalf("Identity = %+v, want only name and kind", id)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.Sign(ctx, digestOf("zero receipt")); !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign on an absent token = %v, want ErrUnavailable", err)
	}

	if err := os.Rename(away, files); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, device.StateUp, 20*time.Second)
	mustSign(t, s, tok.Public, "first receipt")
	if id := s.Identity(); !bytes.Equal(id.CertificateDER, tok.CertificateDER) {
		t.Fatal("Identity lacks the certificate after the first connect")
	}
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	mustSign(t, s, r.tok.Public, "before close")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(bounded(t), digestOf("after close")); !errors.Is(err, cryptoki.ErrClosed) {
		t.Fatalf("Sign after Close = %v, want ErrClosed", err)
	}
}
