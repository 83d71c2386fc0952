package zvtsim

import (
	"github.com/fiscald/fiscald/internal/ptytest"

	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
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
