package zvt_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/device/zvt/zvtsim"
	"github.com/fiscald/fiscald/device/zvtdial"
)

// ecrCtx bounds every wait in a test: nothing may hang.
func ecrCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// newTerminal returns a simulator; scale shrinks its simulated delays.
func newTerminal(t *testing.T, scale float64) *zvtsim.Terminal {
	t.Helper()
	term, err := zvtsim.New(zvtsim.Options{TerminalID: "87654321", TimeScale: scale})
	if err != nil {
		t.Fatal(err)
	}
	return term
}

// listen serves term on loopback TCP and returns the address.
func listen(t *testing.T, term *zvtsim.Terminal, addr string) (*zvtsim.Listener, string) {
	t.Helper()
	// Listening again on a port just closed can meet its last connection
	// still being torn down (EADDRINUSE for a moment): retry briefly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := term.ListenTCP(t.Context(), addr)
		if err == nil {
			t.Cleanup(func() { ln.Close() })
			return ln, ln.Addr().String()
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tcpDial is the dial function cmd/fiscald passes for a TCP PT.
func tcpDial(addr string) func(ctx context.Context) (zvt.Link, error) {
	return zvtdial.TCP(addr, 2*time.Second)
}

// newECR returns a driver with short timers, closed at the end.
func newECR(t *testing.T, dial func(ctx context.Context) (zvt.Link, error)) *zvt.ECR {
	t.Helper()
	e := zvt.NewECR(dial, zvt.ECROptions{Name: "pt1", T3: time.Second, T4: 5 * time.Second, AbortWait: 3 * time.Second})
	t.Cleanup(func() { e.Close() })
	return e
}

// tcpECR starts a simulator on TCP and a driver for it.
func tcpECR(t *testing.T, scale float64) (*zvt.ECR, *zvtsim.Terminal) {
	t.Helper()
	term := newTerminal(t, scale)
	_, addr := listen(t, term, "127.0.0.1:0")
	return newECR(t, tcpDial(addr)), term
}

// wantOutcome is the device outcome a result code must map to.
func wantOutcome(c zvt.ResultCode) device.PayOutcome {
	switch c.Outcome() {
	case zvt.OutcomeApproved:
		return device.PayApproved
	case zvt.OutcomeDeclined:
		return device.PayDeclined
	case zvt.OutcomeCancelled:
		return device.PayCancelled
	case zvt.OutcomeTimeout:
		return device.PayTimeout
	}
	return device.PayFailed
}

// lastTx returns the newest ledger entry.
func lastTx(t *testing.T, term *zvtsim.Terminal) zvtsim.Transaction {
	t.Helper()
	txs := term.Transactions()
	if len(txs) == 0 {
		t.Fatal("ledger is empty")
	}
	return txs[len(txs)-1]
}

// charged counts the ledger's charged transactions.
func charged(term *zvtsim.Terminal) int {
	n := 0
	for _, tx := range term.Transactions() {
		if tx.Charged() {
			n++
		}
	}
	return n
}
