package cryptoki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
)

func TestAdministration(t *testing.T) {
	path := softhsm.Module(t)
	softhsm.Env(t)
	checkGoroutines(t)
	m, err := cryptoki.Load(path, cryptoki.ModuleOptions{Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	slots, err := cryptoki.ListSlots(m)
	if err != nil || len(slots) != 1 || !slots[0].TokenPresent || slots[0].Initialized {
		t.Fatalf("ListSlots on a fresh token directory = %+v, %v; want one blank token", slots, err)
	}

	const label, so, pin = "admin-token", "so-secret", "1234"
	for i, want := range []bool{true, false} {
		created, err := cryptoki.InitToken(m, label, so, pin)
		if err != nil || created != want {
			t.Fatalf("InitToken #%d = %v, %v; want %v", i+1, created, err, want)
		}
	}
	slots, err = cryptoki.ListSlots(m)
	if err != nil {
		t.Fatal(err)
	}
	var found *cryptoki.SlotInfo
	for i := range slots {
		if slots[i].Label == label {
			found = &slots[i]
		}
	}
	if found == nil || !found.Initialized || !found.UserPINInitialized || found.Serial == "" || found.Model == "" || found.Description == "" {
		t.Fatalf("ListSlots = %+v, want the initialised token %q with serial and model", slots, label)
	}

	token := cryptoki.TokenSelector{TokenSerial: found.Serial}
	key := cryptoki.KeySelector{KeyLabel: "signing-key"}
	pub, created, err := cryptoki.EnsureKey(m, token, key, pin)
	if err != nil || !created || pub.Curve != elliptic.P256() {
		t.Fatalf("EnsureKey = %v, %v, %v; want a new P-256 key", pub, created, err)
	}
	again, created, err := cryptoki.EnsureKey(m, token, key, pin)
	if err != nil || created || !again.Equal(pub) {
		t.Fatalf("second EnsureKey = created %v, same key %v, %v; want the existing key", created, again.Equal(pub), err)
	}
	if _, _, err := cryptoki.EnsureKey(m, token, key, "0000"); !errors.Is(err, device.ErrAuth) {
		t.Fatalf("EnsureKey with a wrong PIN = %v, want ErrAuth", err)
	}

	cfg := cryptoki.Config{Name: "admin", TokenSelector: token, KeySelector: key, PIN: pin, Log: testLog(t)}
	s, err := m.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if id := s.Identity(); id.CertificateDER != nil || id.PublicKeyDER == nil {
		t.Fatalf("closed-system identity = %+v, want a public key and no certificate", id)
	}
	der, err := cryptoki.SelfSignedCertificate(s.CryptoSigner(), "fiscald admin test")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := cryptoki.WriteCertificate(m, token, key, pin, der); err != nil {
			t.Fatalf("WriteCertificate #%d: %v", i+1, err)
		}
	}
	other, err := cryptoki.SelfSignedCertificate(s.CryptoSigner(), "another certificate")
	if err != nil {
		t.Fatal(err)
	}
	if err := cryptoki.WriteCertificate(m, token, key, pin, other); !errors.Is(err, cryptoki.ErrCertificateExists) {
		t.Fatalf("WriteCertificate of a second certificate = %v, want ErrCertificateExists", err)
	}
	goKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	foreign, err := cryptoki.SelfSignedCertificate(goKey, "someone else")
	if err != nil {
		t.Fatal(err)
	}
	if err := cryptoki.WriteCertificate(m, token, key, pin, foreign); !errors.Is(err, cryptoki.ErrCertificateMismatch) {
		t.Fatalf("WriteCertificate for another key = %v, want ErrCertificateMismatch", err)
	}

	latency, err := cryptoki.SelfTest(bounded(t), s)
	if err != nil || latency <= 0 {
		t.Fatalf("SelfTest = %v, %v", latency, err)
	}
	s.Close()

	s, err = m.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if id := s.Identity(); string(id.CertificateDER) != string(der) {
		t.Fatal("a reopened signer does not present the stored certificate")
	}

	rate, err := cryptoki.RawSignRate(t.Context(), m, token, key, pin, 2, 200*time.Millisecond)
	if err != nil || rate <= 0 {
		t.Fatalf("RawSignRate = %v, %v; want > 0", rate, err)
	}
	t.Logf("SoftHSM raw sign rate with 2 sessions: %.0f/s", rate)
}

func TestOpenRefusesCertificateForAnotherKey(t *testing.T) {
	r := newRig(t)
	token := r.tok.Config("x").TokenSelector
	key := cryptoki.KeySelector{KeyLabel: "second", KeyID: []byte{2}}
	if _, _, err := cryptoki.EnsureKey(r.m, token, key, r.tok.PIN); err != nil {
		t.Fatal(err)
	}
	// WriteCertificate refuses a certificate for another key...
	if err := cryptoki.WriteCertificate(r.m, token, key, r.tok.PIN, r.tok.CertificateDER); !errors.Is(err, cryptoki.ErrCertificateMismatch) {
		t.Fatalf("WriteCertificate = %v, want ErrCertificateMismatch", err)
	}
	// ...so store one under the second key's ID directly, as a botched
	// provisioning with another tool would, and Open must refuse it.
	storeRawCertificate(t, r, key.KeyID, r.tok.CertificateDER)
	cfg := r.config(t, "second")
	cfg.KeySelector = key
	if s, err := r.m.Open(cfg); !errors.Is(err, cryptoki.ErrCertificateMismatch) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open = %v, want ErrCertificateMismatch", err)
	}
}

func storeRawCertificate(t *testing.T, r *rig, id, der []byte) {
	t.Helper()
	slots, err := cryptoki.ListSlots(r.m)
	if err != nil {
		t.Fatal(err)
	}
	var slot uint
	for _, si := range slots {
		if si.Label == r.tok.Label {
			slot = si.ID
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	raw := r.f.API
	sh, err := raw.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseSession(sh)
	if err := raw.Login(sh, pkcs11.CKU_USER, r.tok.PIN); err != nil && err != pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		t.Fatal(err)
	}
	_, err = raw.CreateObject(sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, der),
	})
	if err != nil {
		t.Fatal(err)
	}
}
