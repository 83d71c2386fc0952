package rksv_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// newCert makes a self-signed P-256 certificate with the given serial.
func newCert(t *testing.T, key *ecdsa.PrivateKey, serial *big.Int, cn string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return v
}

func TestSerial(t *testing.T) {
	key := newKey(t)
	tests := []struct {
		serial *big.Int
		want   string
	}{
		{hexInt(t, "0a9fdaec7102cd70"), "a9fdaec7102cd70"},  // leading zero nibble, as in official szenario 7
		{hexInt(t, "00000000000000ff"), "ff"},               // leading zero bytes
		{hexInt(t, "82424e8077297aa3"), "82424e8077297aa3"}, // high bit set: DER adds a 0x00 byte
		{hexInt(t, "ABCDEF"), "abcdef"},                     // lower case
		{big.NewInt(1), "1"},                                // smallest
		{hexInt(t, "7fffffffffffffffffffffffffffffffffffffff"), "7fffffffffffffffffffffffffffffffffffffff"}, // 20 bytes
	}
	for _, tc := range tests {
		cert, err := x509.ParseCertificate(newCert(t, key, tc.serial, "serial test"))
		if err != nil {
			t.Fatal(err)
		}
		if got := rksv.Serial(cert); got != tc.want {
			t.Errorf("Serial(%x) = %q, want %q", tc.serial, got, tc.want)
		}
	}
	if got := rksv.Serial(&x509.Certificate{SerialNumber: big.NewInt(0)}); got != "0" {
		t.Errorf("Serial(0) = %q, want \"0\"", got)
	}
	if got := rksv.Serial(nil); got != "" {
		t.Errorf("Serial(nil) = %q, want \"\"", got)
	}
	if got := rksv.Serial(&x509.Certificate{}); got != "" {
		t.Errorf("Serial(no serial) = %q, want \"\"", got)
	}
}

func TestContainerJSON(t *testing.T) {
	aesKey := bytes.Repeat([]byte{0x5a}, 32)
	key := newKey(t)
	certDER := newCert(t, key, hexInt(t, "0a9fdaec7102cd70"), "device 1")
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString

	empty, err := json.Marshal(rksv.NewContainer(aesKey))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"base64AESKey":"` + b64(aesKey) + `","certificateOrPublicKeyMap":{}}`; string(empty) != want {
		t.Errorf("empty container = %s, want %s", empty, want)
	}

	c := rksv.NewContainer(aesKey)
	if err := c.AddCertificate(certDER); err != nil {
		t.Fatal(err)
	}
	if err := c.AddCertificate(certDER); err != nil {
		t.Errorf("adding the same certificate again: %v", err)
	}
	c.AddPublicKey("U:ATU12345678-K1", spki)
	got, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"base64AESKey":"` + b64(aesKey) + `","certificateOrPublicKeyMap":{` +
		`"U:ATU12345678-K1":{"id":"U:ATU12345678-K1","signatureDeviceType":"PUBLIC_KEY","signatureCertificateOrPublicKey":"` + b64(spki) + `"},` +
		`"a9fdaec7102cd70":{"id":"a9fdaec7102cd70","signatureDeviceType":"CERTIFICATE","signatureCertificateOrPublicKey":"` + b64(certDER) + `"}}}`
	if string(got) != want {
		t.Errorf("container =\n%s\nwant\n%s", got, want)
	}
	var back rksv.Container
	if err := json.Unmarshal(got, &back); err != nil || len(back.Devices) != 2 || back.AESKey != b64(aesKey) {
		t.Errorf("container does not decode back: %+v, %v", back, err)
	}
}

func TestContainerErrors(t *testing.T) {
	c := rksv.NewContainer(make([]byte, 32))
	if err := c.AddCertificate([]byte("not a certificate")); err == nil {
		t.Error("AddCertificate(garbage) succeeded")
	}
	key := newKey(t)
	first := newCert(t, key, big.NewInt(0x1234), "first")
	second := newCert(t, key, big.NewInt(0x1234), "second")
	if err := c.AddCertificate(first); err != nil {
		t.Fatal(err)
	}
	if err := c.AddCertificate(second); err == nil || !strings.Contains(err.Error(), "1234") {
		t.Errorf("second certificate with serial 1234: %v, want an error naming the id", err)
	}
	if d := c.Devices["1234"].Data; d != base64.StdEncoding.EncodeToString(first) {
		t.Error("the conflicting certificate replaced the first one")
	}

	var zero rksv.Container // not from NewContainer: must not panic
	zero.AddPublicKey("S:123456789-K1", []byte{1})
	if len(zero.Devices) != 1 {
		t.Errorf("zero Container after AddPublicKey: %+v", zero)
	}
}
