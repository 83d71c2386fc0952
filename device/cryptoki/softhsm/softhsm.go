// Package softhsm prepares SoftHSM2 tokens for tests: it finds the module
// the way fiscald's rules demand (never a hard-coded path), gives each test
// a private token directory, and provisions tokens through cryptoki's
// administration API, so tests here and end-to-end tests elsewhere sign
// with the production driver on a real PKCS#11 module.
//
// Only tests import it.
package softhsm

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/device/cryptoki"
)

// Module returns the path of libsofthsm2.so: the first file `dpkg -L
// libsofthsm2` lists with that name. Without SoftHSM2 the test fails under
// CI (CI set) and is skipped elsewhere.
func Module(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("dpkg", "-L", "libsofthsm2").Output()
	if err == nil {
		for line := range strings.SplitSeq(string(out), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasSuffix(line, "/libsofthsm2.so") {
				if _, err := os.Stat(line); err == nil {
					return line
				}
			}
		}
		err = errors.New("it lists no libsofthsm2.so")
	}
	msg := fmt.Sprintf("SoftHSM2 is not installed (dpkg -L libsofthsm2: %v); `make test` installs softhsm2", err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip("skipping: " + msg)
	return ""
}

// Env gives the test a private SoftHSM2 token directory: a temporary
// directory with tokens/ and a three-line softhsm2.conf, named by
// SOFTHSM2_CONF for the rest of the test (t.Setenv, so the test cannot be
// parallel). SoftHSM reads the variable in C_Initialize: call Env before
// loading the module. tokenDir is where SoftHSM keeps one subdirectory per
// token; fault tests move those away and back.
func Env(t testing.TB) (conf, tokenDir string) {
	t.Helper()
	dir := t.TempDir()
	tokenDir = filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokenDir, 0o700); err != nil {
		t.Fatal(err)
	}
	conf = filepath.Join(dir, "softhsm2.conf")
	text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokenDir)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	return conf, tokenDir
}

// Token is a provisioned test token: an EC P-256 key pair with CKA_ID 01
// and a self-signed certificate next to it, the layout of rksv.md §5.2.
type Token struct {
	Label, SOPIN, PIN string
	KeyLabel          string
	KeyID             []byte
	Public            *ecdsa.PublicKey
	CertificateDER    []byte
}

// Config returns a signer configuration for the token's key.
func (tok Token) Config(name string) cryptoki.Config {
	return cryptoki.Config{
		Name:          name,
		TokenSelector: cryptoki.TokenSelector{TokenLabel: tok.Label},
		KeySelector:   cryptoki.KeySelector{KeyLabel: tok.KeyLabel, KeyID: tok.KeyID},
		PIN:           tok.PIN,
	}
}

// Provision loads the module at modulePath, provisions a token (see
// ProvisionWith) and closes the module again. Call it before the code
// under test loads the module: two loaded Modules for one library disturb
// each other.
func Provision(t testing.TB, modulePath, tokenLabel, keyLabel, pin string) Token {
	t.Helper()
	m, err := cryptoki.Load(modulePath, cryptoki.ModuleOptions{})
	if err != nil {
		t.Fatalf("softhsm: %v", err)
	}
	defer m.Close()
	return ProvisionWith(t, m, tokenLabel, keyLabel, pin)
}

// ProvisionWith makes a ready token on m: it initialises a token labelled
// tokenLabel (SO PIN pin+"-so") unless one exists, makes sure it holds a
// P-256 key pair labelled keyLabel with CKA_ID 01, and stores a
// self-signed certificate for it unless one is there already.
func ProvisionWith(t testing.TB, m *cryptoki.Module, tokenLabel, keyLabel, pin string) Token {
	t.Helper()
	tok := Token{Label: tokenLabel, SOPIN: pin + "-so", PIN: pin, KeyLabel: keyLabel, KeyID: []byte{0x01}}
	if _, err := cryptoki.InitToken(m, tok.Label, tok.SOPIN, tok.PIN); err != nil {
		t.Fatalf("softhsm: %v", err)
	}
	cfg := tok.Config("softhsm-provision")
	pub, _, err := cryptoki.EnsureKey(m, cfg.TokenSelector, cfg.KeySelector, pin)
	if err != nil {
		t.Fatalf("softhsm: %v", err)
	}
	tok.Public = pub

	cfg.Sessions = 1
	s, err := m.Open(cfg)
	if err != nil {
		t.Fatalf("softhsm: %v", err)
	}
	defer s.Close()
	if der := s.Identity().CertificateDER; der != nil {
		tok.CertificateDER = der
		return tok
	}
	der, err := cryptoki.SelfSignedCertificate(s.CryptoSigner(), "fiscald test signature device "+tokenLabel)
	if err != nil {
		t.Fatalf("softhsm: %v", err)
	}
	if err := cryptoki.WriteCertificate(m, cfg.TokenSelector, cfg.KeySelector, pin, der); err != nil {
		t.Fatalf("softhsm: %v", err)
	}
	tok.CertificateDER = der
	return tok
}
