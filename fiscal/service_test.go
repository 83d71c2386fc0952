package fiscal

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/journal"
)

// recordingMarket is a minimal market that remembers how its registers
// were opened; the fiscal core's own rules are what is under test.
type recordingMarket struct{ cleans []bool }

func (m *recordingMarket) Country() Country                         { return AT }
func (m *recordingMarket) Provision(string, []byte) ([]byte, error) { return []byte(`{}`), nil }
func (m *recordingMarket) JournalTypes() []uint64                   { return nil }
func (m *recordingMarket) OpenRegister(_ string, _, _ []byte, clean bool) (Register, error) {
	m.cleans = append(m.cleans, clean)
	return nullRegister{}, nil
}

type nullRegister struct{}

func (nullRegister) Identification() string { return "X" }
func (nullRegister) Fiscalize(context.Context, *Input) (*Result, error) {
	return &Result{Receipt: true}, nil
}
func (nullRegister) Commit(*Result)                            {}
func (nullRegister) Status(time.Time) (uint16, uint32, []byte) { return 0, 0, nil }
func (nullRegister) Export(context.Context, io.Writer, uint64, ItemSource) (string, string, error) {
	return "", "", nil
}
func (nullRegister) Info() map[string]any { return nil }
func (nullRegister) State() []byte        { return nil }

// TestRunRecordTellsCrashFromCleanStop checks what markets are told about
// the previous run: clean after Close, unclean after a run that never
// closed (a crash).
func TestRunRecordTellsCrashFromCleanStop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	m := &recordingMarket{}
	open := func() (*journal.DB, *Service) {
		db, err := journal.Open(dir, journal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewService(Options{DB: db, Markets: []Market{m}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Provision(CashBoxSpec{ID: "5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090", TokenHash: HashToken("t"),
			Queues: []QueueSpec{{ID: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", Country: AT, Params: []byte(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	db, s := open()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db.Close()
	db, s = open() // after a clean stop
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	db.Close() // a crash: no Close of the service
	db, _ = open()
	db.Close()
	// One open per start (re-provisioning keeps open registers): new
	// directory (clean), after Close (clean), after the crash (unclean).
	want := []bool{true, true, false}
	if len(m.cleans) != len(want) {
		t.Fatalf("OpenRegister calls: %v", m.cleans)
	}
	for i := range want {
		if m.cleans[i] != want[i] {
			t.Fatalf("clean flags %v, want %v", m.cleans, want)
		}
	}
}

// TestCloseLeavesNoGoroutines starts and closes a service and its journal
// and checks that every goroutine they started is gone.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	db, err := journal.Open(filepath.Join(t.TempDir(), "journal"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(Options{DB: db, Markets: []Market{&recordingMarket{}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		id := NewUUID()
		if _, _, err := s.Provision(CashBoxSpec{ID: id, TokenHash: HashToken("t" + id), Queues: []QueueSpec{{ID: NewUUID(), Country: AT, Params: []byte(`{}`)}}}); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if runtime.NumGoroutine() < before+4 {
		t.Fatalf("%d goroutines after Start, want at least %d (one per queue)", runtime.NumGoroutine(), before+4)
	}
	s.Close()
	db.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestRetainDisablesUnconfiguredCashBoxes: a CashBox dropped from the
// configuration stops authenticating; one still listed keeps working.
func TestRetainDisablesUnconfiguredCashBoxes(t *testing.T) {
	db, err := journal.Open(filepath.Join(t.TempDir(), "journal"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := NewService(Options{DB: db, Markets: []Market{&recordingMarket{}}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := NewUUID(), NewUUID()
	for _, id := range []string{a, b} {
		if _, _, err := s.Provision(CashBoxSpec{ID: id, TokenHash: HashToken("tok-" + id), Queues: []QueueSpec{{ID: NewUUID(), Country: AT, Params: []byte(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Retain([]string{strings.ToUpper(a)}); len(got) != 1 || got[0] != b {
		t.Fatalf("Retain disabled %v, want [%s]", got, b)
	}
	if _, err := s.Authenticate(a, "tok-"+a); err != nil {
		t.Fatalf("retained CashBox: %v", err)
	}
	if _, err := s.Authenticate(b, "tok-"+b); err != ErrUnauthorized {
		t.Fatalf("dropped CashBox: %v, want ErrUnauthorized", err)
	}
	// Re-provisioning with a new token hash rotates the token and keeps
	// the queue that is already open.
	q := s.CashBox(a).Queues[0]
	if _, _, err := s.Provision(CashBoxSpec{ID: a, TokenHash: HashToken("new"), Queues: []QueueSpec{{ID: q.ID, Country: AT, Params: []byte(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(a, "tok-"+a); err != ErrUnauthorized {
		t.Fatalf("old token after rotation: %v", err)
	}
	if cb, err := s.Authenticate(a, "new"); err != nil || cb.Queues[0] != q || q.CashBox != cb {
		t.Fatalf("new token: %v; queue kept %v", err, err == nil && cb.Queues[0] == q)
	}
}
