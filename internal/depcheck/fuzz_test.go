package depcheck

import (
	"crypto/x509"
	"errors"
	"testing"
)

// FuzzVerifyDEP: arbitrary input never panics, never turns into an error
// return (the container is fine), and the verdict is self-consistent.
func FuzzVerifyDEP(f *testing.F) {
	p := newTestPKI(f)
	c := p.container(f)
	flat := smallDEP(f, p)
	f.Add(depJSON(f, testGroup{receipts: flat}))
	f.Add(depJSON(f, testGroup{cert: p.devices[0].cert, cas: []*x509.Certificate{p.intermediate}, receipts: flat}))
	f.Add([]byte(`{"Belege-Gruppe":[{"Signaturzertifikat":"","Zertifizierungsstellen":[],"Belege-kompakt":["a.b.c"]}]}`))
	f.Add([]byte(`{"Belege-Gruppe":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, dep []byte) {
		res, err := VerifyDEP(dep, c, Options{})
		if err != nil {
			t.Fatalf("error return for DEP input: %v", err)
		}
		if res.Valid != (res.Err == nil) {
			t.Fatalf("Valid %t with Err %v", res.Valid, res.Err)
		}
		if res.Receipts != res.Signed+res.Failed || res.Receipts != res.State.Receipts {
			t.Fatalf("receipts %d, signed %d, failed %d, state %d", res.Receipts, res.Signed, res.Failed, res.State.Receipts)
		}
		if res.Err != nil && res.Err.Index != -1 && res.Err.Index != res.Receipts {
			t.Fatalf("error at %d after %d accepted receipts", res.Err.Index, res.Receipts)
		}
	})
}

// FuzzVerifyQR: single-receipt mode never panics on arbitrary text, and
// whatever it rejects it rejects with a *Finding at index 0.
func FuzzVerifyQR(f *testing.F) {
	p := newTestPKI(f)
	c := p.container(f)
	for _, jws := range smallDEP(f, p) {
		qr := jwsToQR(f, jws)
		f.Add(qr)
		f.Add(qrToOCR(f, qr))
		f.Add(jws)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, err := range []error{VerifyQR(s, c), VerifyOCR(s, c), VerifyJWS(s, c)} {
			var fd *Finding
			if err != nil && (!errors.As(err, &fd) || fd.Index != 0) {
				t.Fatalf("error %v is not a Finding at index 0", err)
			}
		}
	})
}
