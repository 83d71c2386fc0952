package zvtsim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

func TestReversal(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	register(t, ctx, e, zvt.ConfigFiscald)
	pay(t, ctx, e, 1000)
	pay(t, ctx, e, 2000)
	first := term.Transactions()[0]
	rev := build(t, zvt.Reversal{Password: testPW, Receipt: first.Receipt})
	tr := parse(t, e.run(ctx, rev))
	if tr.abortCode(t) != -1 || len(tr.status) != 1 {
		t.Fatalf("reversal ended with %v", tr.last)
	}
	if si := tr.status[0]; si.OriginalTrace != first.Trace || si.Amount != 1000 || si.Trace != 3 {
		t.Errorf("reversal status %+v", si)
	}
	if !slices.Equal(states(term), []State{StateReversed, StateBooked}) || term.Transactions()[0].ReversalTrace != 3 {
		t.Errorf("ledger %+v", term.Transactions())
	}
	if tr := parse(t, e.run(ctx, rev)); tr.abortCode(t) != int(zvt.ResultAlreadyReversed) {
		t.Errorf("second reversal ended with %v, want B4", tr.last)
	}
	unknown := build(t, zvt.Reversal{Password: testPW, Receipt: 4711})
	if tr := parse(t, e.run(ctx, unknown)); tr.abortCode(t) != int(zvt.ResultReversalImpossible) {
		t.Errorf("unknown receipt ended with %v, want B5", tr.last)
	}
}

func TestEndOfDayAndRefund(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	register(t, ctx, e, zvt.ConfigFiscald)
	pay(t, ctx, e, 1000)
	pay(t, ctx, e, 2500)
	tr := parse(t, e.run(ctx, build(t, zvt.Refund{Password: testPW, Amount: 500})))
	if tr.abortCode(t) != -1 || len(tr.status) != 1 || tr.status[0].Amount != 500 {
		t.Fatalf("refund: %+v", tr.status)
	}
	eod := build(t, zvt.EndOfDay{Password: testPW})
	tr = parse(t, e.run(ctx, eod))
	if tr.abortCode(t) != -1 || len(tr.status) != 1 || tr.status[0].Amount != 3000 {
		t.Fatalf("end of day: %+v, want total 3000", tr.status)
	}
	// The batch is closed: reversal is no longer possible, totals restart.
	rev := build(t, zvt.Reversal{Password: testPW, Receipt: term.Transactions()[0].Receipt})
	if tr := parse(t, e.run(ctx, rev)); tr.abortCode(t) != int(zvt.ResultReversalImpossible) {
		t.Errorf("reversal after end of day ended with %v, want B5", tr.last)
	}
	if tr := parse(t, e.run(ctx, eod)); len(tr.status) != 1 || tr.status[0].Amount != 0 {
		t.Errorf("second end of day: %+v, want 0", tr.status)
	}
	if txs := term.Transactions(); len(txs) != 3 || txs[2].Kind != KindRefund || txs[2].State != StateBooked {
		t.Errorf("ledger %+v", txs)
	}
}

func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zvtsim.json")
	ctx := testCtx(t, 10*time.Second)
	term := newSim(t, Options{StateFile: path})
	e := connectTCP(t, term)
	register(t, ctx, e, zvt.ConfigFiscald)
	pay(t, ctx, e, 1000)
	pay(t, ctx, e, 2000)
	e.close()
	before := term.Transactions()

	again := newSim(t, Options{StateFile: path})
	if got := again.Transactions(); len(got) != 2 || got[0].Trace != before[0].Trace || got[1].Amount != 2000 {
		t.Fatalf("reloaded ledger %+v, want %+v", got, before)
	}
	e = connectTCP(t, again)
	tr := parse(t, pay(t, ctx, e, 3000))
	if si := tr.status[0]; si.Trace != 3 || si.Receipt != 3 {
		t.Errorf("numbers after restart: trace %d receipt %d, want 3 and 3", si.Trace, si.Receipt)
	}
	// Repeat Receipt and Reversal work on the reloaded ledger.
	if tr := parse(t, e.run(ctx, build(t, zvt.Reversal{Password: testPW, Receipt: 1}))); tr.abortCode(t) != -1 {
		t.Errorf("reversal after restart ended with %v", tr.last)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestPendingAfterCrash: a simulator that died with a Status-Information
// unacknowledged comes back with that payment reversed.
func TestPendingAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zvtsim.json")
	l := ledger{Version: ledgerVersion, Trace: 7, Receipt: 7, Transactions: []Transaction{
		{Kind: KindPayment, State: StatePending, Trace: 7, Receipt: 7, Amount: 100, Requested: 100},
	}}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	term := newSim(t, Options{StateFile: path})
	if txs := term.Transactions(); txs[0].State != StateReversed || !txs[0].AutoReversed {
		t.Errorf("pending after crash: %+v", txs[0])
	}
	if again := newSim(t, Options{StateFile: path}); again.Transactions()[0].State != StateReversed {
		t.Error("recovery was not persisted")
	}
}

func TestNewValidates(t *testing.T) {
	for _, o := range []Options{{TerminalID: "1234"}, {Password: "12ab56"}, {TimeScale: -1}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: bad}); err == nil {
		t.Error("corrupt state file accepted")
	}
}
