package zvtsim

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

const testTID = "87654321"

var testPW = zvt.Password{0x12, 0x34, 0x56}

// testCtx bounds every wait in a test: nothing may hang.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// newSim returns a terminal with a tiny time scale unless opt sets one.
func newSim(t *testing.T, opt Options) *Terminal {
	t.Helper()
	if opt.TerminalID == "" {
		opt.TerminalID = testTID
	}
	if opt.TimeScale == 0 {
		opt.TimeScale = 0.0001
	}
	term, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

// ecr drives the simulator as the cash register would, over a raw link.
type ecr struct {
	t    *testing.T
	link zvt.Link
	// served yields Serve's result once the connection ends.
	served <-chan error
	// closed and result remember the first close.
	closed bool
	result error
}

// connectTCP serves term on one real loopback connection.
func connectTCP(t *testing.T, term *Terminal) *ecr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx := testCtx(t, 30*time.Second)
	accepted := make(chan net.Conn, 1)
	go func() {
		// Accept must finish before the listener closes, or the kernel
		// resets the queued connection.
		c, _ := ln.Accept()
		accepted <- c
	}()
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var pt net.Conn
	select {
	case pt = <-accepted:
	case <-ctx.Done():
	}
	if pt == nil {
		c.Close()
		t.Fatal("accept failed")
	}
	served := make(chan error, 1)
	go func() { served <- term.Serve(ctx, zvt.NewTCPLink(pt)) }()
	e := &ecr{t: t, link: zvt.NewTCPLink(c), served: served}
	t.Cleanup(func() { e.close() })
	return e
}

// close closes the ECR's side and waits for Serve to return.
func (e *ecr) close() error {
	if e.closed {
		return e.result
	}
	e.closed = true
	e.link.Close()
	select {
	case e.result = <-e.served:
	case <-time.After(10 * time.Second):
		e.t.Error("Serve did not return after the ECR closed the link")
	}
	return e.result
}

func (e *ecr) send(ctx context.Context, a zvt.APDU) {
	e.t.Helper()
	if err := e.link.Send(ctx, a); err != nil {
		e.t.Fatalf("send %v: %v", a, err)
	}
}

func (e *ecr) receive(ctx context.Context) zvt.APDU {
	e.t.Helper()
	a, err := e.link.Receive(ctx)
	if err != nil {
		e.t.Fatalf("receive: %v", err)
	}
	return a
}

// command sends a command and returns the PT's answer to it.
func (e *ecr) command(ctx context.Context, a zvt.APDU) zvt.APDU {
	e.t.Helper()
	e.send(ctx, a)
	return e.receive(ctx)
}

// run sends a command, expects 80 00 00, then acknowledges every message
// of the sequence up to and including Completion or Abort, which it
// returns in order.
func (e *ecr) run(ctx context.Context, cmd zvt.APDU) []zvt.APDU {
	e.t.Helper()
	if ans := e.command(ctx, cmd); !ans.IsPositive() {
		e.t.Fatalf("%v answered %v", cmd, ans)
	}
	return e.collect(ctx)
}

// collect acknowledges PT messages until Completion or Abort.
func (e *ecr) collect(ctx context.Context) []zvt.APDU {
	e.t.Helper()
	var got []zvt.APDU
	for {
		a := e.receive(ctx)
		got = append(got, a)
		if a.IsPositive() || a.IsNegative() {
			continue // the answer to an Abort command crossing a message
		}
		e.send(ctx, zvt.Ack())
		if c := a.Code(); c == zvt.CodeCompletion || c == zvt.CodeAbort {
			return got
		}
	}
}

// builder is a zvt command builder.
type builder interface{ APDU() (zvt.APDU, error) }

func build(t *testing.T, b builder) zvt.APDU {
	t.Helper()
	a, err := b.APDU()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func register(t *testing.T, ctx context.Context, e *ecr, cfg zvt.ConfigByte) []zvt.APDU {
	t.Helper()
	return e.run(ctx, build(t, zvt.Registration{Password: testPW, Config: cfg, Currency: zvt.EUR}))
}

func pay(t *testing.T, ctx context.Context, e *ecr, amount int64) []zvt.APDU {
	t.Helper()
	return e.run(ctx, build(t, zvt.Authorisation{Amount: amount, Currency: zvt.EUR}))
}

// transcript sorts a sequence's messages.
type transcript struct {
	intermediate []zvt.IntermediateStatus
	status       []zvt.StatusInfo
	lines        []zvt.PrintLine
	last         zvt.APDU
}

func parse(t *testing.T, msgs []zvt.APDU) transcript {
	t.Helper()
	var tr transcript
	for _, a := range msgs {
		var err error
		switch a.Code() {
		case zvt.CodeIntermediateStatus:
			var s zvt.IntermediateStatus
			s, err = zvt.ParseIntermediateStatus(a.Data)
			tr.intermediate = append(tr.intermediate, s)
		case zvt.CodeStatusInfo:
			var s zvt.StatusInfo
			s, err = zvt.ParseStatusInfo(a.Data)
			tr.status = append(tr.status, s)
		case zvt.CodePrintLine:
			var p zvt.PrintLine
			p, err = zvt.ParsePrintLine(a.Data)
			tr.lines = append(tr.lines, p)
		}
		if err != nil {
			t.Fatalf("parse %v: %v", a, err)
		}
		tr.last = a
	}
	return tr
}

// abortCode returns the result of a final Abort, or -1 for a Completion.
func (tr transcript) abortCode(t *testing.T) int {
	t.Helper()
	switch tr.last.Code() {
	case zvt.CodeCompletion:
		return -1
	case zvt.CodeAbort:
		a, err := zvt.ParseAbort(tr.last.Data)
		if err != nil {
			t.Fatal(err)
		}
		return int(a.Result)
	}
	t.Fatalf("sequence ended with %v", tr.last)
	return 0
}

// states lists the ledger's states, for compact assertions.
func states(term *Terminal) []State {
	var out []State
	for _, tx := range term.Transactions() {
		out = append(out, tx.State)
	}
	return out
}
