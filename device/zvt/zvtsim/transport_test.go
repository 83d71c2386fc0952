package zvtsim

import (
	"context"
	"fmt"
	"maps"
	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/internal/ptytest"
)

// TestSerialPTY runs registration and payments over the serial framing on
// a real pseudo-terminal pair: the simulator holds the master, the ECR
// the slave, as a driver opens a serial port.
func TestSerialPTY(t *testing.T) {
	master, slave := ptytest.Open(t)
	opt := zvt.DefaultSerialOptions()
	ptLink, err := zvt.NewSerialLink(master, opt)
	if err != nil {
		t.Fatal(err)
	}
	ecrLink, err := zvt.NewSerialLink(slave, opt)
	if err != nil {
		t.Fatal(err)
	}
	term := newSim(t, Options{})
	ctx := testCtx(t, 20*time.Second)
	served := make(chan error, 1)
	go func() { served <- term.Serve(ctx, ptLink) }()
	e := &ecr{t: t, link: ecrLink, served: served}
	t.Cleanup(func() { e.close() })

	register(t, ctx, e, zvt.ConfigFiscald)
	tr := parse(t, pay(t, ctx, e, 1010)) // 10 10: DLE stuffing in amount
	if len(tr.status) != 1 || tr.status[0].Amount != 1010 || tr.abortCode(t) != -1 || len(tr.lines) == 0 {
		t.Fatalf("serial payment: %+v", tr.status)
	}
	tr = parse(t, pay(t, ctx, e, 3000060))
	if len(tr.intermediate) < 12 || tr.abortCode(t) != -1 {
		t.Errorf("serial long payment: %d intermediate, ended %v", len(tr.intermediate), tr.last)
	}
	if got := states(term); len(got) != 2 || got[0] != StateBooked || got[1] != StateBooked {
		t.Errorf("ledger %v", got)
	}
}

func TestListenTCP(t *testing.T) {
	term := newSim(t, Options{})
	ctx := testCtx(t, 10*time.Second)
	l, err := term.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Two ECR connections one after the other: the second is served once
	// the first hangs up.
	for i := range 2 {
		d := net.Dialer{Timeout: 2 * time.Second}
		c, err := d.DialContext(ctx, "tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		e := &ecr{t: t, link: zvt.NewTCPLink(c)}
		if tr := parse(t, pay(t, ctx, e, int64(100+i))); tr.abortCode(t) != -1 {
			t.Errorf("connection %d: %v", i, tr.last)
		}
		e.link.Close()
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
	if got := states(term); len(got) != 2 {
		t.Errorf("ledger %v", got)
	}
}

// TestPTYAndTCPAtOnce serves a long-lived pty link and TCP connections
// from one Terminal, as `fiscalctl sim zvt` does: payments on both run
// concurrently, their sequences one at a time, into one ledger with
// unique numbers.
func TestPTYAndTCPAtOnce(t *testing.T) {
	term := newSim(t, Options{})
	ctx := testCtx(t, 30*time.Second)
	master, slave := ptytest.Open(t)
	ptLink, err := zvt.NewSerialLink(master, zvt.DefaultSerialOptions())
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- term.Serve(sctx, ptLink) }()
	l, err := term.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Close()
		stop()
		<-served
	})

	serialECR := zvt.NewECR(func(context.Context) (zvt.Link, error) {
		return zvt.NewSerialLink(slave, zvt.DefaultSerialOptions())
	}, zvt.ECROptions{Name: "pty"})
	tcpECR := zvt.NewECR(func(ctx context.Context) (zvt.Link, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", l.Addr().String())
		if err != nil {
			return nil, err
		}
		return zvt.NewTCPLink(c), nil
	}, zvt.ECROptions{Name: "tcp"})
	defer tcpECR.Close()
	defer serialECR.Close()

	// 3000060 is the long payment with Intermediate-Status: it keeps a
	// sequence running while the other ECR's command arrives.
	amounts := map[string][]int64{"pty": {1010, 3000060, 2020}, "tcp": {3000060, 4040, 5050}}
	errs := make(chan error, 2)
	for name, e := range map[string]*zvt.ECR{"pty": serialECR, "tcp": tcpECR} {
		go func() {
			for _, amt := range amounts[name] {
				res, err := e.Pay(ctx, device.PayRequest{Amount: amt})
				if err != nil || res.Outcome != device.PayApproved {
					errs <- fmt.Errorf("%s: Pay(%d) = %+v, %v", name, amt, res, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}

	txs := term.Transactions()
	traces, receipts := map[uint32]bool{}, map[uint16]bool{}
	requested := map[int64]int{}
	for _, tx := range txs {
		if tx.State != StateBooked || traces[tx.Trace] || receipts[tx.Receipt] {
			t.Errorf("ledger entry %+v: not booked or numbers reused", tx)
		}
		traces[tx.Trace], receipts[tx.Receipt] = true, true
		requested[tx.Requested]++
	}
	want := map[int64]int{1010: 1, 2020: 1, 3000060: 2, 4040: 1, 5050: 1}
	if len(txs) != 6 || !maps.Equal(requested, want) {
		t.Errorf("ledger has %d entries, amounts %v; want %v", len(txs), requested, want)
	}
}
