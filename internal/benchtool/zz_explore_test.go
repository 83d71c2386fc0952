package main

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestExploreCeiling(t *testing.T) {
	w, _ := strconv.Atoi(os.Getenv("X_W"))
	b, _ := strconv.Atoi(os.Getenv("X_B"))
	if w == 0 {
		t.Skip()
	}
	r, err := journalCeiling(t.Context(), t.TempDir(), w, b, 4*time.Second)
	t.Logf("writers=%d bytes=%d rate=%.0f/s mean latency=%.2fms err=%v", w, b, r, float64(w)/r*1000, err)
}
