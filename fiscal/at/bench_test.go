package at_test

import (
	"crypto/rand"
	"crypto/x509"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/signsim"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// benchRegister is a register with a software signature device and the
// chain after its start receipt.
func benchRegister(b *testing.B) (*at.Builder, *at.Device, at.Chain) {
	b.Helper()
	s, err := signsim.Open("bench", filepath.Join(b.TempDir(), "bench.pem"))
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(s.Identity().CertificateDER)
	if err != nil {
		b.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	bld := &at.Builder{KassenID: "fiscald-bench-1", AESKey: key, CounterLen: 8}
	dev := &at.Device{Name: "bench", Provider: "AT100", Serial: rksv.Serial(cert), Cert: cert.Raw, Signer: s}
	rec, ch, err := bld.Make(b.Context(), at.Chain{}, at.Spec{Kind: at.KindStart, Number: "ft1#1",
		Date: rksv.ViennaDate(time.Now()), Device: dev})
	if err != nil || !rec.Signed {
		b.Fatalf("start receipt: signed %v, %v, %v", rec.Signed, rec.SignErr, err)
	}
	return bld, dev, ch
}

// BenchmarkMakeReceipt is the RKSV part of a POS receipt: counter
// encryption, payload, signature by the simulated device (ECDSA P-256) and
// the next chain value.
func BenchmarkMakeReceipt(b *testing.B) {
	bld, dev, ch := benchRegister(b)
	date := rksv.ViennaDate(time.Now())
	amounts := rksv.Amounts{1: 320}
	b.ReportAllocs()
	n := 1
	for b.Loop() {
		n++
		rec, next, err := bld.Make(b.Context(), ch, at.Spec{Kind: at.KindStandard, Number: "ft" + strconv.Itoa(n) + "#" + strconv.Itoa(n),
			Date: date, Amounts: amounts, Device: dev})
		if err != nil || !rec.Signed {
			b.Fatalf("receipt %d: signed %v, %v, %v", n, rec.Signed, rec.SignErr, err)
		}
		ch = next
	}
}
