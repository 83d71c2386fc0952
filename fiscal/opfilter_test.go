package fiscal

import (
	"strconv"
	"testing"
)

func TestOpFilterHasNoFalseNegatives(t *testing.T) {
	f := newOpFilter(100_000)
	for i := range 100_000 {
		f.add([]byte("key-" + strconv.Itoa(i)))
	}
	for i := range 100_000 {
		if !f.mayContain([]byte("key-" + strconv.Itoa(i))) {
			t.Fatalf("added key %d reported absent", i)
		}
	}
	fp := 0
	for i := range 100_000 {
		if f.mayContain([]byte("other-" + strconv.Itoa(i))) {
			fp++
		}
	}
	if fp > 100 { // 0.1 %
		t.Fatalf("%d false positives in 100000 lookups", fp)
	}
}
