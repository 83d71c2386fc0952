package rksv_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// decodeDEP checks that b is exactly one DEP7 document of the required shape
// and returns it decoded.
func decodeDEP(t *testing.T, b []byte) depDocument {
	t.Helper()
	if _, _, err := depShape(bytes.NewReader(b)); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var doc depDocument
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("DEP does not decode: %v\n%s", err, b)
	}
	return doc
}

// depShape walks a DEP token by token: exact keys in exact order, strings
// and arrays where required (never null), no certification authorities,
// nothing after the document. It holds one token at a time, so it checks
// streams of any size. It returns the number of groups and receipts.
func depShape(r io.Reader) (groups, receipts int, err error) {
	dec := json.NewDecoder(r)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("DEP at offset %d: %s", dec.InputOffset(), fmt.Sprintf(format, args...))
	}
	expect := func(want json.Token) error {
		tok, err := dec.Token()
		if err != nil {
			return fail("%v", err)
		}
		if tok != want {
			return fail("token %v, want %v", tok, want)
		}
		return nil
	}
	str := func() error {
		tok, err := dec.Token()
		if err != nil {
			return fail("%v", err)
		}
		if _, ok := tok.(string); !ok {
			return fail("%v is not a string", tok)
		}
		return nil
	}
	strArray := func() (int, error) {
		if err := expect(json.Delim('[')); err != nil {
			return 0, err
		}
		n := 0
		for ; dec.More(); n++ {
			if err := str(); err != nil {
				return n, err
			}
		}
		return n, expect(json.Delim(']'))
	}
	for _, tok := range []json.Token{json.Delim('{'), "Belege-Gruppe", json.Delim('[')} {
		if err := expect(tok); err != nil {
			return groups, receipts, err
		}
	}
	for dec.More() {
		for _, step := range []func() error{
			func() error { return expect(json.Delim('{')) },
			func() error { return expect("Signaturzertifikat") },
			str,
			func() error { return expect("Zertifizierungsstellen") },
			func() error {
				n, err := strArray()
				if err == nil && n != 0 {
					err = fail("%d Zertifizierungsstellen, want none", n)
				}
				return err
			},
			func() error { return expect("Belege-kompakt") },
			func() error {
				n, err := strArray()
				receipts += n
				return err
			},
			func() error { return expect(json.Delim('}')) },
		} {
			if err := step(); err != nil {
				return groups, receipts, err
			}
		}
		groups++
	}
	for _, tok := range []json.Token{json.Delim(']'), json.Delim('}')} {
		if err := expect(tok); err != nil {
			return groups, receipts, err
		}
	}
	if tok, err := dec.Token(); err != io.EOF {
		return groups, receipts, fail("trailing data %v, %v", tok, err)
	}
	return groups, receipts, nil
}

// fakeJWS is a well-formed JWS for receipt i (the DEP writer does not look
// at signatures).
func fakeJWS(i int) string {
	si := rksv.SigningInput(fmt.Sprintf("_R1-AT1_K_%d_2026-01-01T00:00:00_0,00_0,00_0,00_0,00_0,00_VFJB_1_cg8hNU5ihto=", i))
	return rksv.FailedJWS(si)
}

func writeDEP(t *testing.T, adds []depAdd) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := rksv.NewDEPWriter(&buf)
	for _, a := range adds {
		if err := w.Add(a.cert, a.jws); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

type depAdd struct {
	cert []byte
	jws  string
}

func TestDEPWriterGroups(t *testing.T) {
	certA, certB := []byte("certificate A"), []byte("certificate B, longer")
	b64 := base64.StdEncoding.EncodeToString
	j := make([]string, 8)
	for i := range j {
		j[i] = fakeJWS(i)
	}
	tests := []struct {
		name string
		adds []depAdd
		want depDocument
	}{
		{"empty: one empty group", nil, depDocument{[]depGroup{{"", []string{}, []string{}}}}},
		{"one receipt without certificate", []depAdd{{nil, j[0]}},
			depDocument{[]depGroup{{"", []string{}, []string{j[0]}}}}},
		{"nil and empty certificate are the same group", []depAdd{{nil, j[0]}, {[]byte{}, j[1]}},
			depDocument{[]depGroup{{"", []string{}, []string{j[0], j[1]}}}}},
		{"split on every change", []depAdd{
			{certA, j[0]}, {certA, j[1]}, {nil, j[2]}, {[]byte{}, j[3]}, {certB, j[4]}, {certA, j[5]}, {certA, j[6]},
		}, depDocument{[]depGroup{
			{b64(certA), []string{}, []string{j[0], j[1]}},
			{"", []string{}, []string{j[2], j[3]}},
			{b64(certB), []string{}, []string{j[4]}},
			{b64(certA), []string{}, []string{j[5], j[6]}},
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := writeDEP(t, tc.adds)
			if got := decodeDEP(t, out); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DEP =\n%s\nwant %+v", out, tc.want)
			}
		})
	}
}

func TestDEPWriterEmptyExact(t *testing.T) {
	out := writeDEP(t, nil)
	if got := strings.TrimSpace(string(out)); got != "{\"Belege-Gruppe\":[\n{\"Signaturzertifikat\":\"\",\"Zertifizierungsstellen\":[],\"Belege-kompakt\":[]}]}" {
		t.Errorf("empty DEP = %q", out)
	}
}

// TestDEPWriterGolden pins the exact bytes, so that formatting changes are
// deliberate (go test -run Golden -update rewrites the file).
func TestDEPWriterGolden(t *testing.T) {
	out := writeDEP(t, []depAdd{
		{[]byte{0x30, 0x82, 0x01}, fakeJWS(1)}, {[]byte{0x30, 0x82, 0x01}, fakeJWS(2)},
		{nil, fakeJWS(3)},
	})
	path := filepath.Join("testdata", "dep-groups.golden.json")
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("DEP =\n%s\nwant (%s)\n%s", out, path, want)
	}
	decodeDEP(t, out)
}

