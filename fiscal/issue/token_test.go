package issue

import (
	"path/filepath"
	"testing"

	"github.com/fiscald/fiscald/journal"
)

func TestPageTokens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	db, err := journal.Open(dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadPageTokens(db)
	if err != nil {
		t.Fatal(err)
	}
	a, b := "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c02"
	ta := p.token(a)
	if len(ta) != 43 || ta == p.token(b) || !p.valid(a, ta) || p.valid(b, ta) {
		t.Fatalf("tokens %q %q", ta, p.token(b))
	}
	changed := []byte(ta)
	changed[10] ^= 1
	for _, bad := range []string{string(changed), ta[:42], ta + "A", ""} {
		if p.valid(a, bad) {
			t.Errorf("token %q accepted", bad)
		}
	}
	db.Close()
	// The secret persists: a restart keeps every URL valid.
	db, err = journal.Open(dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p2, err := loadPageTokens(db)
	if err != nil || p2.token(a) != ta {
		t.Fatalf("after restart: %v, token changed", err)
	}
	// Another installation makes other tokens.
	db3, err := journal.Open(filepath.Join(t.TempDir(), "j"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db3.Close()
	if p3, _ := loadPageTokens(db3); p3.token(a) == ta {
		t.Error("two installations share a secret")
	}
}
