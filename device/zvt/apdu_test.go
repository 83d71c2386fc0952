package zvt

import (
	"bytes"
	"errors"
	"testing"
)

func TestAPDURoundTrip(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 255)
	max := bytes.Repeat([]byte{0x10}, maxData)
	tests := []struct {
		name string
		apdu APDU
		wire []byte
	}{
		{"positive response", Ack(), hx(t, "80 00 00")},
		{"negative response", Nack(ResultPrinterNotReady), hx(t, "84 CC 00")},
		{"authorisation", APDU{0x06, 0x01, hx(t, "04 00 00 00 00 10 00 49 09 78")}, hx(t, "06 01 0A 04 00 00 00 00 10 00 49 09 78")},
		{"254 bytes, short length", APDU{0x06, 0xD3, long[:254]}, append(hx(t, "06 D3 FE"), long[:254]...)},
		{"255 bytes, extended length", APDU{0x06, 0xD3, long}, append(hx(t, "06 D3 FF FF 00"), long...)},
		{"65535 bytes", APDU{0x06, 0xD3, max}, append(hx(t, "06 D3 FF FF FF"), max...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := encode(t, tt.apdu)
			if !bytes.Equal(got, tt.wire) {
				t.Fatalf("MarshalBinary(%v) = % X…, want % X…", tt.apdu, head(got), head(tt.wire))
			}
			var back APDU
			if err := back.UnmarshalBinary(tt.wire); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if !back.Equal(tt.apdu) {
				t.Fatalf("UnmarshalBinary = %v, want %v", back, tt.apdu)
			}
		})
	}
}

func head(b []byte) []byte {
	if len(b) > 16 {
		return b[:16]
	}
	return b
}

func TestDecodeAPDUStream(t *testing.T) {
	// Two APDUs back to back, as a TCP segment may hold them.
	stream := hx(t, "80 00 00 04 FF 01 0A")
	a, n, err := DecodeAPDU(stream)
	if err != nil || n != 3 || a.Code() != CodePositive {
		t.Fatalf("first APDU = %v, %d, %v; want positive response, 3 bytes", a, n, err)
	}
	a, n, err = DecodeAPDU(stream[n:])
	if err != nil || n != 4 || a.Code() != CodeIntermediateStatus || !bytes.Equal(a.Data, []byte{0x0A}) {
		t.Fatalf("second APDU = %v % X, %d, %v; want 04 FF with 0A", a, a.Data, n, err)
	}
}

func TestDecodeAPDUTruncated(t *testing.T) {
	for _, in := range []string{"", "06", "06 01", "06 01 0A 04 00", "06 D3 FF", "06 D3 FF 00", "06 D3 FF 00 01"} {
		_, _, err := DecodeAPDU(hx(t, in))
		if !errors.Is(err, ErrTruncated) || !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeAPDU(% s) error = %v, want ErrTruncated (and ErrMalformed)", in, err)
		}
	}
}

func TestUnmarshalAPDUTrailing(t *testing.T) {
	var a APDU
	if err := a.UnmarshalBinary(hx(t, "80 00 00 00")); !errors.Is(err, ErrMalformed) || errors.Is(err, ErrTruncated) {
		t.Fatalf("UnmarshalBinary with a trailing byte: %v, want ErrMalformed", err)
	}
}

func TestAPDUTooLong(t *testing.T) {
	_, err := APDU{Class: 0x06, Instr: 0xD3, Data: make([]byte, maxData+1)}.MarshalBinary()
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("MarshalBinary of 65536 data bytes: %v, want ErrTooLong", err)
	}
}

func TestResponseClassification(t *testing.T) {
	tests := []struct {
		in       string
		positive bool
		negative bool
		code     ResultCode
	}{
		{"80 00 00", true, false, ResultOK},
		{"84 00 00", true, false, ResultOK},
		{"84 9C 00", false, true, ResultPleaseWait},
		{"84 1E 00", false, true, 0x1E},
		{"06 0F 00", false, false, ResultOK},
	}
	for _, tt := range tests {
		a := mustAPDU(t, tt.in)
		if a.IsPositive() != tt.positive || a.IsNegative() != tt.negative || a.ResponseCode() != tt.code {
			t.Errorf("%s: positive %v negative %v code %v; want %v %v %v", tt.in,
				a.IsPositive(), a.IsNegative(), a.ResponseCode(), tt.positive, tt.negative, tt.code)
		}
	}
}

func TestAPDUStringHidesData(t *testing.T) {
	reg := mustAPDU(t, "06 00 06 12 34 56 BE 09 78")
	if got, want := reg.String(), "06 00 (Registration, 6 bytes)"; got != want {
		t.Fatalf("String() = %q, want %q (no password bytes)", got, want)
	}
}
