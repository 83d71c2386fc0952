package zvt_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/zvt"
)

// scriptPT plays a PT that repeats frames, as a serial layer whose ACK
// got lost delivers them: it sends each message and expects the ECR's
// answer.
type scriptPT struct {
	t    *testing.T
	ctx  context.Context
	link zvt.Link
}

func (p scriptPT) recv(want zvt.Code) {
	p.t.Helper()
	a, err := p.link.Receive(p.ctx)
	if err != nil || a.Code() != want {
		p.t.Errorf("PT got %v, %v; want %v", a, err, want)
	}
}

func (p scriptPT) send(a zvt.APDU) {
	p.t.Helper()
	if err := p.link.Send(p.ctx, a); err != nil {
		p.t.Errorf("PT send %v: %v", a, err)
	}
}

// exchange sends a and awaits the ECR's 80 00 00.
func (p scriptPT) exchange(a zvt.APDU) {
	p.t.Helper()
	p.send(a)
	p.recv(zvt.CodePositive)
}

// scriptPair connects a scripted PT to the ECR's end over loopback TCP:
// real sockets, not net.Pipe, because both sides may write at once, which
// an unbuffered pipe would deadlock.
func scriptPair(t *testing.T, ctx context.Context) (ecrEnd net.Conn, pt scriptPT) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ecrEnd, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ptEnd, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	pt = scriptPT{t: t, ctx: ctx, link: zvt.NewTCPLink(ptEnd)}
	t.Cleanup(func() { pt.link.Close(); ecrEnd.Close() })
	return ecrEnd, pt
}

func TestECRToleratesRepeatedFrames(t *testing.T) {
	ctx := ecrCtx(t, 10*time.Second)
	ecrEnd, pt := scriptPair(t, ctx)
	var si []byte
	si, _ = zvt.AppendBMP(si, zvt.Field{ID: zvt.BMPResultCode, Value: []byte{0}})
	si, _ = zvt.AppendBMP(si, zvt.Field{ID: zvt.BMPAmount, Value: []byte{0, 0, 0, 0, 0x12, 0x50}})
	si, _ = zvt.AppendBMP(si, zvt.Field{ID: zvt.BMPReceipt, Value: []byte{0x00, 0x07}})
	info := zvt.APDU{Class: 0x04, Instr: 0x0F, Data: si}
	completion := zvt.APDU{Class: 0x06, Instr: 0x0F}
	script := make(chan struct{})
	go func() {
		defer close(script)
		pt.recv(zvt.CodeRegistration)
		pt.send(zvt.Ack())
		pt.exchange(completion)
		pt.recv(zvt.CodeAuthorisation)
		pt.send(zvt.Ack())
		pt.exchange(info)
		pt.exchange(info) // the repeat
		pt.exchange(zvt.APDU{Class: 0x06, Instr: 0xD1, Data: append([]byte{0xC0}, "approved"...)})
		pt.exchange(completion)
		// A repeat after the sequence ended: the ECR answers it while it
		// waits for the answer to its next command.
		pt.send(completion)
		pt.recv(zvt.CodeStatusEnquiry)
		pt.recv(zvt.CodePositive)
		pt.send(zvt.Ack())
		pt.exchange(zvt.APDU{Class: 0x06, Instr: 0x0F, Data: []byte{0x00}})
	}()
	e := newECR(t, func(context.Context) (zvt.Link, error) { return zvt.NewTCPLink(ecrEnd), nil })
	persisted := 0
	res, err := e.Pay(ctx, device.PayRequest{Amount: 1250, PayHooks: device.PayHooks{
		Persist: func(device.PayResult) error { persisted++; return nil },
	}})
	if err != nil || res.Outcome != device.PayApproved || res.ReceiptNo != "0007" || persisted != 1 {
		t.Fatalf("Pay = %+v, %v, persisted %d times", res, err, persisted)
	}
	// The repeated Completion arrives while the ECR waits for the answer
	// to its next command.
	if st, err := e.Probe(ctx); err != nil || st.Status != zvt.TerminalReady {
		t.Errorf("Probe = %+v, %v", st, err)
	}
	select {
	case <-script:
	case <-ctx.Done():
		t.Fatal("script did not finish")
	}
}
