package escpossim

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fiscald/fiscald/device/escpos"
)

func TestParseCommands(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want command
		n    int
	}{
		{"init", []byte{0x1B, 0x40}, command{op: opInit}, 2},
		{"text stops at control", []byte("ab\xfc\n"), command{op: opText, data: []byte("ab\xfc")}, 3},
		{"align ASCII digit", []byte{0x1B, 0x61, '2'}, command{op: opAlign, n: 2}, 3},
		{"size", []byte{0x1D, 0x21, 0x11}, command{op: opSize, n: 0x11}, 3},
		{"cut B partial", []byte{0x1D, 0x56, 0x42, 0x05}, command{op: opCut, n: 1, m: 5}, 4},
		{"cut B full", []byte{0x1D, 0x56, 0x41, 0x00}, command{op: opCut, n: 0}, 4},
		{"cut A partial", []byte{0x1D, 0x56, 0x31}, command{op: opCut, n: 1}, 3},
		{"QR store", []byte{0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, 'h', 'i'}, command{op: opQRStore, data: []byte("hi")}, 10},
		{"QR level", []byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31}, command{op: opQRLevel, n: 49}, 8},
		{"confirm", []byte{0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, 'a', 'b', 'c', 'd'}, command{op: opConfirm, data: []byte("abcd")}, 11},
		{"GS ( H other fn", []byte{0x1D, 0x28, 0x48, 0x03, 0x00, 0x31, 0x30, 0x02}, command{op: opSkip}, 8},
		{"DLE EOT", []byte{0x10, 0x04, 0x02}, command{op: opRealtimeStatus, n: 2}, 3},
		{"DLE DC4 fn 8", []byte{0x10, 0x14, 0x08, 1, 3, 20, 1, 6, 2, 8}, command{op: opRealtimeOther, n: 8}, 10},
		{"lone DLE", []byte{0x10, 'x'}, command{op: opSkip}, 1},
		{"unknown ESC", []byte{0x1B, 0x7E, 'x'}, command{op: opSkip}, 2},
		{"unknown GS", []byte{0x1D, 0x7E, 'x'}, command{op: opSkip}, 2},
		{"tab positions", []byte{0x1B, 0x44, 8, 16, 0, 'x'}, command{op: opSkip}, 5},
		{"barcode A", []byte{0x1D, 0x6B, 0x02, '1', '2', 0, 'x'}, command{op: opSkip}, 6},
		{"huge raster skipped by header", []byte{0x1D, 0x76, 0x30, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 'x'}, command{op: opSkip}, 8},
		{"NUL", []byte{0x00, 'x'}, command{op: opSkip}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n, err := parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.raw = tt.in[:tt.n]
			if n != tt.n || c.op != tt.want.op || c.n != tt.want.n || c.m != tt.want.m ||
				!bytes.Equal(c.data, tt.want.data) || !bytes.Equal(c.raw, tt.want.raw) {
				t.Errorf("parse = %+v, %d; want %+v, %d", c, n, tt.want, tt.n)
			}
			for i := range tt.n {
				if tt.in[0] == 'a' {
					break // text is never incomplete
				}
				if _, _, err := parse(tt.in[:i]); !errors.Is(err, errIncomplete) {
					t.Errorf("parse of %d bytes = %v, want errIncomplete", i, err)
				}
			}
		})
	}
}

// TestParseSplit: however a stream is cut into reads, the printer sees
// the same commands.
func TestParseSplit(t *testing.T) {
	var b escpos.Builder
	b.Init()
	b.CodeTable(escpos.CodeTableWPC1252)
	b.Line("Summe 12,50 €")
	b.QR("payload", 4)
	b.Cut(escpos.CutPartial, 3)
	b.ConfirmationRequest("S001")
	stream := b.Bytes()
	whole := commands(t, [][]byte{stream})
	for cut := 1; cut < len(stream); cut++ {
		split := commands(t, [][]byte{stream[:cut], stream[cut:]})
		if !sameCommands(mergeText(split), mergeText(whole)) {
			t.Fatalf("cut at %d: %d commands, want %d", cut, len(split), len(whole))
		}
	}
}

// commands parses the stream arriving in the given reads, as Serve does.
func commands(t *testing.T, reads [][]byte) []command {
	t.Helper()
	var in []byte
	var cs []command
	for _, r := range reads {
		in = append(in, r...)
		for {
			c, n, err := parse(in)
			if err != nil {
				break
			}
			c.data, c.raw = bytes.Clone(c.data), bytes.Clone(c.raw)
			cs = append(cs, c)
			in = in[n:]
		}
	}
	if len(in) != 0 {
		t.Fatalf("%d bytes left", len(in))
	}
	return cs
}

// mergeText joins text runs that a read boundary split.
func mergeText(cs []command) []command {
	var out []command
	for _, c := range cs {
		if n := len(out); n > 0 && c.op == opText && out[n-1].op == opText {
			out[n-1].data = append(bytes.Clone(out[n-1].data), c.data...)
			out[n-1].raw = append(bytes.Clone(out[n-1].raw), c.raw...)
			continue
		}
		out = append(out, c)
	}
	return out
}

func sameCommands(a, b []command) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].op != b[i].op || a[i].n != b[i].n || a[i].m != b[i].m || !bytes.Equal(a[i].data, b[i].data) || !bytes.Equal(a[i].raw, b[i].raw) {
			return false
		}
	}
	return true
}

// FuzzParse checks that parsing always makes progress and never takes
// more than it was given.
func FuzzParse(f *testing.F) {
	f.Add([]byte{0x1B, 0x40, 'x', 0x0A, 0x1D, 0x56, 0x42, 0x00})
	f.Add([]byte{0x1B, 0x26, 0x03, 0x20, 0x21, 0x02, 1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, p []byte) {
		for len(p) > 0 {
			_, n, err := parse(p)
			if err != nil {
				if !errors.Is(err, errIncomplete) {
					t.Fatal(err)
				}
				return
			}
			if n <= 0 || n > len(p) {
				t.Fatalf("parse took %d of %d bytes", n, len(p))
			}
			p = p[n:]
		}
	})
}
