package paysandbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
)

// scale makes the 6-minute row take 36 µs.
const scale = 1e-7

var at = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTest(t *testing.T) *Provider {
	t.Helper()
	return New(Options{Name: "t", TimeScale: scale, Clock: func() time.Time { return at }})
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestTable(t *testing.T) {
	want := map[int64]struct {
		res     device.PayOutcome
		charged int64
	}{
		3000010: {device.PayDeclined, 0},
		3000020: {device.PayTimeout, 0},
		3000040: {device.PayCancelled, 0},
		3000050: {device.PayApproved, 3300055},
		3000060: {device.PayApproved, 3000060},
		3000070: {device.PayApproved, 3000070},
		3000080: {device.PayApproved, 3000080},
		3000090: {device.PayApproved, 1500050},
	}
	rows := Outcomes()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for _, o := range rows {
		if w, ok := want[o.Amount]; !ok || o.Result != w.res || o.Charged != w.charged {
			t.Errorf("row %+v, want %+v", o, w)
		}
		if Lookup(o.Amount) != o {
			t.Errorf("Lookup(%d) = %+v", o.Amount, Lookup(o.Amount))
		}
	}
	if o := Lookup(3000050); o.Tip() != 300005 {
		t.Errorf("tip %d", o.Tip())
	}
	for _, a := range []int64{1, 4711, 3000030, -500} {
		if o := Lookup(a); o.Result != device.PayApproved || o.Charged != a || o.Delay != 0 || o.Tip() != 0 {
			t.Errorf("Lookup(%d) = %+v", a, o)
		}
	}
}

func TestPayEveryRow(t *testing.T) {
	for _, o := range append(Outcomes(), Lookup(1234)) {
		t.Run(fmt.Sprintf("%d %s", o.Amount, o.Description), func(t *testing.T) {
			p := newTest(t)
			var events []string
			hooks := device.PayHooks{
				Progress: func(s string) { events = append(events, "progress") },
				Persist: func(r device.PayResult) error {
					events = append(events, "persist "+r.Outcome.String())
					return nil
				},
			}
			res, err := p.Pay(testCtx(t), device.PayRequest{Amount: o.Amount, PayHooks: hooks})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != o.Result || res.Amount != o.Charged {
				t.Errorf("outcome %v amount %d, want %v %d", res.Outcome, res.Amount, o.Result, o.Charged)
			}
			if res.TerminalID != "SANDBOX" || res.CardName != "Sandbox card" || res.MaskedPAN != "************0000" ||
				res.Trace != "000001" || !res.Time.Equal(at) || len(res.Receipt) < 5 {
				t.Errorf("result %+v", res)
			}
			if approved := o.Result == device.PayApproved; approved != (res.ReceiptNo == "0001") {
				t.Errorf("receipt no %q for %v", res.ReceiptNo, o.Result)
			}
			// Progress first, one more per 10 s simulated, Persist last.
			wantProgress := 1 + max(int((o.Delay-1)/progressEvery), 0)
			if len(events) != wantProgress+1 || events[len(events)-1] != "persist "+o.Result.String() {
				t.Errorf("events %q, want %d progress then persist", events, wantProgress)
			}
			last, err := p.LastTransaction(testCtx(t))
			if o.Result == device.PayApproved {
				if err != nil || last.ReceiptNo != res.ReceiptNo || last.Amount != res.Amount {
					t.Errorf("last %+v, %v", last, err)
				}
			} else if !errors.Is(err, ErrNoTransaction) {
				t.Errorf("last after %v: %+v, %v", o.Result, last, err)
			}
		})
	}
}

func TestPersistError(t *testing.T) {
	p := newTest(t)
	boom := errors.New("disk full")
	var persisted device.PayResult
	res, err := p.Pay(testCtx(t), device.PayRequest{Amount: 1000, PayHooks: device.PayHooks{
		Persist: func(r device.PayResult) error { persisted = r; return boom },
	}})
	if !errors.Is(err, boom) || res.Outcome != 0 || persisted.Outcome != device.PayApproved || persisted.Amount != 1000 {
		t.Fatalf("Pay = %+v, %v (persisted %+v)", res, err, persisted)
	}
	if _, err := p.LastTransaction(testCtx(t)); !errors.Is(err, ErrNoTransaction) {
		t.Errorf("unpersisted payment is the last transaction: %v", err)
	}
	if r, err := p.Reverse(testCtx(t), persisted.ReceiptNo, device.PayHooks{}); err != nil || r.Outcome != device.PayDeclined {
		t.Errorf("reversal of an unpersisted payment: %+v, %v", r, err)
	}
	// A reversal whose Persist fails leaves the payment reversible.
	pay, err := p.Pay(testCtx(t), device.PayRequest{Amount: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Reverse(testCtx(t), pay.ReceiptNo, device.PayHooks{Persist: func(device.PayResult) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("Reverse = %v", err)
	}
	if r, err := p.Reverse(testCtx(t), pay.ReceiptNo, device.PayHooks{}); err != nil || r.Outcome != device.PayApproved || r.Amount != 2000 {
		t.Errorf("Reverse after failed persist = %+v, %v", r, err)
	}
}

func TestCancelDuringLongRow(t *testing.T) {
	p := New(Options{TimeScale: 1}) // the 6-minute row in real time
	ctx, cancel := context.WithCancel(testCtx(t))
	persisted := false
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := p.Pay(ctx, device.PayRequest{Amount: 3000080, PayHooks: device.PayHooks{
			Progress: func(string) {
				select {
				case <-started:
				default:
					close(started)
				}
			},
			Persist: func(device.PayResult) error { persisted = true; return nil },
		}})
		done <- err
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no progress")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || persisted {
			t.Errorf("err %v, persisted %v", err, persisted)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Pay did not return after cancel")
	}
	if _, err := p.Pay(ctx, device.PayRequest{Amount: 100}); !errors.Is(err, context.Canceled) {
		t.Errorf("Pay on an ended ctx: %v", err)
	}
}

func TestReverseRefundLast(t *testing.T) {
	p := newTest(t)
	ctx := testCtx(t)
	if _, err := p.LastTransaction(ctx); !errors.Is(err, ErrNoTransaction) {
		t.Errorf("LastTransaction on a new provider: %v", err)
	}
	pay, err := p.Pay(ctx, device.PayRequest{Amount: 3000050})
	if err != nil || pay.Amount != 3300055 {
		t.Fatalf("Pay = %+v, %v", pay, err)
	}
	var persisted []string
	hooks := device.PayHooks{Persist: func(r device.PayResult) error { persisted = append(persisted, r.Outcome.String()); return nil }}
	rev, err := p.Reverse(ctx, pay.ReceiptNo, hooks)
	if err != nil || rev.Outcome != device.PayApproved || rev.Amount != pay.Amount || rev.ReceiptNo != "0002" || rev.Trace != "000002" {
		t.Fatalf("Reverse = %+v, %v", rev, err)
	}
	again, err := p.Reverse(ctx, pay.ReceiptNo, hooks)
	if err != nil || again.Outcome != device.PayDeclined || !strings.Contains(again.Text, "already reversed") || again.ReceiptNo != "" {
		t.Errorf("second Reverse = %+v, %v", again, err)
	}
	if r, err := p.Reverse(ctx, "9999", hooks); err != nil || r.Outcome != device.PayDeclined {
		t.Errorf("Reverse unknown = %+v, %v", r, err)
	}
	if r, err := p.Reverse(ctx, rev.ReceiptNo, hooks); err != nil || r.Outcome != device.PayDeclined {
		t.Errorf("Reverse of a reversal = %+v, %v", r, err)
	}
	if !slices.Equal(persisted, []string{"approved", "declined", "declined", "declined"}) {
		t.Errorf("persisted %q", persisted)
	}
	if last, err := p.LastTransaction(ctx); err != nil || last.ReceiptNo != rev.ReceiptNo {
		t.Errorf("last %+v, %v", last, err)
	}
	ref, err := p.Refund(ctx, 500, hooks)
	if err != nil || ref.Outcome != device.PayApproved || ref.Amount != 500 {
		t.Errorf("Refund = %+v, %v", ref, err)
	}
	neg, err := p.Pay(ctx, device.PayRequest{Amount: -700})
	if err != nil || neg.Outcome != device.PayApproved || neg.Amount != 700 {
		t.Errorf("negative Pay = %+v, %v", neg, err)
	}
	if last, err := p.LastTransaction(ctx); err != nil || last.ReceiptNo != neg.ReceiptNo {
		t.Errorf("last %+v, %v", last, err)
	}
	if _, err := p.Pay(ctx, device.PayRequest{}); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("zero Pay: %v", err)
	}
	if h := p.Health(); h.State != device.StateUp || !h.LastSuccess.Equal(at) {
		t.Errorf("health %+v", h)
	}
}

func TestConcurrent(t *testing.T) {
	p := newTest(t)
	ctx := testCtx(t)
	const n = 16
	receipts := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			amount := int64(100 + i)
			if i%4 == 0 {
				amount = 3000070
			}
			res, err := p.Pay(ctx, device.PayRequest{Amount: amount})
			if err != nil || res.Outcome != device.PayApproved {
				t.Errorf("Pay = %+v, %v", res, err)
				return
			}
			receipts <- res.ReceiptNo
			_, _ = p.LastTransaction(ctx)
			_ = p.Health()
		})
	}
	wg.Wait()
	close(receipts)
	var nos []string
	for r := range receipts {
		nos = append(nos, r)
	}
	slices.Sort(nos)
	if len(slices.Compact(nos)) != n {
		t.Fatalf("receipt numbers %q not unique", nos)
	}
	// Each receipt reversed by two callers at once: exactly one wins.
	var mu sync.Mutex
	approved := 0
	for _, r := range nos {
		for range 2 {
			wg.Go(func() {
				res, err := p.Reverse(ctx, r, device.PayHooks{})
				if err != nil {
					t.Error(err)
				}
				if res.Outcome == device.PayApproved {
					mu.Lock()
					approved++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if approved != n {
		t.Errorf("%d reversals approved, want %d", approved, n)
	}
}
