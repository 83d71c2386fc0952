package zvt

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// hx decodes hex written with spaces, as the specification prints bytes.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// ascii returns the hex of a string, for building data blocks in tables.
func ascii(s string) string { return hex.EncodeToString([]byte(s)) }

// mustAPDU decodes exactly one APDU from hex.
func mustAPDU(t testing.TB, s string) APDU {
	t.Helper()
	var a APDU
	if err := a.UnmarshalBinary(hx(t, s)); err != nil {
		t.Fatalf("APDU %s: %v", s, err)
	}
	return a
}

func encode(t testing.TB, a APDU) []byte {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatalf("encode %v: %v", a, err)
	}
	return b
}

// testCtx bounds every wait in a test: nothing may hang.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// async runs f in a goroutine; the returned channel yields its error.
func async(f func() error) <-chan error {
	c := make(chan error, 1)
	go func() { c <- f() }()
	return c
}

func equalBytes(a, b []byte) bool { return bytes.Equal(a, b) }
