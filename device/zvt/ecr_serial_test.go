//go:build linux

package zvt_test

import (
	"context"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/internal/ptytest"
)

// TestECRPayOverPTY runs a payment over serial framing on a kernel pty:
// the simulator on the master, the driver on the slave, where a
// USB-serial adapter would be.
func TestECRPayOverPTY(t *testing.T) {
	master, slave := ptytest.Open(t)
	term := newTerminal(t, 0.0001)
	ctx := ecrCtx(t, 20*time.Second)
	ptLink, err := zvt.NewSerialLink(master, zvt.DefaultSerialOptions())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { served <- term.Serve(sctx, ptLink) }()
	t.Cleanup(func() {
		stop()
		<-served
	})
	dialed := false
	e := newECR(t, func(context.Context) (zvt.Link, error) {
		if dialed {
			t.Error("dialed twice")
		}
		dialed = true
		return zvt.NewSerialLink(slave, zvt.DefaultSerialOptions())
	})
	res, err := e.Pay(ctx, device.PayRequest{Amount: 1010})
	if err != nil || res.Outcome != device.PayApproved || res.Amount != 1010 || len(res.Receipt) == 0 {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	if tx := lastTx(t, term); !tx.Charged() {
		t.Errorf("ledger: %+v", tx)
	}
}
