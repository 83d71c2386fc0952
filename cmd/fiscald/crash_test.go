package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/internal/depcheck"
)

var crashRounds = flag.Int("crash-rounds", 20, "SIGKILL rounds in TestCrashRecovery")

// opRecord is one operation the test sent, with its answer once it had one.
type opRecord struct {
	box  int
	op   string
	body []byte
	resp []byte // nil while in doubt (sent, no answer)
}

// ledger is everything the POS side knows.
type ledger struct {
	mu    sync.Mutex
	acked []*opRecord
	doubt []*opRecord
	// settled counts in-doubt operations resolved by a retry.
	settled int
}

func (l *ledger) add(r *opRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.resp != nil {
		l.acked = append(l.acked, r)
	} else {
		l.doubt = append(l.doubt, r)
	}
}

// TestCrashRecovery kills the daemon with SIGKILL at random moments under
// concurrent load, restarts it, and proves that every acknowledged operation
// replays identically, that rows and receipt numbers neither repeat nor
// skip, and that every chain and the DEP verify.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("crash loop skipped in -short mode (never under CI)")
	}
	const boxes, terminals = 3, 3
	dir := t.TempDir()
	l := &ledger{}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d, %d rounds", seed, *crashRounds)
	for round := 0; round < *crashRounds; round++ {
		d := startDaemon(t, dir, "--demo-cashboxes", strconv.Itoa(boxes))
		settle(t, d, l)
		if round == 0 {
			for b := range boxes {
				rec := &opRecord{box: b, op: newOp(), body: receiptBody("start", caseStart, 0)}
				r := d.client(b).post("/sign", rec.op, rec.body)
				if r.Status != 200 {
					t.Fatalf("start: %d %v", r.Status, r.Err)
				}
				rec.resp = r.Body
				l.add(rec)
			}
		}
		var wg sync.WaitGroup
		for b := range boxes {
			for term := range terminals {
				wg.Go(func() { load(d, b, round, term, l) })
			}
		}
		time.Sleep(time.Duration(50+rng.IntN(450)) * time.Millisecond)
		d.kill()
		wg.Wait()
	}
	d := startDaemon(t, dir, "--demo-cashboxes", strconv.Itoa(boxes))
	settle(t, d, l)
	if len(l.acked) < *crashRounds {
		t.Fatalf("only %d operations were acknowledged in %d rounds", len(l.acked), *crashRounds)
	}
	for _, rec := range l.acked {
		r := d.client(rec.box).post("/sign", rec.op, rec.body)
		if r.Status != 200 || !bytes.Equal(r.Body, rec.resp) {
			t.Fatalf("acknowledged operation %s does not replay: %d %v\n got %s\nwant %s\ndaemon log (tail):\n%s", rec.op, r.Status, r.Err, r.Body, rec.resp, tail(d.log.String(), 3000))
		}
	}
	for b := range boxes {
		checkSequence(t, d.client(b), l, b)
	}
	deps := make([][]byte, boxes)
	for b := range boxes {
		deps[b] = d.client(b).post("/journal", newOp(), []byte(`{"ftJournalType":`+strconv.FormatUint(atDEP7, 10)+`}`)).Body
	}
	if err, _ := d.stop(); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := fiscalctl(t, "journal", "verify", "--data", dir); code != 0 {
		t.Fatalf("journal verify after %d crashes: %s %s", *crashRounds, out, stderr)
	}
	for b := range boxes {
		container, stderr, code := fiscalctl(t, "at", "container", "--data", dir, "--cashbox", d.creds.CashBoxes[b].CashBoxID)
		if code != 0 {
			t.Fatal(stderr)
		}
		c, err := depcheck.ParseContainer([]byte(container))
		if err != nil {
			t.Fatal(err)
		}
		res, err := depcheck.VerifyDEP(deps[b], c, depcheck.Options{})
		if err != nil || !res.Valid {
			os.WriteFile(filepath.Join(t.TempDir(), "dep.json"), deps[b], 0o600)
			t.Fatalf("CashBox %d: DEP after crashes is invalid: %v %v", b, err, res.Err)
		}
	}
	t.Logf("%d acknowledged operations, %d settled after a crash", len(l.acked), l.settled)
}

// load sends receipts until the daemon goes away; the operation in flight
// at that moment is in doubt.
func load(d *proc, box, round, term int, l *ledger) {
	c := d.client(box)
	for n := 0; n < 10_000; n++ {
		rec := &opRecord{box: box, op: newOp(), body: receiptBody("r"+strconv.Itoa(round)+"-"+strconv.Itoa(term)+"-"+strconv.Itoa(n), casePOS, int64(50+n%500))}
		r := c.post("/sign", rec.op, rec.body)
		if r.Err != nil {
			l.add(rec)
			return
		}
		if r.Status != 200 {
			panic("unexpected status " + strconv.Itoa(r.Status) + ": " + string(r.Body))
		}
		rec.resp = r.Body
		l.add(rec)
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// settle retries every in-doubt operation with its id and body, as a POS
// does after a crash; each must now get an answer (replayed or new).
func settle(t *testing.T, d *proc, l *ledger) {
	t.Helper()
	l.mu.Lock()
	doubt := l.doubt
	l.doubt = nil
	l.mu.Unlock()
	for _, rec := range doubt {
		r := d.client(rec.box).post("/sign", rec.op, rec.body)
		if r.Status != 200 {
			t.Fatalf("retry of in-doubt %s: %d %v %s", rec.op, r.Status, r.Err, r.Body)
		}
		rec.resp = r.Body
		l.add(rec)
		l.settled++
	}
}

var identPattern = regexp.MustCompile(`^ft([0-9A-F]+)#([0-9]+)$`)

// checkSequence reads a queue's items and checks that rows and receipt
// numbers run 1, 2, 3 … and that each operation made exactly one item.
func checkSequence(t *testing.T, c *client, l *ledger, box int) {
	t.Helper()
	r := c.post("/journal", newOp(), []byte(`{"ftJournalType":3}`))
	var items []struct {
		Row      int64  `json:"ftQueueRow"`
		Op       string `json:"operationId"`
		Response struct {
			Ident string `json:"ftReceiptIdentification"`
		} `json:"response"`
	}
	if err := json.Unmarshal(r.Body, &items); err != nil {
		t.Fatalf("queue items: %v", err)
	}
	ops := map[string]bool{}
	for i, it := range items {
		if it.Row != int64(i+1) {
			t.Fatalf("CashBox %d: item %d has row %d (repeat or gap)", box, i, it.Row)
		}
		if ops[it.Op] {
			t.Fatalf("CashBox %d: operation %s made two queue items", box, it.Op)
		}
		ops[it.Op] = true
		m := identPattern.FindStringSubmatch(it.Response.Ident)
		if m == nil {
			t.Fatalf("CashBox %d row %d: identification %q", box, it.Row, it.Response.Ident)
		}
		num, _ := strconv.ParseUint(m[1], 16, 64)
		rksv, _ := strconv.Atoi(m[2])
		if num != uint64(i+1) || rksv != i+1 {
			t.Fatalf("CashBox %d row %d: receipt number %s, want ft%X#%d", box, it.Row, it.Response.Ident, i+1, i+1)
		}
	}
	acked := 0
	for _, rec := range l.acked {
		if rec.box == box {
			acked++
			if !ops[rec.op] {
				t.Fatalf("CashBox %d: acknowledged operation %s has no queue item", box, rec.op)
			}
		}
	}
	if acked != len(items) {
		t.Fatalf("CashBox %d: %d queue items for %d acknowledged operations", box, len(items), acked)
	}
}
