package journal

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func chainOf(n byte) ChainID { return ChainID{15: n} }

func open(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return db
}

func appendN(t *testing.T, db *DB, c ChainID, n int) {
	t.Helper()
	for i := range n {
		b := db.NewBatch()
		if _, _, err := b.Append(c, 1, time.Unix(int64(i), 0), []byte(fmt.Sprintf("body-%d", i))); err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAppendScanReopen(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	a, b := chainOf(1), chainOf(2)
	appendN(t, db, a, 5)
	appendN(t, db, b, 3)
	seqA, hashA, _ := db.Head(a)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, dir)
	defer db.Close()
	seq, hash, err := db.Head(a)
	if err != nil || seq != 5 || hash != seqA2(seqA, hashA, seq, hash) {
		t.Fatalf("Head(a) after reopen = %d %x %v, want 5 %x", seq, hash, err, hashA)
	}
	var prev Hash
	var got []string
	err = db.Scan(a, 0, 0, func(e Entry) error {
		if e.Prev != prev {
			return fmt.Errorf("entry %d prev %x, want %x", e.Seq, e.Prev, prev)
		}
		prev = e.Hash
		got = append(got, string(e.Body))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0] != "body-0" || got[4] != "body-4" {
		t.Fatalf("Scan(a) = %v", got)
	}
	var ranged []uint64
	_ = db.Scan(a, 2, 3, func(e Entry) error { ranged = append(ranged, e.Seq); return nil })
	if fmt.Sprint(ranged) != "[2 3]" {
		t.Fatalf("Scan(a, 2, 3) seqs = %v", ranged)
	}
	chains, err := db.Chains()
	if err != nil || len(chains) != 2 || chains[0] != a || chains[1] != b {
		t.Fatalf("Chains() = %v, %v", chains, err)
	}
	// Appending continues the chain after a reopen.
	appendN(t, db, a, 1)
	e, err := db.Entry(a, 6)
	if err != nil || e.Prev != hashA {
		t.Fatalf("entry 6 prev = %x (%v), want head before reopen %x", e.Prev, err, hashA)
	}
}

// seqA2 returns want when the reopened head matches what was written, so the
// comparison in the caller reads as one expression.
func seqA2(wantSeq uint64, want Hash, gotSeq uint64, got Hash) Hash {
	if wantSeq != gotSeq {
		return Hash{}
	}
	return want
}

func TestSeveralEntriesInOneBatchLink(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	c := chainOf(7)
	b := db.NewBatch()
	s1, h1, _ := b.Append(c, 1, time.Now(), []byte("one"))
	s2, _, _ := b.Append(c, 2, time.Now(), []byte("two"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	e, _ := db.Entry(c, s2)
	if s1 != 1 || s2 != 2 || e.Prev != h1 || e.Kind != 2 {
		t.Fatalf("seqs %d %d, entry 2 prev %x kind %d; want 1 2 %x 2", s1, s2, e.Prev, e.Kind, h1)
	}
}

func TestTwoWritersOnOneChainRefused(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	c := chainOf(3)
	b1, b2 := db.NewBatch(), db.NewBatch()
	b1.Append(c, 1, time.Now(), []byte("a"))
	b2.Append(c, 1, time.Now(), []byte("b"))
	if err := b1.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b2.Commit(); !errors.Is(err, ErrChainMoved) {
		t.Fatalf("second writer: err = %v, want ErrChainMoved", err)
	}
	if seq, _, _ := db.Head(c); seq != 1 {
		t.Fatalf("head = %d after refused batch, want 1", seq)
	}
}

func TestRecords(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	b := db.NewBatch()
	b.Set(1, []byte("k1"), []byte("v1"))
	b.Set(1, []byte("k2"), []byte("v2"))
	b.Set(2, []byte("k1"), []byte("other"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get(1, []byte("k1")); err != nil || string(v) != "v1" {
		t.Fatalf("Get = %q %v", v, err)
	}
	if _, err := db.Get(1, []byte("nope")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
	var keys []string
	db.ScanRecords(1, []byte("k"), func(k, v []byte) error { keys = append(keys, string(k)+"="+string(v)); return nil })
	if fmt.Sprint(keys) != "[k1=v1 k2=v2]" {
		t.Fatalf("ScanRecords = %v", keys)
	}
}

func TestLockedDirectory(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	defer db.Close()
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: err = %v, want ErrLocked", err)
	}
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	appendN(t, db, chainOf(1), 2)
	db.Close()
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, _, err := ro.NewBatch().Append(chainOf(1), 1, time.Now(), nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append read-only: %v", err)
	}
	if seq, _, _ := ro.Head(chainOf(1)); seq != 2 {
		t.Fatalf("read-only head = %d", seq)
	}
	if _, err := Open(t.TempDir()+"/missing", Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing directory succeeded")
	}
}

func TestConcurrentCommitsAllDurable(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			c := chainOf(byte(w + 1))
			for i := range 50 {
				b := db.NewBatch()
				b.Append(c, 1, time.Now(), []byte{byte(i)})
				if err := b.Commit(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	db.Close()
	db = open(t, dir)
	defer db.Close()
	reports, err := db.Verify()
	if err != nil || len(reports) != 16 {
		t.Fatalf("Verify: %d chains, %v", len(reports), err)
	}
	for _, r := range reports {
		if r.Err != nil || r.Entries != 50 {
			t.Errorf("chain %s: %d entries, err %v", r.Chain, r.Entries, r.Err)
		}
	}
}

// TestVerifyFindsBrokenLinks tampers with the stored bytes the way a disk
// error or an editor would and checks that Verify names the first bad entry.
func TestVerifyFindsBrokenLinks(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func(db *DB, c ChainID)
		wantSeq uint64
	}{
		{"body changed", func(db *DB, c ChainID) {
			e, _ := db.Entry(c, 3)
			v := encodeEntry(nil, e.Kind, 3, e.Time, e.Prev, []byte("forged"))
			db.pdb.Set(entryKey(nil, c, 3), v, nil)
		}, 4},
		{"entry deleted", func(db *DB, c ChainID) { db.pdb.Delete(entryKey(nil, c, 2), nil) }, 3},
		{"unknown version", func(db *DB, c ChainID) {
			e, _ := db.Entry(c, 5)
			v := encodeEntry(nil, e.Kind, 5, e.Time, e.Prev, e.Body)
			v[0] = 9
			db.pdb.Set(entryKey(nil, c, 5), v, nil)
		}, 5},
		{"sequence rewritten", func(db *DB, c ChainID) {
			e, _ := db.Entry(c, 4)
			db.pdb.Set(entryKey(nil, c, 4), encodeEntry(nil, e.Kind, 40, e.Time, e.Prev, e.Body), nil)
		}, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t, t.TempDir())
			defer db.Close()
			c := chainOf(9)
			appendN(t, db, c, 6)
			appendN(t, db, chainOf(10), 2)
			tc.tamper(db, c)
			reports, err := db.Verify()
			if err != nil {
				t.Fatal(err)
			}
			if len(reports) != 2 || reports[0].Err == nil || reports[0].Err.Seq != tc.wantSeq {
				t.Fatalf("report = %+v, want first break at %d", reports[0], tc.wantSeq)
			}
			if reports[1].Err != nil {
				t.Fatalf("untouched chain reported broken: %v", reports[1].Err)
			}
		})
	}
}

func TestHeadChecksTailOnLoad(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	c := chainOf(4)
	appendN(t, db, c, 3)
	e, _ := db.Entry(c, 3)
	forged := encodeEntry(nil, e.Kind, 3, e.Time, Hash{1}, e.Body)
	db.pdb.Set(entryKey(nil, c, 3), forged, nil)
	db.Close()
	db = open(t, dir)
	defer db.Close()
	var ce *CorruptError
	if _, _, err := db.Head(c); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("Head of forged tail: %v", err)
	}
}

func TestChainIDRoundTrip(t *testing.T) {
	const s = "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"
	id, err := ParseChainID("8D3F3F1E-2B7A-4C55-9A0E-6F1F4B2A9C01")
	if err != nil || id.String() != s {
		t.Fatalf("ParseChainID = %s %v", id, err)
	}
	for _, bad := range []string{"", "8d3f3f1e2b7a4c559a0e6f1f4b2a9c01", "zd3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"} {
		if _, err := ParseChainID(bad); err == nil {
			t.Errorf("ParseChainID(%q) accepted", bad)
		}
	}
	if !bytes.Equal(incrementKey([]byte{1, 0xff}), []byte{2}) {
		t.Fatal("incrementKey")
	}
}

func TestLastOfKind(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	c := chainOf(5)
	if _, err := db.Last(c, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Last on an empty chain: %v", err)
	}
	b := db.NewBatch()
	b.Append(c, 1, time.Now(), []byte("item-1"))
	b.Append(c, 1, time.Now(), []byte("item-2"))
	b.Append(c, 2, time.Now(), []byte("action"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	e, err := db.Last(c, 1)
	if err != nil || string(e.Body) != "item-2" || e.Seq != 2 {
		t.Fatalf("Last(kind 1) = %d %q %v", e.Seq, e.Body, err)
	}
	if _, err := db.Last(c, 3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Last of a missing kind: %v", err)
	}
}
