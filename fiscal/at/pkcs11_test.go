package at_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
)

// TestOfficialScenarioPKCS11 runs the official scenarios with their three
// devices as three keys on a SoftHSM2 token, signing through the
// production PKCS#11 driver, under the same assertions as the software
// keys: fields 1–11, the chain, the turnover counter, and a DEP that
// verifies against the devices' certificates.
func TestOfficialScenarioPKCS11(t *testing.T) {
	module := softhsm.Module(t)
	softhsm.Env(t)
	m, err := cryptoki.Load(module, cryptoki.ModuleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	const pin = "5555-1234"
	tok := cryptoki.TokenSelector{TokenLabel: "scenarios"}
	if _, err := cryptoki.InitToken(m, tok.TokenLabel, pin+"-so", pin); err != nil {
		t.Fatal(err)
	}
	var signers [3]*cryptoki.Signer
	for d := range signers {
		key := cryptoki.KeySelector{KeyLabel: fmt.Sprintf("device-%d", d)}
		if _, _, err := cryptoki.EnsureKey(m, tok, key, pin); err != nil {
			t.Fatal(err)
		}
		s, err := m.Open(cryptoki.Config{Name: key.KeyLabel, TokenSelector: tok, KeySelector: key, PIN: pin})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		signers[d] = s
	}
	runFreshScenarios(t, func(t *testing.T, d int, serial *big.Int) (device.Signer, []byte) {
		tmpl := &x509.Certificate{
			SerialNumber: serial,
			Subject:      pkix.Name{CommonName: "fiscald SoftHSM scenario device " + fmt.Sprint(d)},
			NotBefore:    time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
			KeyUsage:     x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signers[d].PublicKey(), signers[d].CryptoSigner())
		if err != nil {
			t.Fatalf("certificate for device %d: %v", d, err)
		}
		return signers[d], der
	})
}
