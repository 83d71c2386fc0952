package zvt

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestParseBMPs(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Field
	}{
		{"empty", "", nil},
		{"fixed fields", "27 00 04 00 00 00 00 12 50 87 00 42", []Field{
			{BMPResultCode, hx(t, "00")},
			{BMPAmount, hx(t, "00 00 00 00 12 50")},
			{BMPReceipt, hx(t, "00 42")},
		}},
		{"LLVAR", "22 F0 F4 67 EE EE 12", []Field{{BMPPAN, hx(t, "67 EE EE 12")}}},
		{"LLVAR empty", "8B F0 F0", []Field{{BMPCardName, []byte{}}}},
		{"LLLVAR", "3C F0 F0 F3 41 42 43", []Field{{BMPAdditionalText, []byte("ABC")}}},
		{"TLV short length", "06 03 12 01 28", []Field{{BMPTLV, hx(t, "12 01 28")}}},
		{"TLV 81 length", "06 81 03 12 01 28", []Field{{BMPTLV, hx(t, "12 01 28")}}},
		{"TLV 82 length", "06 82 00 03 12 01 28", []Field{{BMPTLV, hx(t, "12 01 28")}}},
		{"unknown-to-fiscald BMPs are skipped by length", "2D F0 F2 AA BB 60 F0 F0 F1 CC 27 05", []Field{
			{0x2D, hx(t, "AA BB")}, {0x60, hx(t, "CC")}, {BMPResultCode, hx(t, "05")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBMPs(hx(t, tt.data))
			if err != nil {
				t.Fatalf("ParseBMPs(%s): %v", tt.data, err)
			}
			if !fieldsEqual(got, tt.want) {
				t.Fatalf("ParseBMPs(%s) = %v, want %v", tt.data, got, tt.want)
			}
		})
	}
}

func fieldsEqual(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func TestParseBMPsErrors(t *testing.T) {
	tests := []struct {
		name, data string
		unknown    bool
	}{
		{"unknown BMP", "27 00 FE 01", true},
		{"fixed field runs past the end", "04 00 00 12", false},
		{"LLVAR prefix not Fx", "22 F0 41 00", false},
		{"LLVAR prefix digit above 9", "22 F0 FA 00", false},
		{"LLVAR prefix cut", "22 F0", false},
		{"LLVAR value runs past the end", "22 F0 F5 00 00", false},
		{"LLLVAR value runs past the end", "3C F0 F1 F0 00", false},
		{"BER length 83", "06 83 00 00 01 00", false},
		{"BER length 81 cut", "06 81", false},
		{"BER value runs past the end", "06 05 12 01", false},
	}
	for _, tt := range tests {
		_, err := ParseBMPs(hx(t, tt.data))
		if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownBMP) != tt.unknown {
			t.Errorf("%s: ParseBMPs(%s) error = %v; want ErrMalformed, ErrUnknownBMP %v", tt.name, tt.data, err, tt.unknown)
		}
	}
}

func TestAppendBMP(t *testing.T) {
	tests := []struct {
		f    Field
		want string
	}{
		{Field{BMPAmount, hx(t, "00 00 00 00 10 00")}, "04 00 00 00 00 10 00"},
		{Field{BMPCardName, []byte("girocard")}, "8B F0 F8 " + ascii("girocard")},
		{Field{BMPAdditionalText, bytes.Repeat([]byte{'x'}, 123)}, "3C F1 F2 F3 " + ascii(string(bytes.Repeat([]byte{'x'}, 123)))},
		{Field{BMPTLV, make([]byte, 0x80)}, "06 81 80 " + bytesHex(make([]byte, 0x80))},
		{Field{BMPTLV, make([]byte, 0x100)}, "06 82 01 00 " + bytesHex(make([]byte, 0x100))},
	}
	for _, tt := range tests {
		got, err := AppendBMP(nil, tt.f)
		if err != nil {
			t.Fatalf("AppendBMP(%02X): %v", byte(tt.f.ID), err)
		}
		if want := hx(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("AppendBMP(%02X) = % X…, want % X…", byte(tt.f.ID), head(got), head(want))
		}
		back, err := ParseBMPs(got)
		if err != nil || !reflect.DeepEqual(back, []Field{tt.f}) {
			t.Errorf("ParseBMPs(AppendBMP(%02X)) = %v, %v", byte(tt.f.ID), back, err)
		}
	}
}

func TestAppendBMPErrors(t *testing.T) {
	tests := []struct {
		f    Field
		want error
	}{
		{Field{0xFE, nil}, ErrUnknownBMP},
		{Field{BMPAmount, hx(t, "10 00")}, ErrInvalid},
		{Field{BMPCardName, make([]byte, 100)}, ErrTooLong},
		{Field{BMPAdditionalText, make([]byte, 1000)}, ErrTooLong},
		{Field{BMPTLV, make([]byte, 0x10000)}, ErrTooLong},
	}
	for _, tt := range tests {
		if _, err := AppendBMP(nil, tt.f); !errors.Is(err, tt.want) {
			t.Errorf("AppendBMP(%02X, %d bytes) = %v, want %v", byte(tt.f.ID), len(tt.f.Value), err, tt.want)
		}
	}
}

func TestBCD(t *testing.T) {
	b, err := AppendBCD(nil, 1250, 6)
	if err != nil || !bytes.Equal(b, hx(t, "00 00 00 00 12 50")) {
		t.Fatalf("AppendBCD(1250, 6) = % X, %v", b, err)
	}
	if _, err := AppendBCD(nil, 1_000_000, 3); !errors.Is(err, ErrTooLong) {
		t.Fatalf("AppendBCD(1000000, 3) = %v, want ErrTooLong", err)
	}
	if v, err := decodeBCD(hx(t, "99 99 99 99 99 99")); err != nil || v != 999_999_999_999 {
		t.Fatalf("decodeBCD(99…) = %d, %v", v, err)
	}
	if _, err := decodeBCD(hx(t, "1A")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("decodeBCD(1A) = %v, want ErrMalformed", err)
	}
	if got := maskedDigits(hx(t, "67 99 99 EE EE EE 12 3F")); got != "679999******123" {
		t.Fatalf("maskedDigits = %q", got)
	}
}
