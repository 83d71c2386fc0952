package zvt_test

import (
	"context"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/zvt"
)

// An approval the ECR acknowledged, with its receipt complete, is final
// (devices.md §1.10): an Abort after it does not undo it. Without the
// complete receipt the PT has not booked yet, and its Abort stands.
func TestECRAbortAfterFinalApproval(t *testing.T) {
	for _, c := range []struct {
		name     string
		lastLine bool
		want     device.PayOutcome
	}{
		{"receipt complete", true, device.PayApproved},
		{"receipt incomplete", false, device.PayCancelled},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := ecrCtx(t, 10*time.Second)
			ecrEnd, pt := scriptPair(t, ctx)
			var si []byte
			si, _ = zvt.AppendBMP(si, zvt.Field{ID: zvt.BMPResultCode, Value: []byte{0}})
			si, _ = zvt.AppendBMP(si, zvt.Field{ID: zvt.BMPAmount, Value: []byte{0, 0, 0, 0, 0x12, 0x50}})
			si, _ = zvt.AppendBMP(si, zvt.Field{ID: zvt.BMPReceipt, Value: []byte{0x00, 0x09}})
			attr := byte(0x00)
			if c.lastLine {
				attr = 0xC0 // centred, last line of the receipt
			}
			script := make(chan struct{})
			go func() {
				defer close(script)
				pt.recv(zvt.CodeRegistration)
				pt.send(zvt.Ack())
				pt.exchange(zvt.APDU{Class: 0x06, Instr: 0x0F})
				pt.recv(zvt.CodeAuthorisation)
				pt.send(zvt.Ack())
				pt.exchange(zvt.APDU{Class: 0x04, Instr: 0x0F, Data: si})
				pt.exchange(zvt.APDU{Class: 0x06, Instr: 0xD1, Data: append([]byte{attr}, "approved"...)})
				pt.exchange(zvt.APDU{Class: 0x06, Instr: 0x1E, Data: []byte{byte(zvt.ResultAborted)}})
			}()
			e := newECR(t, func(context.Context) (zvt.Link, error) { return zvt.NewTCPLink(ecrEnd), nil })
			res, err := e.Pay(ctx, device.PayRequest{Amount: 1250})
			if err != nil || res.Outcome != c.want {
				t.Fatalf("Pay = %+v, %v; want %v", res, err, c.want)
			}
			<-script
		})
	}
}
