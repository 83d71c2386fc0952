package rksv_test

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

func sampleJWS(t *testing.T, counter string, failed bool) string {
	t.Helper()
	p := samplePayload()
	p.Counter = counter
	si := rksv.SigningInput(p.String())
	if failed {
		return rksv.FailedJWS(si)
	}
	jws, err := rksv.JWS(si, bytes.Repeat([]byte{0xfb, 0xef, 0x01, 0x7f}, 16))
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

func TestRepresentationsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		counter string
		failed  bool
	}{
		{"signed", "uJze7XlvJmU=", false},
		{"failed", "uJze7XlvJmU=", true},
		{"training", rksv.TrainingCounter, false},
		{"storno failed", rksv.StornoCounter, true},
		{"16-byte counter", "4r1iIdZGeASrdw68qSF4BA==", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jws := sampleJWS(t, tc.counter, tc.failed)
			payload, sig, err := rksv.SplitJWS(jws)
			if err != nil {
				t.Fatal(err)
			}
			qr, err := rksv.QR(jws)
			if want := payload + "_" + base64.StdEncoding.EncodeToString(sig); err != nil || qr != want {
				t.Fatalf("QR = %q, %v; want %q", qr, err, want)
			}
			if tc.failed && !strings.HasSuffix(qr, "_U2ljaGVyaGVpdHNlaW5yaWNodHVuZyBhdXNnZWZhbGxlbg==") {
				t.Errorf("failed QR %q lacks the padded failure text", qr)
			}
			ocr, err := rksv.OCR(qr)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(ocr, "_")
			c, _ := base64.StdEncoding.DecodeString(tc.counter)
			if parts[10] != base32.StdEncoding.EncodeToString(c) || parts[11] != "a9fdaec7102cd70" ||
				parts[13] != base32.StdEncoding.EncodeToString(sig) {
				t.Errorf("OCR = %q", ocr)
			}
			if strings.Join(parts[:10], "_") != strings.Join(strings.Split(qr, "_")[:10], "_") {
				t.Errorf("OCR changed fields 1–9: %q", ocr)
			}
			back, err := rksv.QRFromOCR(ocr)
			if err != nil || back != qr {
				t.Fatalf("QRFromOCR = %q, %v; want %q", back, err, qr)
			}
			j, err := rksv.JWSFromQR(back)
			if err != nil || j != jws {
				t.Fatalf("JWSFromQR = %q, %v; want %q", j, err, jws)
			}
		})
	}
}

func TestRepresentationErrors(t *testing.T) {
	jws := sampleJWS(t, "uJze7XlvJmU=", false)
	qr, err := rksv.QR(jws)
	if err != nil {
		t.Fatal(err)
	}
	ocr, err := rksv.OCR(qr)
	if err != nil {
		t.Fatal(err)
	}
	part := func(s string, i int, v string) string {
		p := strings.Split(s, "_")
		p[i] = v
		return strings.Join(p, "_")
	}
	qrParts, ocrParts := strings.Split(qr, "_"), strings.Split(ocr, "_")

	t.Run("QR", func(t *testing.T) {
		for _, bad := range []string{"", jws + "=", strings.Replace(jws, ".", "_", 1)} {
			if got, err := rksv.QR(bad); err == nil {
				t.Errorf("QR(%q) = %q, want error", bad, got)
			}
		}
	})
	t.Run("OCR", func(t *testing.T) {
		for name, bad := range map[string]string{
			"empty":             "",
			"13 parts":          strings.Join(qrParts[:13], "_"),
			"15 parts":          qr + "_x",
			"no leading _":      "x" + qr,
			"counter unpadded":  part(qr, 10, strings.TrimRight(qrParts[10], "=")),
			"chain url-safe":    part(qr, 12, "cg8hNU5iht-="),
			"signature newline": part(qr, 13, qrParts[13][:4]+"\n"+qrParts[13][4:]),
			"already OCR":       ocr,
		} {
			if got, err := rksv.OCR(bad); err == nil {
				t.Errorf("%s: OCR(%q) = %q, want error", name, bad, got)
			}
		}
	})
	t.Run("QRFromOCR", func(t *testing.T) {
		for name, bad := range map[string]string{
			"empty":               "",
			"13 parts":            strings.Join(ocrParts[:13], "_"),
			"lower case":          part(ocr, 10, strings.ToLower(ocrParts[10])),
			"unpadded":            part(ocr, 12, strings.TrimRight(ocrParts[12], "=")),
			"non-canonical":       part(ocr, 10, ocrParts[10][:len(ocrParts[10])-1]+"B"),
			"signature newline":   part(ocr, 13, ocrParts[13][:8]+"\n"+ocrParts[13][8:]),
			"still Base64":        qr,
			"Base32 hex alphabet": part(ocr, 12, "0123456789======"),
		} {
			if got, err := rksv.QRFromOCR(bad); err == nil {
				t.Errorf("%s: QRFromOCR(%q) = %q, want error", name, bad, got)
			}
		}
	})
	t.Run("JWSFromQR", func(t *testing.T) {
		sig := qrParts[13]
		for name, bad := range map[string]string{
			"empty":              "",
			"13 parts":           strings.Join(qrParts[:13], "_"),
			"unpadded signature": part(qr, 13, strings.TrimRight(sig, "=")),
			"url-safe signature": part(qr, 13, base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 32))),
			"63-byte signature":  part(qr, 13, base64.StdEncoding.EncodeToString(make([]byte, 63))),
			"trailing bits":      part(qr, 13, sig[:len(sig)-3]+"B=="),
			"OCR":                ocr,
		} {
			if got, err := rksv.JWSFromQR(bad); err == nil {
				t.Errorf("%s: JWSFromQR(%q) = %q, want error", name, bad, got)
			}
		}
	})
}