func TestDEPWriterCopiesCertificate(t *testing.T) {
	var buf bytes.Buffer
	w := rksv.NewDEPWriter(&buf)
	cert := []byte("certificate A")
	if err := w.Add(cert, fakeJWS(0)); err != nil {
		t.Fatal(err)
	}
	copy(cert, "CERTIFICATE B") // the caller reuses its buffer
	if err := w.Add(cert, fakeJWS(1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if doc := decodeDEP(t, buf.Bytes()); len(doc.Groups) != 2 {
		t.Errorf("%d groups after the certificate bytes changed, want 2:\n%s", len(doc.Groups), buf.Bytes())
	}
}

func TestDEPWriterRejectsMalformedJWS(t *testing.T) {
	good := fakeJWS(0)
	bad := []string{
		"", "x", good + ".x", strings.Replace(good, ".", "", 1), "eyJhbGciOiJSUzI1NiJ9" + good[len(rksv.HeaderB64):],
		good + "=", good + `"`, good[:len(good)-1] + "\\", good + "\n", rksv.HeaderB64 + "..",
	}
	var buf bytes.Buffer
	w := rksv.NewDEPWriter(&buf)
	if err := w.Add(nil, good); err != nil {
		t.Fatal(err)
	}
	for _, jws := range bad {
		if err := w.Add(nil, jws); err == nil {
			t.Errorf("Add(%q) succeeded, want error", jws)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if doc := decodeDEP(t, buf.Bytes()); len(doc.Groups) != 1 || len(doc.Groups[0].Receipts) != 1 {
		t.Errorf("rejected receipts reached the DEP:\n%s", buf.Bytes())
	}
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after < len(p) {
		n := max(f.after, 0)
		f.after = 0
		return n, errors.New("disk full")
	}
	f.after -= len(p)
	return len(p), nil
}

func TestDEPWriterWriteError(t *testing.T) {
	w := rksv.NewDEPWriter(&failingWriter{after: 100})
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		err = w.Add(nil, fakeJWS(i))
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error = %v, want the writer's", err)
	}
	if err2 := w.Add(nil, fakeJWS(0)); err2 == nil {
		t.Error("Add after a write error succeeded")
	}
	if err2 := w.Close(); err2 == nil {
		t.Error("Close after a write error succeeded")
	}
}

func TestDEPWriterAfterClose(t *testing.T) {
	var buf bytes.Buffer
	w := rksv.NewDEPWriter(&buf)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(nil, fakeJWS(0)); err == nil {
		t.Error("Add after Close succeeded")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	decodeDEP(t, buf.Bytes())
}

func TestDEPWriterAddAllocations(t *testing.T) {
	w := rksv.NewDEPWriter(io.Discard)
	cert := []byte("certificate")
	jws := fakeJWS(0)
	if err := w.Add(cert, jws); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := w.Add(cert, jws); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Add within a group allocates %v times, want 0 (constant memory)", allocs)
	}
}

// TestDEPWriterManyReceipts streams 100,000 receipts (about 40 MB of JSON)
// into a decoder that validates the document token by token, and checks
// that the heap stays far below the size of the output.
func TestDEPWriterManyReceipts(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("streams 40 MB; skipped in -short mode (never under CI)")
	}
	const (
		n        = 100_000
		perGroup = 30_000
		heapCap  = 8 << 20
	)
	pr, pw := io.Pipe()
	type result struct {
		groups, receipts int
		err              error
	}
	done := make(chan result)
	go func() {
		var r result
		r.groups, r.receipts, r.err = depShape(pr)
		pr.CloseWithError(errors.New("reader stopped")) // unblock the writer on a shape error
		done <- r
	}()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc

	w := rksv.NewDEPWriter(pw)
	for i := range n {
		cert := []byte(fmt.Sprintf("device %d", i/perGroup))
		if err := w.Add(cert, fakeJWS(i)); err != nil {
			t.Fatalf("Add %d: %v", i, err)
		}
		if i%10_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if want := (n + perGroup - 1) / perGroup; r.groups != want || r.receipts != n {
		t.Errorf("stream has %d groups, %d receipts; want %d, %d", r.groups, r.receipts, want, n)
	}
	grow := int64(peak) - int64(base)
	t.Logf("heap growth while writing %d receipts: %d bytes", n, grow)
	if grow > heapCap {
		t.Errorf("heap grew by %d bytes while writing, want < %d", grow, heapCap)
	}
}
