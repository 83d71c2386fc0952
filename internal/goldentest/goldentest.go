// Package goldentest compares rendered images with golden PNG files, for
// tests: by decoded pixels (the PNG encoder's compression may change
// between Go releases), within a tolerance, describing the area that
// differs; a differing rendering is written to the test's artifact
// directory, and -update rewrites the golden. It also reads the QR code
// off an image. Only tests import it.
package goldentest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Image compares got with the golden PNG dir/name, pixel by pixel within
// tolerance (see DiffImages). With update it writes the golden, but
// rewrites an existing one only if its pixels differ. Otherwise a missing
// golden is fatal, and a differing one is an error; got is then written
// to the test's artifact directory (kept with go test -artifacts).
func Image(t testing.TB, dir, name string, got image.Image, tolerance int, update bool) {
	t.Helper()
	path := filepath.Join(dir, name)
	want, err := os.ReadFile(path)
	switch {
	case err != nil && !update:
		t.Fatalf("%v (go test -update creates it)", err)
	case err == nil:
		d := DiffImages(got, DecodePNG(t, want), tolerance)
		if d == "" {
			return
		}
		if !update {
			out := filepath.Join(t.ArtifactDir(), name)
			WritePNG(t, out, got)
			t.Errorf("%s: %s (rendering written to %s, kept with go test -artifacts; go test -update rewrites the golden)", name, d, out)
			return
		}
	}
	WritePNG(t, path, got)
}

// DiffImages compares two images by their gray levels, a pixel differing
// if its levels are more than tolerance apart, and describes the
// difference (how many pixels, the first, the rectangle holding all), or
// returns "".
func DiffImages(got, want image.Image, tolerance int) string {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Size() != wb.Size() {
		return fmt.Sprintf("image is %dx%d, golden %dx%d", gb.Dx(), gb.Dy(), wb.Dx(), wb.Dy())
	}
	var n int
	var first image.Point
	var box image.Rectangle
	for y := range gb.Dy() {
		for x := range gb.Dx() {
			g := int(color.GrayModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.Gray).Y)
			w := int(color.GrayModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.Gray).Y)
			if abs(g-w) <= tolerance {
				continue
			}
			px := image.Rect(x, y, x+1, y+1)
			if n == 0 {
				first, box = px.Min, px
			}
			box = box.Union(px)
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d pixels differ, first at %v, all within %v", n, gb.Dx()*gb.Dy(), first, box)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// WritePNG encodes img as PNG into the file path.
func WritePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// DecodePNG decodes the PNG image b.
func DecodePNG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// ScanQR returns the payload of the QR code on img; finding none is fatal.
// The decoder looks for finder patterns row by row and, for about one
// clean symbol in a hundred, settles on a false candidate among the data
// modules; the candidates differ with the orientation, so ScanQR tries
// the image turned by each quarter before it gives up, as a person turns
// a phone.
func ScanQR(t testing.TB, img image.Image) string {
	t.Helper()
	var errs []error
	for turn := range 4 {
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().DecodeWithoutHints(bmp)
		if err == nil {
			return res.GetText()
		}
		errs = append(errs, fmt.Errorf("turned %d°: %w", 90*turn, err))
		img = quarterTurn(img)
	}
	t.Fatalf("no QR code found: %v", errors.Join(errs...))
	return ""
}

// quarterTurn returns img turned 90° clockwise.
func quarterTurn(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(b.Max.Y-1-y, x-b.Min.X, img.At(x, y))
		}
	}
	return out
}
