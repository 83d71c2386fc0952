package rksv_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// FuzzParsePayload checks that ParsePayload never panics and that whatever
// it accepts is valid and re-encodes byte for byte, also through a JWS.
func FuzzParsePayload(f *testing.F) {
	f.Add(samplePayloadString)
	f.Add(strings.Replace(samplePayloadString, "_R1-AT1_", "_R1-AT0_", 1))
	f.Add(strings.Replace(samplePayloadString, "_a9fdaec7102cd70_", "_U:ATU12345678-K1_", 1))
	f.Add(strings.Replace(samplePayloadString, "_uJze7XlvJmU=_", "_VFJB_", 1))
	f.Add(strings.Replace(samplePayloadString, "_1234,56_", "_1.234,56_", 1))
	f.Add(strings.Replace(samplePayloadString, "_0,05_", "_-92233720368547758,08_", 1))
	f.Add("_____________")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := rksv.ParsePayload(s)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePayload(%q) accepted an invalid payload: %v", s, err)
		}
		if got := p.AppendTo(nil); string(got) != s {
			t.Fatalf("AppendTo(ParsePayload(%q)) = %q", s, got)
		}
		if got := p.String(); got != s {
			t.Fatalf("String(ParsePayload(%q)) = %q", s, got)
		}
		payload, sig, err := rksv.SplitJWS(rksv.FailedJWS(rksv.SigningInput(s)))
		if err != nil || payload != s || string(sig) != rksv.FailedText {
			t.Fatalf("SplitJWS(FailedJWS(SigningInput(%q))) = %q, %q, %v", s, payload, sig, err)
		}
	})
}

// FuzzQRFromOCR checks that the OCR and QR decoders never panic and that
// every accepted input round-trips exactly through OCR, JWSFromQR and QR.
func FuzzQRFromOCR(f *testing.F) {
	p := samplePayload()
	si := rksv.SigningInput(p.String())
	signed, err := rksv.JWS(si, bytes.Repeat([]byte{0xfb, 0x00, 0x7f, 0xff}, 16))
	if err != nil {
		f.Fatal(err)
	}
	for _, jws := range []string{signed, rksv.FailedJWS(si)} {
		qr, err := rksv.QR(jws)
		if err != nil {
			f.Fatal(err)
		}
		ocr, err := rksv.OCR(qr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ocr)
		f.Add(qr)
	}
	f.Add("_____________")
	f.Add("_____________KRJEC===")
	f.Fuzz(func(t *testing.T, s string) {
		if qr, err := rksv.QRFromOCR(s); err == nil {
			if back, err := rksv.OCR(qr); err != nil || back != s {
				t.Fatalf("OCR(QRFromOCR(%q)) = %q, %v", s, back, err)
			}
		}
		// s itself as a QR string.
		jws, err := rksv.JWSFromQR(s)
		if err != nil {
			return
		}
		if back, err := rksv.QR(jws); err != nil || back != s {
			t.Fatalf("QR(JWSFromQR(%q)) = %q, %v", s, back, err)
		}
	})
}

// FuzzAmount checks FormatAmount against the payload parser for every int64.
func FuzzAmount(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, -100, 1 << 62, -1 << 63, 1<<63 - 1} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, cents int64) {
		p := samplePayload()
		p.Amounts[rksv.Special] = cents
		back, err := rksv.ParsePayload(p.String())
		if err != nil || back.Amounts[rksv.Special] != cents {
			t.Fatalf("amount %d (%q) parsed as %d, %v", cents, rksv.FormatAmount(cents), back.Amounts[rksv.Special], err)
		}
	})
}
