package zvt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/device/zvt/zvtsim"
)

func TestECRPayApproved(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	var progress []string
	var persisted []device.PayResult
	res, err := e.Pay(ctx, device.PayRequest{Amount: 1250, PayHooks: device.PayHooks{
		Progress: func(s string) { progress = append(progress, s) },
		Persist: func(r device.PayResult) error {
			// Persist runs before the acknowledgement: the simulator
			// has not booked the payment yet.
			if st := lastTx(t, term).State; st != zvtsim.StatePending {
				t.Errorf("ledger at Persist: %s, want pending", st)
			}
			persisted = append(persisted, r)
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != device.PayApproved || res.Amount != 1250 || res.ReceiptNo == "" || res.Trace == "" ||
		res.TerminalID != "87654321" || res.CardType != "Visa" || res.MaskedPAN == "" || res.Time.IsZero() {
		t.Errorf("result = %+v", res)
	}
	if len(res.Receipt) == 0 {
		t.Error("no receipt lines")
	}
	if len(progress) == 0 {
		t.Error("no progress texts")
	}
	if len(persisted) != 1 || persisted[0].ReceiptNo != res.ReceiptNo {
		t.Errorf("persisted %+v", persisted)
	}
	if tx := lastTx(t, term); tx.State != zvtsim.StateBooked || tx.Amount != 1250 {
		t.Errorf("ledger: %+v", tx)
	}
	if h := e.Health(); h.State != device.StateUp || h.LastSuccess.IsZero() {
		t.Errorf("health = %+v", h)
	}
	if term.Config() != zvt.ConfigFiscald {
		t.Errorf("registered config %02X", term.Config())
	}
}

func TestECRPersistErrorReverses(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	disk := errors.New("disk full")
	res, err := e.Pay(ctx, device.PayRequest{Amount: 1000, PayHooks: device.PayHooks{
		Persist: func(device.PayResult) error { return disk },
	}})
	if !errors.Is(err, disk) {
		t.Fatalf("Pay = %+v, %v; want the Persist error", res, err)
	}
	if res.Outcome == device.PayApproved {
		t.Errorf("outcome %v after a refused result", res.Outcome)
	}
	if tx := lastTx(t, term); tx.State != zvtsim.StateReversed || !tx.AutoReversed {
		t.Errorf("ledger: %+v, want auto-reversed", tx)
	}
	// The link stays usable.
	if res, err := e.Pay(ctx, device.PayRequest{Amount: 1001}); err != nil || res.Outcome != device.PayApproved {
		t.Fatalf("next Pay = %+v, %v", res, err)
	}
	if n := charged(term); n != 1 {
		t.Errorf("%d charged, want 1", n)
	}
}

func TestECRSandboxOutcomes(t *testing.T) {
	e, _ := tcpECR(t, 0.0001)
	for _, row := range zvtsim.Outcomes() {
		t.Run(fmt.Sprint(row.Amount), func(t *testing.T) {
			res, err := e.Pay(ecrCtx(t, 10*time.Second), device.PayRequest{Amount: row.Amount})
			if row.Disconnect {
				if !errors.Is(err, zvt.ErrOutcomeUnknown) {
					t.Fatalf("%s: %+v, %v; want an unknown outcome", row.Description, res, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", row.Description, err)
			}
			if res.Outcome != wantOutcome(row.Result) || res.Amount != row.Charged {
				t.Errorf("%s: outcome %v amount %d, want %v %d", row.Description,
					res.Outcome, res.Amount, wantOutcome(row.Result), row.Charged)
			}
		})
	}
}

func TestECRDisconnectAfterAckThenLastTransaction(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	first, err := e.Pay(ctx, device.PayRequest{Amount: 500})
	if err != nil {
		t.Fatal(err)
	}
	term.DisconnectAt(zvtsim.StepAfterCommandAck)
	_, err = e.Pay(ctx, device.PayRequest{Amount: 700})
	if !errors.Is(err, zvt.ErrOutcomeUnknown) || !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Pay = %v, want ErrOutcomeUnknown", err)
	}
	if h := e.Health(); h.State != device.StateFailed {
		t.Errorf("health %v after a link loss", h.State)
	}
	// Settling: the PT's last booked transaction is the first payment,
	// so the second one never happened.
	last, err := e.LastTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last.ReceiptNo != first.ReceiptNo || last.Amount != 500 || last.Outcome != device.PayApproved {
		t.Errorf("last = %+v, want receipt %s", last, first.ReceiptNo)
	}
	if n := charged(term); n != 1 {
		t.Errorf("%d charged, want 1", n)
	}
	if h := e.Health(); h.State != device.StateUp {
		t.Errorf("health %v after reconnecting", h.State)
	}
}

func TestECRDisconnectAfterStatusInfo(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	if _, err := e.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	term.DisconnectAt(zvtsim.StepAfterStatusInfo)
	res, err := e.Pay(ctx, device.PayRequest{Amount: 800})
	if !errors.Is(err, zvt.ErrOutcomeUnknown) {
		t.Fatalf("Pay = %+v, %v; want ErrOutcomeUnknown", res, err)
	}
	// The PT reverses once it notices the lost link, after Pay returned.
	for lastTx(t, term).State != zvtsim.StateReversed && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if tx := lastTx(t, term); tx.State != zvtsim.StateReversed {
		t.Errorf("ledger: %+v, want reversed", tx)
	}
	if _, err := e.LastTransaction(ctx); !errors.Is(err, zvt.ErrNoReceipt) {
		t.Errorf("LastTransaction = %v, want ErrNoReceipt", err)
	}
}

func TestECRUnreachable(t *testing.T) {
	term := newTerminal(t, 0.0001)
	ln, addr := listen(t, term, "127.0.0.1:0")
	ln.Close()
	e := newECR(t, tcpDial(addr))
	_, err := e.Pay(ecrCtx(t, 5*time.Second), device.PayRequest{Amount: 100})
	if !errors.Is(err, device.ErrUnavailable) || errors.Is(err, zvt.ErrOutcomeUnknown) {
		t.Fatalf("Pay = %v, want ErrUnavailable only", err)
	}
	if h := e.Health(); h.State != device.StateFailed || h.LastError == nil {
		t.Errorf("health = %+v", h)
	}
	if n := len(term.Transactions()); n != 0 {
		t.Errorf("%d transactions", n)
	}
}

func TestECRT3Expiry(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	if _, err := e.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	term.SetDelay(2 * time.Second) // beyond the test's T3 of 1 s
	_, err := e.Pay(ctx, device.PayRequest{Amount: 100})
	if !errors.Is(err, device.ErrUnavailable) || errors.Is(err, zvt.ErrOutcomeUnknown) {
		t.Fatalf("Pay = %v, want ErrUnavailable only", err)
	}
	term.ClearFaults()
	// The PT still sits in the old sequence until its delayed answer
	// fails; it serves one ECR at a time, so probe until it is back.
	for {
		if _, err := e.Probe(ctx); err == nil {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("terminal did not come back: %v", err)
		}
	}
	res, err := e.Pay(ctx, device.PayRequest{Amount: 101})
	if err != nil || res.Outcome != device.PayApproved {
		t.Fatalf("Pay after T3 = %+v, %v", res, err)
	}
	if txs := term.Transactions(); len(txs) != 1 || txs[0].Requested != 101 {
		t.Errorf("ledger: %+v", txs)
	}
}

func TestECRReverse(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	paid, err := e.Pay(ctx, device.PayRequest{Amount: 4200})
	if err != nil {
		t.Fatal(err)
	}
	persisted := 0
	rev, err := e.Reverse(ctx, paid.ReceiptNo, device.PayHooks{Persist: func(device.PayResult) error { persisted++; return nil }})
	if err != nil || rev.Outcome != device.PayApproved || persisted != 1 {
		t.Fatalf("Reverse = %+v, %v (persisted %d)", rev, err, persisted)
	}
	if tx := term.Transactions()[0]; tx.State != zvtsim.StateReversed || tx.AutoReversed {
		t.Errorf("ledger: %+v", tx)
	}
	again, err := e.Reverse(ctx, paid.ReceiptNo, device.PayHooks{})
	if err != nil || again.ResultCode != byte(zvt.ResultAlreadyReversed) || again.Outcome == device.PayApproved {
		t.Errorf("second Reverse = %+v, %v", again, err)
	}
	if _, err := e.Reverse(ctx, "x1", device.PayHooks{}); !errors.Is(err, zvt.ErrInvalid) {
		t.Errorf("Reverse(x1) = %v", err)
	}
}

func TestECRRefund(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	res, err := e.Refund(ecrCtx(t, 10*time.Second), 300, device.PayHooks{})
	if err != nil || res.Outcome != device.PayApproved || res.Amount != 300 {
		t.Fatalf("Refund = %+v, %v", res, err)
	}
	if tx := lastTx(t, term); tx.Kind != zvtsim.KindRefund || tx.State != zvtsim.StateBooked {
		t.Errorf("ledger: %+v", tx)
	}
}

func TestECRCancelAborts(t *testing.T) {
	// 0.01: the six-minute row takes 3.6 s, progress every 50 ms.
	e, term := tcpECR(t, 0.01)
	ctx, cancel := context.WithCancel(ecrCtx(t, 10*time.Second))
	defer cancel()
	start := time.Now()
	res, err := e.Pay(ctx, device.PayRequest{Amount: 3000080, PayHooks: device.PayHooks{
		Progress: func(string) { cancel() },
	}})
	if err != nil || res.Outcome != device.PayCancelled {
		t.Fatalf("Pay = %+v, %v; want cancelled", res, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("abort took %v", d)
	}
	if n := charged(term); n != 0 {
		t.Errorf("%d charged", n)
	}
	// The terminal is free again.
	if _, err := e.Probe(ecrCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestECRSerializesCallers(t *testing.T) {
	e, term := tcpECR(t, 0.0001)
	ctx := ecrCtx(t, 10*time.Second)
	var mu sync.Mutex
	var events []string
	note := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i := range 2 {
		wg.Go(func() {
			started := false
			res, err := e.Pay(ctx, device.PayRequest{Amount: int64(2000 + i), PayHooks: device.PayHooks{
				Progress: func(string) {
					if !started {
						started = true
						note("start")
					}
				},
				Persist: func(device.PayResult) error { note("end"); return nil },
			}})
			if err == nil && res.Outcome != device.PayApproved {
				err = fmt.Errorf("outcome %v", res.Outcome)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if fmt.Sprint(events) != "[start end start end]" {
		t.Errorf("events %v: transactions overlapped", events)
	}
	if n := charged(term); n != 2 {
		t.Errorf("%d charged, want 2", n)
	}
}

func TestECRWaitHonoursContext(t *testing.T) {
	e, _ := tcpECR(t, 0.01)
	ctx := ecrCtx(t, 10*time.Second)
	inside := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		_, err := e.Pay(ctx, device.PayRequest{Amount: 3000060, PayHooks: device.PayHooks{
			Progress: func(string) { once.Do(func() { close(inside) }) },
		}})
		done <- err
	}()
	select {
	case <-inside:
	case <-ctx.Done():
		t.Fatal("first payment did not start")
	}
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.Pay(wctx, device.PayRequest{Amount: 1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting Pay = %v, want its deadline", err)
	}
	if err := <-done; err != nil {
		t.Errorf("first Pay: %v", err)
	}
}

func TestECRReconnectAfterRestart(t *testing.T) {
	term := newTerminal(t, 0.0001)
	ln, addr := listen(t, term, "127.0.0.1:0")
	e := newECR(t, tcpDial(addr))
	ctx := ecrCtx(t, 10*time.Second)
	if _, err := e.Pay(ctx, device.PayRequest{Amount: 100}); err != nil {
		t.Fatal(err)
	}
	ln.Close() // the terminal goes away with the connection…
	listen(t, term, addr)
	// …and comes back: the stale link is replaced transparently.
	res, err := e.Pay(ctx, device.PayRequest{Amount: 200})
	if err != nil || res.Outcome != device.PayApproved {
		t.Fatalf("Pay after restart = %+v, %v", res, err)
	}
	if n := charged(term); n != 2 {
		t.Errorf("%d charged, want 2", n)
	}
}

func TestECRProbe(t *testing.T) {
	e, _ := tcpECR(t, 0.0001)
	st, err := e.Probe(ecrCtx(t, 5*time.Second))
	if err != nil || st.Status != zvt.TerminalReady {
		t.Fatalf("Probe = %+v, %v", st, err)
	}
	if h := e.Health(); h.State != device.StateUp || h.LastSuccess.IsZero() {
		t.Errorf("health = %+v", h)
	}
}
