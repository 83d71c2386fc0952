package zvt

import (
	"bytes"
	"errors"
	"testing"
)

func TestCRC16Kermit(t *testing.T) {
	// The catalogue check value of CRC-16/KERMIT.
	if got := crc16(0, []byte("123456789")); got != 0x2189 {
		t.Fatalf("crc16(\"123456789\") = %04X, want 2189", got)
	}
}

// publishedFrames are frames printed in wirelane/ecrterm's tests
// (verified, §1.8) and frames the specification computed with the same
// algorithm.
var publishedFrames = []struct {
	name, apdu, frame string
}{
	{"positive response", "80 00 00", "10 02 80 00 00 10 03 F5 1F"},
	{"repeat status information", "84 9C 00", "10 02 84 9C 00 10 03 C3 41"},
	{"status enquiry", "05 01 03 12 34 56", "10 02 05 01 03 12 34 56 10 03 E0 43"},
	{"reset terminal", "06 18 00", "10 02 06 18 00 10 03 56 3A"},
	{"registration", "06 00 06 12 34 56 BE 09 78", "10 02 06 00 06 12 34 56 BE 09 78 10 03 C8 B1"},
	{"authorisation, DLE stuffed", "06 01 0A 04 00 00 00 00 10 00 49 09 78",
		"10 02 06 01 0A 04 00 00 00 00 10 10 00 49 09 78 10 03 27 60"},
	{"completion", "06 0F 00", "10 02 06 0F 00 10 03 C6 33"},
}

func TestPublishedFrames(t *testing.T) {
	for _, tt := range publishedFrames {
		t.Run(tt.name, func(t *testing.T) {
			a := mustAPDU(t, tt.apdu)
			got, err := AppendFrame(nil, a)
			if err != nil {
				t.Fatal(err)
			}
			if want := hx(t, tt.frame); !bytes.Equal(got, want) {
				t.Fatalf("AppendFrame(%s) = % X, want % X", tt.apdu, got, want)
			}
			back, err := DecodeFrame(hx(t, tt.frame))
			if err != nil {
				t.Fatalf("DecodeFrame: %v", err)
			}
			if !back.Equal(a) {
				t.Fatalf("DecodeFrame = %v % X, want %s", back, back.Data, tt.apdu)
			}
		})
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	tests := []struct{ name, frame string }{
		{"bad CRC", "10 02 80 00 00 10 03 F5 1E"},
		{"CRC of XMODEM (non-reflected)", "10 02 80 00 00 10 03 00 00"},
		{"no DLE STX", "02 80 00 00 10 03 F5 1F"},
		{"DLE followed by data", "10 02 80 10 41 00 00 10 03 F5 1F"},
		{"ends inside", "10 02 80 00 00 10 03 F5"},
		{"trailing byte", "10 02 80 00 00 10 03 F5 1F 00"},
		{"length field longer than body", "10 02 80 00 05 10 03 " + crcHex(hx(t, "80 00 05"))},
		{"length field shorter than body", "10 02 80 00 00 00 10 03 " + crcHex(hx(t, "80 00 00 00"))},
	}
	for _, tt := range tests {
		if a, err := DecodeFrame(hx(t, tt.frame)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: DecodeFrame(%s) = %v, %v; want ErrMalformed", tt.name, tt.frame, a, err)
		}
	}
}

// crcHex returns the CRC bytes of a frame around apdu, for hand-made
// frames whose checksum is right but whose content is not.
func crcHex(apdu []byte) string {
	c := frameCRC(apdu)
	return bytesHex([]byte{byte(c), byte(c >> 8)})
}

func bytesHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 3*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0x0F], ' ')
	}
	return string(out)
}

func TestFrameStuffsEveryDLE(t *testing.T) {
	data := bytes.Repeat([]byte{dle}, 300) // extended length, DLE everywhere
	a := APDU{Class: 0x10, Instr: 0x10, Data: data}
	f, err := AppendFrame(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeFrame(f)
	if err != nil || !back.Equal(a) {
		t.Fatalf("round trip of an all-DLE APDU: %v, %v", back, err)
	}
}
