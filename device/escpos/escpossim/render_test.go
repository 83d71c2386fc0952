package escpossim_test

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escpossim"
	"github.com/fiscald/fiscald/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// rksvPayload is shaped like an RKSV receipt's machine-readable code.
const rksvPayload = "_R1-AT1_kasse_ft1#1_2026-11-30T10:00:00_0,00_12,50_0,00_0,00_0,00_abc=_1234_def=_ghi"

// receipt is a typical fiscald receipt.
func receipt(t *testing.T) []byte {
	t.Helper()
	var b escpos.Builder
	b.Init()
	b.CodeTable(escpos.CodeTableWPC1252)
	b.Align(escpos.AlignCenter)
	b.Size(2, 2)
	b.Bold(true)
	b.Line("Bäckerei Müller")
	b.Bold(false)
	b.Size(1, 1)
	b.Line("Hauptstraße 1, 1010 Wien")
	b.Align(escpos.AlignLeft)
	b.LF()
	b.Line("2 × Semmel                          0,90 €")
	b.Underline(1)
	b.Line("1 × Kaffee                          2,60 €")
	b.Underline(0)
	b.Align(escpos.AlignRight)
	b.Bold(true)
	b.Line("Summe 3,50 €")
	b.Bold(false)
	b.Font(escpos.FontB)
	b.Align(escpos.AlignLeft)
	b.Line("Font B: 64 columns on 80 mm paper, this line is long enough to wrap.")
	b.Font(escpos.FontA)
	b.Align(escpos.AlignCenter)
	b.QR(rksvPayload, 4)
	b.Feed(2)
	b.Cut(escpos.CutPartial, 3)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRenderTextGolden(t *testing.T) {
	got, err := escpossim.RenderText(receipt(t))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "receipt.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("RenderText =\n%s\nwant (%s)\n%s", got, golden, want)
	}
}

func TestRenderImageLayout(t *testing.T) {
	img, err := escpossim.Render(receipt(t))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != escpossim.DefaultWidth {
		t.Errorf("width %d, want %d", w, escpossim.DefaultWidth)
	}
	img58, err := escpossim.Renderer{Width: 384}.Image(receipt(t))
	if err != nil {
		t.Fatal(err)
	}
	if w := img58.Bounds().Dx(); w != 384 {
		t.Errorf("58 mm width %d", w)
	}
	// Centred text: the double-size title leaves both margins white
	// and has ink in the middle.
	inkIn := func(r image.Rectangle) bool {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
					return true
				}
			}
		}
		return false
	}
	title := image.Rect(0, 0, escpossim.DefaultWidth, 48)
	if inkIn(image.Rect(0, 0, 100, 48)) || inkIn(image.Rect(476, 0, 576, 48)) || !inkIn(title) {
		t.Error("title line not centred")
	}
}

// TestQRRoundTrip is the /issue test of devices.md §3.8: a job with the
// receipt's QR code goes through the simulator, the recorded job is
// rendered to PNG, and the PNG decodes to the payload.
func TestQRRoundTrip(t *testing.T) {
	ctx := testCtx(t)
	sim := newSim(t)
	h := connect(t, ctx, sim)
	data := append(receipt(t), escpos.GS, '(', 'H', 6, 0, '0', '0', 'Q', 'R', '0', '1')
	h.send(t, data)
	h.expect(t, ctx, 0x37, 0x22, 'Q', 'R', '0', '1', 0)
	jobs := sim.Jobs()
	if len(jobs) != 1 || jobs[0].ID != "QR01" {
		t.Fatalf("jobs = %+v", jobs)
	}
	img, err := escpossim.Render(jobs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(&file)
	if err != nil {
		t.Fatal(err)
	}
	if got := goldentest.ScanQR(t, decoded); got != rksvPayload {
		t.Errorf("QR text = %q\nwant       %q", got, rksvPayload)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
	}{
		{"ends inside a command", []byte{0x1B, 0x40, 0x1D, 0x28, 0x6B, 0x10, 0x00, 0x31}},
		{"QR too wide", func() []byte {
			var b escpos.Builder
			b.QR(strings.Repeat("x", 1000), 16)
			return b.Bytes()
		}()},
		{"micro QR", []byte{0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x33, 0x00,
			0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x50, 0x30, 'x',
			0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := escpossim.Render(tt.stream); !errors.Is(err, escpossim.ErrRender) {
				t.Errorf("Render = %v, want ErrRender", err)
			}
		})
	}
}

// TestRenderSkipsUnknown: commands the renderer does not model are
// skipped by their length, and the text around them prints intact.
func TestRenderSkipsUnknown(t *testing.T) {
	var b escpos.Builder
	b.Init()
	b.Line("before")
	b.Raw(0x1B, 0x70, 0x00, 0x19, 0xFA)                               // drawer kick
	b.Raw(0x1D, 0x6B, 0x43, 0x0C)                                     // EAN13, function B
	b.Raw([]byte("400638133393")...)                                  // its data
	b.Raw(0x1D, 0x28, 0x4C, 0x02, 0x00, 0x30, 0x32)                   // graphics function
	b.Raw(0x1B, 0x2A, 0x21, 0x02, 0x00, 1, 2, 3, 4, 5, 6)             // 24-dot bit image
	b.Raw(0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x02, 0x00, 0xFF, 0x81) // raster 8×2
	b.Raw(0x10, 0x14, 0x08, 1, 3, 20, 1, 6, 2, 8)                     // DLE DC4 clear buffer
	b.Raw(0x1B, 0x7E)                                                 // unknown ESC ~
	b.Line("after")
	got, err := escpossim.RenderText(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := "before\n[raster 8x2]\nafter\n"
	if got != want {
		t.Errorf("RenderText = %q, want %q", got, want)
	}
}

// FuzzRender checks that any stream renders or fails with ErrRender, and
// never panics.
func FuzzRender(f *testing.F) {
	f.Add([]byte{0x1B, 0x40, 'x', 0x0A, 0x1D, 0x56, 0x42, 0x00})
	f.Add([]byte{0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x50, 0x30, 'x', 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30})
	f.Add([]byte{0x1D, 0x76, 0x30, 0x03, 0x02, 0x00, 0x02, 0x00, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, stream []byte) {
		if _, err := escpossim.Render(stream); err != nil && !errors.Is(err, escpossim.ErrRender) {
			t.Fatalf("Render: %v", err)
		}
	})
}

// TestQRDecodable renders QR codes of RKSV-sized payloads at the usual
// module sizes and decodes them from the image.
func TestQRDecodable(t *testing.T) {
	long := rksvPayload + "_" + strings.Repeat("SGVsbG8gV29ybGQh", 12)
	for _, payload := range []string{"1234567890", "HELLO WORLD", rksvPayload, long} {
		for _, module := range []int{3, 4, 6} {
			var b escpos.Builder
			b.QR(payload, module)
			img, err := escpossim.Render(b.Bytes())
			if err != nil {
				t.Fatalf("%d bytes, module %d: %v", len(payload), module, err)
			}
			if got := goldentest.ScanQR(t, img); got != payload {
				t.Errorf("%d bytes, module %d: decoded %q", len(payload), module, got)
			}
		}
	}
}
