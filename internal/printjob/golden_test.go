package printjob_test

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	_ "time/tzdata" // the goldens print Vienna time on any machine

	"github.com/fiscald/fiscald/device/escpos/escpossim"
	"github.com/fiscald/fiscald/internal/goldentest"
	"github.com/fiscald/fiscald/internal/printjob"
	"github.com/fiscald/fiscald/internal/receipt"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/receipts")

// goldenDir holds the inputs and goldens internal/receipt uses too (see
// its README).
const goldenDir = "../../testdata/receipts"

// columns is the width the goldens are laid out for: 80 mm paper.
const columns = 48

// goldenReceipts are the receipts whose print jobs have goldens.
var goldenReceipts = []string{"cash-sale", "card-sale", "refund", "training", "zero", "failed-signature"}

// input is one test receipt: the stored request and response, and the
// payload its QR code must carry.
type input struct {
	name, request, response, qr string
}

func load(t *testing.T, name string) input {
	t.Helper()
	read := func(suffix string) string {
		b, err := os.ReadFile(filepath.Join(goldenDir, name+suffix))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return input{name: name, request: read(".request.json"), response: read(".response.json"),
		qr: strings.TrimSuffix(read(".qr.txt"), "\n")}
}

// job is what the printer gets for in, and the simulator's readings of it.
type job struct {
	data []byte
	text string      // escpossim.RenderText
	img  image.Image // escpossim.Render
}

func encode(t *testing.T, in input) job {
	t.Helper()
	doc, err := receipt.Build([]byte(in.request), []byte(in.response))
	if err != nil {
		t.Fatalf("%s: Build: %v", in.name, err)
	}
	j := job{data: printjob.Encode(receipt.Lines(doc, columns))}
	if j.text, err = escpossim.RenderText(j.data); err != nil {
		t.Fatalf("%s: RenderText: %v", in.name, err)
	}
	if j.img, err = escpossim.Render(j.data); err != nil {
		t.Fatalf("%s: Render: %v", in.name, err)
	}
	return j
}

// TestGolden compares each receipt's print job with its goldens: the
// simulator's text reading (<name>.escpos.txt, the diff to read), the
// bytes themselves (<name>.escpos) and the simulator's image
// (<name>.escpos.png, compared by pixels). The code on the image must
// scan as the signed payload.
func TestGolden(t *testing.T) {
	for _, name := range goldenReceipts {
		t.Run(name, func(t *testing.T) {
			in := load(t, name)
			j := encode(t, in)
			goldenText(t, name+".escpos.txt", j.text)
			goldenBytes(t, name+".escpos", j.data)
			goldentest.Image(t, goldenDir, name+".escpos.png", j.img, 0, *update)
			if !strings.Contains(j.text, "] "+in.qr+"\n") {
				t.Errorf("the job's QR code does not hold the signed payload %q:\n%s", in.qr, j.text)
			}
			if got := goldentest.ScanQR(t, j.img); got != in.qr {
				t.Errorf("printed QR reads %q, want the signed %q", got, in.qr)
			}
		})
	}
}

// TestGoldenSeesChange: one byte changed in an input changes every
// output, and the comparisons report it. Guards against goldens that
// compare nothing.
func TestGoldenSeesChange(t *testing.T) {
	in := load(t, "cash-sale")
	for _, c := range []struct{ what, old, new string }{
		{"description", `"Melange"`, `"Melangf"`},
		{"QR payload", "_R1-AT100_", "_R1-AT101_"},
	} {
		t.Run(c.what, func(t *testing.T) {
			changed := in
			if c.what == "QR payload" {
				changed.response = strings.Replace(in.response, c.old, c.new, 1)
			} else {
				changed.request = strings.Replace(in.request, c.old, c.new, 1)
			}
			if changed == in {
				t.Fatalf("%q not in the input", c.old)
			}
			j := encode(t, changed)
			if d := diffText(j.text, string(readGolden(t, in.name+".escpos.txt"))); d == "" {
				t.Error("text reading unchanged")
			}
			if d := diffBytes(j.data, readGolden(t, in.name+".escpos")); d == "" {
				t.Error("job bytes unchanged")
			}
			if d := goldentest.DiffImages(j.img, goldentest.DecodePNG(t, readGolden(t, in.name+".escpos.png")), 0); d == "" {
				t.Error("image unchanged")
			}
			if c.what == "QR payload" {
				if got := goldentest.ScanQR(t, j.img); got == in.qr || got != strings.Replace(in.qr, c.old, c.new, 1) {
					t.Errorf("QR reads %q after the change", got)
				}
			}
		})
	}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	return b
}

func writeGolden(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(goldenDir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func goldenText(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		writeGolden(t, name, []byte(got))
		return
	}
	if d := diffText(got, string(readGolden(t, name))); d != "" {
		t.Errorf("%s: %s (go test -update rewrites the golden); got:\n%s", name, d, got)
	}
}

func goldenBytes(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		writeGolden(t, name, got)
		return
	}
	if d := diffBytes(got, readGolden(t, name)); d != "" {
		t.Errorf("%s: %s (the .escpos.txt reading shows what it prints; go test -update rewrites the golden)", name, d)
	}
}

// diffText describes the first differing line, or returns "".
func diffText(got, want string) string {
	if got == want {
		return ""
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d is %q, want %q", i+1, gl, wl)
		}
	}
	return "differs" // not reached
}

// diffBytes describes the first differing byte with some context, or
// returns "".
func diffBytes(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	around := func(b []byte) []byte { return b[max(i-8, 0):min(i+8, len(b))] }
	return fmt.Sprintf("%d bytes, golden %d; first difference at offset %d: [% x] around it, golden [% x]", len(got), len(want), i, around(got), around(want))
}
