package depcheck

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// expectFinding asserts an invalid result with the given first error.
func expectFinding(t *testing.T, res Result, code string, index int) {
	t.Helper()
	if res.Valid || res.Err == nil {
		t.Fatalf("valid; want %s at %d", code, index)
	}
	if res.Err.Code != code || res.Err.Index != index {
		t.Fatalf("first error %v; want %s at %d", res.Err, code, index)
	}
}

// expectValid asserts a valid result.
func expectValid(t *testing.T, res Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid || res.Err != nil {
		t.Fatalf("invalid: %v", res.Err)
	}
}

func isCode(err error, code string) bool {
	var f *Finding
	return errors.As(err, &f) && f.Code == code
}

// flipSignatureBit flips the lowest bit of the 11th signature byte.
func flipSignatureBit(t testing.TB, jws string) string {
	t.Helper()
	i := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[i+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature of %q: %v", jws, err)
	}
	sig[10] ^= 1
	return jws[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// replaceOnce replaces exactly one occurrence, failing when there is none or
// more than one, so that a mutation never silently misses.
func replaceOnce(t testing.TB, doc []byte, old, repl string) []byte {
	t.Helper()
	if n := bytes.Count(doc, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times, want once", old, n)
	}
	return bytes.Replace(doc, []byte(old), []byte(repl), 1)
}
