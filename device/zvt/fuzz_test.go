package zvt

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeAPDU: no input panics the decoder; whatever decodes encodes
// and decodes to the same APDU; the serial framing round-trips it; and a
// frame decoder fed the same bytes never panics either.
func FuzzDecodeAPDU(f *testing.F) {
	for _, s := range authorisationExchange() {
		f.Add(hx(f, s.hex))
	}
	for _, p := range publishedFrames {
		f.Add(hx(f, p.frame))
	}
	f.Add(hx(f, "06 D3 FF 02 00 00 00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, n, err := DecodeAPDU(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeAPDU error %v does not wrap ErrMalformed", err)
			}
		} else {
			if n < 3 || n > len(b) {
				t.Fatalf("DecodeAPDU consumed %d of %d bytes", n, len(b))
			}
			enc, err := a.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary of a decoded APDU: %v", err)
			}
			var back APDU
			if err := back.UnmarshalBinary(enc); err != nil || !back.Equal(a) {
				t.Fatalf("re-decode = %v, %v; want %v", back, err, a)
			}
			frame, err := AppendFrame(nil, a)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := DecodeFrame(frame); err != nil || !back.Equal(a) {
				t.Fatalf("frame round trip = %v, %v", back, err)
			}
		}
		// The same bytes as a serial byte stream.
		var d frameDecoder
		for _, c := range b {
			if done, err := d.feed(c); done && err == nil {
				if _, err := d.apdu(); err != nil && !errors.Is(err, ErrMalformed) {
					t.Fatalf("frame apdu error %v does not wrap ErrMalformed", err)
				}
			}
		}
		_, _ = DecodeFrame(b)
	})
}

// FuzzParseBMPs: no input panics the BMP parser or the message parsers
// built on it; whatever parses encodes back to fields that parse the same.
func FuzzParseBMPs(f *testing.F) {
	for _, s := range authorisationExchange() {
		a := mustAPDU(f, s.hex)
		f.Add(a.Data)
	}
	f.Add(hx(f, "06 81 03 12 01 28 3C F0 F0 F3 41 42 43"))
	f.Add(hx(f, "06 11 25 0B 07 05 48 61 6C 6C 6F 07 00 09 00 1F 07 01 02"))
	f.Add(hx(f, "27 00 8A FF 06 04 41 02 01 2C"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, err := ParseBMPs(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseBMPs error %v does not wrap ErrMalformed", err)
			}
		} else {
			var enc []byte
			for _, fl := range fields {
				if enc, err = AppendBMP(enc, fl); err != nil {
					t.Fatalf("AppendBMP(%02X, %d bytes): %v", byte(fl.ID), len(fl.Value), err)
				}
			}
			back, err := ParseBMPs(enc)
			if err != nil || !fieldsEqual(back, fields) {
				t.Fatalf("re-parse = %v, %v; want %v", back, err, fields)
			}
			for _, fl := range fields {
				if fl.ID == BMPTLV {
					checkTLVs(t, fl.Value, 0)
				}
			}
		}
		// Every message parser must fail cleanly, never panic.
		_, _ = ParseStatusInfo(b)
		_, _ = ParseIntermediateStatus(b)
		_, _ = ParseCompletion(b)
		_, _ = ParseStatusEnquiryCompletion(b)
		_, _ = ParseAbort(b)
		_, _ = ParsePrintLine(b)
		_, _ = ParsePrintTextBlock(b)
		_, _ = ParseRegistration(b)
		_, _ = ParseAuthorisation(b)
		_, _ = ParseReversal(b)
		_, _ = ParseRefund(b)
	})
}

// checkTLVs round-trips a TLV list and recurses into constructed objects.
func checkTLVs(t *testing.T, b []byte, depth int) {
	objs, err := ParseTLVs(b)
	if err != nil || depth > 8 {
		return
	}
	var enc []byte
	for _, o := range objs {
		if enc, err = AppendTLV(enc, o); err != nil {
			t.Fatalf("AppendTLV(%X): %v", o.Tag, err)
		}
	}
	back, err := ParseTLVs(enc)
	if err != nil || len(back) != len(objs) {
		t.Fatalf("TLV re-parse = %v, %v; want %v", back, err, objs)
	}
	for i := range back {
		if back[i].Tag != objs[i].Tag || !bytes.Equal(back[i].Value, objs[i].Value) {
			t.Fatalf("TLV %d re-parsed as %X % X, want %X % X", i, back[i].Tag, back[i].Value, objs[i].Tag, objs[i].Value)
		}
		if objs[i].Constructed() {
			checkTLVs(t, objs[i].Value, depth+1)
		}
	}
}
