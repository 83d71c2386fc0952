// Package qrsymbol encodes QR codes the way a careful encoder does: the
// smallest version that holds the data and the mask with the lowest
// penalty score. Both the digital receipt and the printer simulator draw
// their symbols from it, so the two agree module for module.
package qrsymbol

import (
	"errors"
	"fmt"

	"rsc.io/qr/coding"
)

// ErrTooLong is returned for data that no QR version holds at the level.
var ErrTooLong = errors.New("data too long for a QR symbol")

// Encode encodes data as a model 2 QR symbol at level, in the smallest
// version that holds it, with the mask of the lowest penalty score of
// ISO/IEC 18004 §8.8.2 (what a printer chooses). rsc.io/qr's own Encode
// always takes mask 0, whose symbols can contain finder-like patterns
// that make decoders miss the real ones.
func Encode(data []byte, level coding.Level) (*coding.Code, error) {
	enc := encoding(string(data))
	v, err := version(enc, level)
	if err != nil {
		return nil, err
	}
	var best *coding.Code
	bestScore := 0
	for mask := coding.Mask(0); mask < 8; mask++ {
		plan, err := coding.NewPlan(v, level, mask)
		if err != nil {
			return nil, fmt.Errorf("QR plan: %w", err)
		}
		code, err := plan.Encode(enc)
		if err != nil {
			return nil, fmt.Errorf("QR encode: %w", err)
		}
		if s := penalty(code); best == nil || s < bestScore {
			best, bestScore = code, s
		}
	}
	return best, nil
}

// Size is the side in modules of the symbol Encode makes of data, without
// encoding it: what a layout needs to measure.
func Size(data []byte, level coding.Level) (int, error) {
	v, err := version(encoding(string(data)), level)
	return 17 + 4*int(v), err
}

// version is the smallest version that holds enc at level.
func version(enc coding.Encoding, level coding.Level) (coding.Version, error) {
	for v := coding.Version(coding.MinVersion); v <= coding.MaxVersion; v++ {
		if enc.Bits(v) <= v.DataBytes(level)*8 {
			return v, nil
		}
	}
	return 0, ErrTooLong
}

// encoding is the densest mode that holds text: digits, the alphanumeric
// set, or bytes.
func encoding(text string) coding.Encoding {
	switch {
	case coding.Num(text).Check() == nil:
		return coding.Num(text)
	case coding.Alpha(text).Check() == nil:
		return coding.Alpha(text)
	default:
		return coding.String(text)
	}
}

// penalty is the score of ISO/IEC 18004 §8.8.2: runs of five or more
// modules of one colour (N1), 2×2 blocks (N2), finder-like 1:1:3:1:1
// patterns with four light modules beside them (N3), and dark modules far
// from half of the symbol (N4).
func penalty(c *coding.Code) int {
	n := c.Size
	at := func(x, y int, vertical bool) bool {
		if vertical {
			return c.Black(y, x)
		}
		return c.Black(x, y)
	}
	score := 0
	for _, vertical := range []bool{false, true} {
		for y := range n {
			run := 1
			for x := 1; x <= n; x++ {
				if x < n && at(x, y, vertical) == at(x-1, y, vertical) {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
			for x := 0; x+7 <= n; x++ {
				if finderLike(func(i int) bool { return at(x+i, y, vertical) }) &&
					(lightRun(func(i int) bool { return at(x-1-i, y, vertical) }, x) ||
						lightRun(func(i int) bool { return at(x+7+i, y, vertical) }, n-x-7)) {
					score += 40
				}
			}
		}
	}
	dark := 0
	for y := range n {
		for x := range n {
			if c.Black(x, y) {
				dark++
			}
			if x+1 < n && y+1 < n {
				b := c.Black(x, y)
				if c.Black(x+1, y) == b && c.Black(x, y+1) == b && c.Black(x+1, y+1) == b {
					score += 3
				}
			}
		}
	}
	pct := dark * 100 / (n * n)
	dev := pct - 50
	if dev < 0 {
		dev = -dev
	}
	return score + 10*(dev/5)
}

// finderLike reports dark-light-dark-dark-dark-light-dark at 0..6.
func finderLike(at func(int) bool) bool {
	want := [7]bool{true, false, true, true, true, false, true}
	for i, w := range want {
		if at(i) != w {
			return false
		}
	}
	return true
}

// lightRun reports four light modules at 0..3 (outside the symbol counts
// as light: the quiet zone), of which room lie inside the symbol.
func lightRun(at func(int) bool, room int) bool {
	for i := range 4 {
		if i < room && at(i) {
			return false
		}
	}
	return true
}
