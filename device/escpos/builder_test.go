package escpos_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/device/escpos"
)

// TestBuilder checks every command against the bytes of devices.md
// §3.3–3.4.
func TestBuilder(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *escpos.Builder)
		want  []byte
	}{
		{"init", func(b *escpos.Builder) { b.Init() }, []byte{0x1B, 0x40}},
		{"code table WPC1252", func(b *escpos.Builder) { b.CodeTable(escpos.CodeTableWPC1252) }, []byte{0x1B, 0x74, 0x10}},
		{"text WPC1252", func(b *escpos.Builder) { b.Text("Grüße 12,50 €") },
			[]byte{'G', 'r', 0xFC, 0xDF, 'e', ' ', '1', '2', ',', '5', '0', ' ', 0x80}},
		{"text umlauts and quotes", func(b *escpos.Builder) { b.Text("ÄÖÜäöü „x“ – ™") },
			[]byte{0xC4, 0xD6, 0xDC, 0xE4, 0xF6, 0xFC, ' ', 0x84, 'x', 0x93, ' ', 0x96, ' ', 0x99}},
		{"text unknown and controls", func(b *escpos.Builder) { b.Text("a\x1b@\r\n\tΩ✓\xff") },
			[]byte{'a', '?', '@', 0x0A, 0x09, '?', '?', '?'}},
		{"line", func(b *escpos.Builder) { b.Line("ok") }, []byte{'o', 'k', 0x0A}},
		{"line feed", func(b *escpos.Builder) { b.LF() }, []byte{0x0A}},
		{"feed 3", func(b *escpos.Builder) { b.Feed(3) }, []byte{0x1B, 0x64, 0x03}},
		{"align centre", func(b *escpos.Builder) { b.Align(escpos.AlignCenter) }, []byte{0x1B, 0x61, 0x01}},
		{"align right", func(b *escpos.Builder) { b.Align(escpos.AlignRight) }, []byte{0x1B, 0x61, 0x02}},
		{"bold on off", func(b *escpos.Builder) { b.Bold(true); b.Bold(false) }, []byte{0x1B, 0x45, 0x01, 0x1B, 0x45, 0x00}},
		{"underline 2", func(b *escpos.Builder) { b.Underline(2) }, []byte{0x1B, 0x2D, 0x02}},
		{"size double", func(b *escpos.Builder) { b.Size(2, 2) }, []byte{0x1D, 0x21, 0x11}},
		{"size 3 wide 1 high", func(b *escpos.Builder) { b.Size(3, 1) }, []byte{0x1D, 0x21, 0x20}},
		{"font B", func(b *escpos.Builder) { b.Font(escpos.FontB) }, []byte{0x1B, 0x4D, 0x01}},
		{"partial cut", func(b *escpos.Builder) { b.Cut(escpos.CutPartial, 3) }, []byte{0x1D, 0x56, 0x42, 0x03}},
		{"full cut", func(b *escpos.Builder) { b.Cut(escpos.CutFull, 0) }, []byte{0x1D, 0x56, 0x41, 0x00}},
		{"QR", func(b *escpos.Builder) { b.QR("ABC", 4) }, []byte{
			0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, // model 2
			0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x04, // module 4
			0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31, // level M
			0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, 'A', 'B', 'C', // store
			0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30, // print
		}},
		{"confirmation request", func(b *escpos.Builder) { b.ConfirmationRequest("A001") },
			[]byte{0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, 'A', '0', '0', '1'}},
		{"raw", func(b *escpos.Builder) { b.Raw(0x1B, 0x70, 0x00, 0x19, 0xFA) }, []byte{0x1B, 0x70, 0x00, 0x19, 0xFA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b escpos.Builder
			tt.build(&b)
			if err := b.Err(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), tt.want) {
				t.Errorf("bytes = % X\nwant    % X", b.Bytes(), tt.want)
			}
		})
	}
}

// TestBuilderQRLength checks pL/pH of the store function for data longer
// than 255 bytes.
func TestBuilderQRLength(t *testing.T) {
	var b escpos.Builder
	data := strings.Repeat("x", 300)
	b.QR(data, 4)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	store := []byte{0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30} // 303 = 0x012F
	if !bytes.Contains(b.Bytes(), append(store, data...)) {
		t.Errorf("store function not found in % X", b.Bytes()[:40])
	}
}

// TestBuilderInvalid checks that bad arguments append nothing and are
// reported, the first one only.
func TestBuilderInvalid(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *escpos.Builder)
	}{
		{"feed", func(b *escpos.Builder) { b.Feed(256) }},
		{"align", func(b *escpos.Builder) { b.Align(3) }},
		{"underline", func(b *escpos.Builder) { b.Underline(3) }},
		{"size 0", func(b *escpos.Builder) { b.Size(0, 1) }},
		{"size 9", func(b *escpos.Builder) { b.Size(1, 9) }},
		{"font", func(b *escpos.Builder) { b.Font(2) }},
		{"cut mode", func(b *escpos.Builder) { b.Cut(1, 0) }},
		{"cut feed", func(b *escpos.Builder) { b.Cut(escpos.CutFull, -1) }},
		{"QR empty", func(b *escpos.Builder) { b.QR("", 4) }},
		{"QR too long", func(b *escpos.Builder) { b.QR(strings.Repeat("x", escpos.MaxQRData+1), 4) }},
		{"QR module", func(b *escpos.Builder) { b.QR("x", 17) }},
		{"id short", func(b *escpos.Builder) { b.ConfirmationRequest("abc") }},
		{"id control", func(b *escpos.Builder) { b.ConfirmationRequest("ab\x00c") }},
		{"id non-ASCII", func(b *escpos.Builder) { b.ConfirmationRequest("äbc") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b escpos.Builder
			b.Init()
			tt.build(&b)
			first := b.Err()
			if !errors.Is(first, escpos.ErrInvalid) {
				t.Fatalf("Err = %v, want ErrInvalid", first)
			}
			if !bytes.Equal(b.Bytes(), []byte{0x1B, 0x40}) {
				t.Errorf("bytes = % X, want only ESC @", b.Bytes())
			}
			b.Feed(300)
			if b.Err() != first {
				t.Errorf("Err changed to %v", b.Err())
			}
		})
	}
}

func TestWPC1252RoundTrip(t *testing.T) {
	const s = "Kassa 1 – Grüße: 12,50 € „Œuvre“ ™ ß ÿ"
	enc := escpos.EncodeWPC1252(s)
	if got := escpos.DecodeWPC1252(enc); got != s {
		t.Errorf("round trip = %q, want %q", got, s)
	}
	if len(enc) != len([]rune(s)) {
		t.Errorf("%d bytes for %d characters", len(enc), len([]rune(s)))
	}
	for b := 0; b < 256; b++ {
		r := escpos.RuneWPC1252(byte(b))
		if r == '\uFFFD' {
			if b != 0x81 && b != 0x8D && b != 0x8F && b != 0x90 && b != 0x9D {
				t.Errorf("byte %#02x undefined", b)
			}
			continue
		}
		if got := escpos.EncodeWPC1252(string(r)); !bytes.Equal(got, []byte{byte(b)}) {
			t.Errorf("%q encodes to % X, want %02X", r, got, b)
		}
	}
}

func TestCountLines(t *testing.T) {
	var b escpos.Builder
	b.Line("a")
	b.Line("b")
	b.Feed(4)
	b.Cut(escpos.CutPartial, 3)
	if got := escpos.CountLines(b.Bytes()); got != 6 {
		t.Errorf("CountLines = %d, want 6", got)
	}
}
