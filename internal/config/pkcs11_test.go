package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goodPKCS11 is good with its simulator replaced by a token.
var goodPKCS11 = strings.Replace(good, `    kind: simulator
    key_file: /var/lib/fiscald/devices/card1.pem
`, `    kind: pkcs11
    pkcs11:
      module: /usr/lib/softhsm/libsofthsm2.so
      token_label: rksv
      key_label: rksv-sig
      pin_file: /etc/fiscald/pin
`, 1)

func TestPKCS11SignerValidation(t *testing.T) {
	c, err := Parse([]byte(goodPKCS11))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Signers[0].PKCS11; p == nil || p.TokenLabel != "rksv" || p.KeyLabel != "rksv-sig" {
		t.Fatalf("pkcs11 block: %+v", p)
	}
	cases := []problemCase{
		{"inline PIN", "pin_file: /etc/fiscald/pin", "pin: 1234", "signers[0].pkcs11.pin (line 10): the PIN never goes into the configuration"},
		{"two PIN sources", "pin_file: /etc/fiscald/pin", "pin_file: /etc/fiscald/pin\n      pin_env: PIN", "signers[0].pkcs11.pin_file (line 10): give exactly one"},
		{"relative module", "module: /usr/lib/softhsm/libsofthsm2.so", "module: libsofthsm2.so", "signers[0].pkcs11.module (line 7)"},
		{"token twice", "token_label: rksv", "token_label: rksv\n      token_serial: 42", "signers[0].pkcs11.token_label (line 8)"},
		{"no key", "key_label: rksv-sig", "key_id: ''", "signers[0].pkcs11.key_label"},
		{"key id not hex", "key_label: rksv-sig", "key_id: xyz", "signers[0].pkcs11.key_id (line 9)"},
		{"no block", "    pkcs11:\n      module: /usr/lib/softhsm/libsofthsm2.so\n      token_label: rksv\n      key_label: rksv-sig\n      pin_file: /etc/fiscald/pin\n", "", "signers[0].pkcs11: a pkcs11 signer needs"},
		{"sessions", "key_label: rksv-sig", "key_label: rksv-sig\n      sessions: 65", "signers[0].pkcs11.sessions (line 10)"},
	}
	checkProblems(t, goodPKCS11, cases)
}

func TestReadPIN(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pin")
	os.WriteFile(file, []byte("123456\n"), 0o600)
	if pin, err := (&PKCS11{PINFile: file}).ReadPIN(); err != nil || pin != "123456" {
		t.Errorf("pin file: %q, %v", pin, err)
	}
	os.WriteFile(filepath.Join(dir, "cred"), []byte("654321"), 0o600)
	t.Setenv("CREDENTIALS_DIRECTORY", dir)
	if pin, err := (&PKCS11{PINCredential: "cred"}).ReadPIN(); err != nil || pin != "654321" {
		t.Errorf("credential: %q, %v", pin, err)
	}
	t.Setenv("FISCALD_TEST_PIN", "999999")
	if pin, err := (&PKCS11{PINEnv: "FISCALD_TEST_PIN"}).ReadPIN(); err != nil || pin != "999999" {
		t.Errorf("env: %q, %v", pin, err)
	}
	if _, err := (&PKCS11{PINEnv: "FISCALD_TEST_PIN_UNSET"}).ReadPIN(); err == nil || !strings.Contains(err.Error(), "FISCALD_TEST_PIN_UNSET") {
		t.Errorf("unset variable: %v", err)
	}
	os.WriteFile(file, []byte("\n"), 0o600)
	if _, err := (&PKCS11{PINFile: file}).ReadPIN(); err == nil {
		t.Error("an empty PIN file was accepted")
	}
}
