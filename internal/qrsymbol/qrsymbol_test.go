package qrsymbol

import (
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"rsc.io/qr/coding"
)

// modules returns the symbol as the decoder's grid.
func modules(c *coding.Code) [][]bool {
	m := make([][]bool, c.Size)
	for y := range m {
		m[y] = make([]bool, c.Size)
		for x := range m[y] {
			m[y][x] = c.Black(x, y)
		}
	}
	return m
}

// TestEncodeDecodes: symbols of every encoding mode and of RKSV-like
// payloads read back through an independent decoder, in the smallest
// version, with the lowest-penalty mask.
func TestEncodeDecodes(t *testing.T) {
	payloads := []string{"0123456789", "HELLO WORLD $%*+-./:", "x"}
	for i := range 40 {
		h := sha512.Sum512([]byte(fmt.Sprint(i)))
		payloads = append(payloads, "_R1-AT1_DEMO-CB1_ft1A#"+fmt.Sprint(i)+"_2026-11-30T12:00:00_12,50_0,00_0,00_0,00_0,00_"+
			base64.StdEncoding.EncodeToString(h[:8])+"_"+base64.StdEncoding.EncodeToString(h[8:16])+"_"+
			base64.StdEncoding.EncodeToString(h[16:24])+"_"+base64.StdEncoding.EncodeToString(h[:]))
	}
	for _, p := range payloads {
		for _, level := range []coding.Level{coding.L, coding.M, coding.Q, coding.H} {
			c, err := Encode([]byte(p), level)
			if err != nil {
				t.Fatalf("%q at %v: %v", p, level, err)
			}
			if n, err := Size([]byte(p), level); err != nil || n != c.Size {
				t.Errorf("%q at %v: Size = %d, %v; the symbol has %d", p, level, n, err, c.Size)
			}
			res, err := decoder.NewDecoder().DecodeBoolMapWithoutHint(modules(c))
			if err != nil || res.GetText() != p {
				t.Fatalf("%q at %v does not read back: %v", p, level, err)
			}
			v := coding.Version((c.Size - 17) / 4)
			if smaller := v - 1; smaller >= coding.MinVersion && encoding(p).Bits(smaller) <= smaller.DataBytes(level)*8 {
				t.Errorf("%q at %v: version %d, but %d holds it", p, level, v, smaller)
			}
			best := penalty(c)
			for mask := range coding.Mask(8) {
				plan, err := coding.NewPlan(v, level, mask)
				if err != nil {
					t.Fatal(err)
				}
				other, err := plan.Encode(encoding(p))
				if err != nil {
					t.Fatal(err)
				}
				if s := penalty(other); s < best {
					t.Errorf("%q at %v: mask %d scores %d, below the chosen %d", p, level, mask, s, best)
				}
			}
		}
	}
}

func TestEncodeTooLong(t *testing.T) {
	long := []byte(strings.Repeat("x", 3000))
	if _, err := Encode(long, coding.M); !errors.Is(err, ErrTooLong) {
		t.Errorf("Encode = %v, want ErrTooLong", err)
	}
	if _, err := Size(long, coding.M); !errors.Is(err, ErrTooLong) {
		t.Errorf("Size = %v, want ErrTooLong", err)
	}
	// 2331 bytes are the most a version 40 symbol holds at level M.
	if n, err := Size([]byte(strings.Repeat("x", 2331)), coding.M); err != nil || n != 177 {
		t.Errorf("Size of 2331 bytes = %d, %v; want 177", n, err)
	}
}

// TestPenalty checks each rule of the score on small hand-made symbols.
func TestPenalty(t *testing.T) {
	tests := []struct {
		name string
		rows []string
		want int
	}{
		// No runs, no blocks, 25 of 49 dark (51 %).
		{"checkerboard", []string{"#.#.#.#", ".#.#.#.", "#.#.#.#", ".#.#.#.", "#.#.#.#", ".#.#.#.", "#.#.#.#"}, 0},
		// The top row is 1:1:3:1:1 with the quiet zone beside it (40);
		// 26 of 49 dark (53 %).
		{"finder-like", []string{"#.###.#", ".#.#.#.", "#.#.#.#", ".#.#.#.", "#.#.#.#", ".#.#.#.", "#.#.#.#"}, 40},
		// Ten runs of five (10×3), sixteen 2×2 blocks (16×3), no dark
		// module (10×10).
		{"light", []string{".....", ".....", ".....", ".....", "....."}, 178},
		// A run of seven scores 3+2 in each of the seven rows and columns.
		{"dark", []string{"#######", "#######", "#######", "#######", "#######", "#######", "#######"}, 14*5 + 36*3 + 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := penalty(symbol(tt.rows)); got != tt.want {
				t.Errorf("penalty = %d, want %d", got, tt.want)
			}
		})
	}
}

// symbol builds a code from rows of '#' (dark) and '.' (light).
func symbol(rows []string) *coding.Code {
	n := len(rows)
	c := &coding.Code{Size: n, Stride: (n + 7) / 8}
	c.Bitmap = make([]byte, n*c.Stride)
	for y, row := range rows {
		for x, m := range row {
			if m == '#' {
				c.Bitmap[y*c.Stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return c
}
