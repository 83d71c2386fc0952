package zvtsim

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

func TestRegistration(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	msgs := register(t, ctx, e, zvt.ConfigFiscald)
	if len(msgs) != 1 || msgs[0].Code() != zvt.CodeCompletion {
		t.Fatalf("registration sequence %v, want one Completion", msgs)
	}
	c, err := zvt.ParseCompletion(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if c.TerminalID != testTID || c.StatusByte != 0 || c.Currency != zvt.EUR || !c.Has(zvt.BMPPaymentType) {
		t.Errorf("completion %+v", c)
	}
	if term.Config() != zvt.ConfigFiscald {
		t.Errorf("config %02X, want BE", byte(term.Config()))
	}
	// Wrong password and wrong currency are refused, the link stays up.
	bad := build(t, zvt.Registration{Password: zvt.Password{0x65, 0x43, 0x21}, Config: zvt.ConfigFiscald})
	if a := e.command(ctx, bad); !a.IsNegative() {
		t.Errorf("wrong password answered %v", a)
	}
	usd := build(t, zvt.Registration{Password: testPW, Config: zvt.ConfigFiscald, Currency: 840})
	if a := e.command(ctx, usd); a.ResponseCode() != zvt.ResultWrongCurrency {
		t.Errorf("USD answered %v", a)
	}
	// Log-Off falls back to 86.
	if a := e.command(ctx, zvt.LogOffCommand()); !a.IsPositive() || term.Config() != configLoggedOff {
		t.Errorf("log-off answered %v, config %02X", a, byte(term.Config()))
	}
}

func TestApprovedPayment(t *testing.T) {
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	term := newSim(t, Options{Clock: func() time.Time { return at }})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	register(t, ctx, e, zvt.ConfigFiscald)
	tr := parse(t, pay(t, ctx, e, 1234))
	if len(tr.intermediate) == 0 || tr.intermediate[0].Code != statusInsertCard {
		t.Errorf("intermediate statuses %+v, want insert card first", tr.intermediate)
	}
	if len(tr.status) != 1 {
		t.Fatalf("%d Status-Information, want 1", len(tr.status))
	}
	si := tr.status[0]
	if si.Result != zvt.ResultOK || si.Amount != 1234 || si.Trace != 1 || si.Receipt != 1 ||
		si.TerminalID != testTID || si.CardType != cardTypeVisa || si.CardName != "VISA" ||
		si.PAN != "411111******1111" || si.Time != "150926" || si.Date != "0314" {
		t.Errorf("status information %+v", si)
	}
	if len(tr.lines) < 3 || !tr.lines[len(tr.lines)-1].LastLine() {
		t.Errorf("print lines %+v, want a receipt ending with a last line", tr.lines)
	}
	if tr.abortCode(t) != -1 {
		t.Errorf("ended with %v, want Completion", tr.last)
	}
	txs := term.Transactions()
	if len(txs) != 1 || !txs[0].Charged() || txs[0].Amount != 1234 || !txs[0].Time.Equal(at) {
		t.Errorf("ledger %+v", txs)
	}

	// An ECR that registered without Intermediate-Status and print lines
	// gets neither.
	register(t, ctx, e, zvt.ConfigECRPrintsPayment|zvt.ConfigECRControlsPayment)
	tr = parse(t, pay(t, ctx, e, 500))
	if len(tr.intermediate) != 0 || len(tr.lines) != 0 || len(tr.status) != 1 || tr.status[0].Trace != 2 {
		t.Errorf("plain registration got %d intermediate, %d lines, status %+v", len(tr.intermediate), len(tr.lines), tr.status)
	}
}

func TestAmountTable(t *testing.T) {
	for _, o := range Outcomes() {
		if o.Disconnect {
			continue // the link drops: TestECRSandboxOutcomes and /v2/pay's tests follow it
		}
		t.Run(fmt.Sprintf("%d %s", o.Amount, o.Description), func(t *testing.T) {
			term := newSim(t, Options{})
			e := connectTCP(t, term)
			ctx := testCtx(t, 10*time.Second)
			register(t, ctx, e, zvt.ConfigFiscald)
			start := time.Now()
			tr := parse(t, pay(t, ctx, e, o.Amount))
			if el, min := time.Since(start), time.Duration(float64(o.Delay)*0.0001); el < min {
				t.Errorf("took %v, want at least %v", el, min)
			}
			code := tr.abortCode(t)
			switch {
			case o.Result == zvt.ResultOK:
				if code != -1 || len(tr.status) != 1 || tr.status[0].Amount != o.Charged {
					t.Errorf("approval: abort %d, status %+v, want amount %d", code, tr.status, o.Charged)
				}
				if !slices.Equal(states(term), []State{StateBooked}) {
					t.Errorf("ledger %v", states(term))
				}
			case hostCode(o.Result):
				if code != int(o.Result) || len(tr.status) != 1 || tr.status[0].Result != o.Result {
					t.Errorf("decline: abort %d, status %+v", code, tr.status)
				}
				if !slices.Equal(states(term), []State{StateDeclined}) {
					t.Errorf("ledger %v", states(term))
				}
			default:
				if code != int(o.Result) || len(tr.status) != 0 || len(term.Transactions()) != 0 {
					t.Errorf("abort: code %d, %d status, ledger %v", code, len(tr.status), states(term))
				}
			}
			// Long waits keep the ECR's T4 alive: one Intermediate-Status
			// per 5 s of simulated time.
			if want := int(o.Delay / progressEvery); len(tr.intermediate) < want {
				t.Errorf("%d Intermediate-Status, want at least %d", len(tr.intermediate), want)
			}
		})
	}
	if got := outcomeFor(4711); got.Result != zvt.ResultOK || got.Charged != 4711 || got.Delay != 0 {
		t.Errorf("default outcome %+v", got)
	}
}

func TestForceResult(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	register(t, ctx, e, zvt.ConfigFiscald)
	term.ForceResult(zvt.ResultCardNotReadable)
	if tr := parse(t, pay(t, ctx, e, 1000)); tr.abortCode(t) != int(zvt.ResultCardNotReadable) || len(tr.status) != 0 {
		t.Errorf("forced 64: %v", tr.last)
	}
	// One-shot: the next payment follows the table again.
	if tr := parse(t, pay(t, ctx, e, 1000)); tr.abortCode(t) != -1 {
		t.Errorf("after forced result: %v", tr.last)
	}
	term.ForceResult(0x33)
	if tr := parse(t, pay(t, ctx, e, 1000)); tr.abortCode(t) != 0x33 || len(tr.status) != 1 {
		t.Errorf("forced host code 33: %v", tr.last)
	}
	if !slices.Equal(states(term), []State{StateBooked, StateDeclined}) {
		t.Errorf("ledger %v", states(term))
	}
}

// TestNoAckAutoReverses: the ECR dies between the Status-Information and
// its acknowledgement; the PT reverses, so nothing is charged, and Repeat
// Receipt shows the ECR the last booked payment, not the reversed one.
func TestNoAckAutoReverses(t *testing.T) {
	term := newSim(t, Options{})
	ctx := testCtx(t, 10*time.Second)
	e := connectTCP(t, term)
	register(t, ctx, e, zvt.ConfigFiscald)
	pay(t, ctx, e, 700)
	e.send(ctx, build(t, zvt.Authorisation{Amount: 800}))
	for a := e.receive(ctx); a.Code() != zvt.CodeStatusInfo; a = e.receive(ctx) {
		if a.Code() == zvt.CodeIntermediateStatus {
			e.send(ctx, zvt.Ack())
		}
	}
	if err := e.close(); err == nil {
		t.Error("Serve returned nil after losing the ECR mid-payment")
	}
	txs := term.Transactions()
	if len(txs) != 2 || !txs[0].Charged() || txs[1].State != StateReversed || !txs[1].AutoReversed || txs[1].Charged() {
		t.Fatalf("ledger %+v, want booked 700 and auto-reversed 800", txs)
	}

	e = connectTCP(t, term)
	tr := parse(t, e.run(ctx, build(t, zvt.RepeatReceipt{Password: testPW})))
	if len(tr.status) != 1 || tr.status[0].Amount != 700 || tr.status[0].Receipt != txs[0].Receipt || tr.abortCode(t) != -1 {
		t.Errorf("repeat receipt %+v, want the booked 700", tr.status)
	}
	if len(tr.lines) == 0 {
		t.Error("repeat receipt without print lines")
	}
}

func TestRepeatReceiptWithoutTransaction(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	tr := parse(t, e.run(ctx, build(t, zvt.RepeatReceipt{Password: testPW})))
	if tr.abortCode(t) != int(resultNotPossible) {
		t.Errorf("repeat receipt of nothing ended with %v", tr.last)
	}
}

func TestNegativeAnswerReverses(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	register(t, ctx, e, zvt.ConfigFiscald)
	e.send(ctx, build(t, zvt.Authorisation{Amount: 900}))
	for a := e.receive(ctx); ; a = e.receive(ctx) {
		if a.Code() == zvt.CodePrintLine {
			e.send(ctx, zvt.Nack(zvt.ResultPrinterNotReady)) // printer out of paper
			break
		}
		if !a.IsPositive() {
			e.send(ctx, zvt.Ack())
		}
	}
	tr := parse(t, e.collect(ctx))
	if tr.abortCode(t) != int(zvt.ResultAborted) {
		t.Errorf("after a refused print line: %v", tr.last)
	}
	if !slices.Equal(states(term), []State{StateReversed}) {
		t.Errorf("ledger %v", states(term))
	}
}

func TestDisconnectFaults(t *testing.T) {
	for _, tc := range []struct {
		step Step
		want []State
	}{
		{StepAfterCommandAck, nil},
		{StepAfterStatusInfo, []State{StateReversed}},
		{StepAfterCompletion, []State{StateBooked}},
	} {
		t.Run(fmt.Sprint(tc.step), func(t *testing.T) {
			term := newSim(t, Options{})
			e := connectTCP(t, term)
			ctx := testCtx(t, 5*time.Second)
			term.DisconnectAt(tc.step)
			e.send(ctx, build(t, zvt.Authorisation{Amount: 1000}))
			for {
				a, err := e.link.Receive(ctx)
				if err != nil {
					break // the PT hung up
				}
				if !a.IsPositive() {
					_ = e.link.Send(ctx, zvt.Ack())
				}
			}
			if err := e.close(); !errors.Is(err, ErrInjectedDisconnect) {
				t.Errorf("Serve returned %v", err)
			}
			if !slices.Equal(states(term), tc.want) {
				t.Errorf("ledger %v, want %v", states(term), tc.want)
			}
		})
	}
}

func TestDelayFault(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	term.SetDelay(50 * time.Millisecond)
	start := time.Now()
	e.run(ctx, build(t, zvt.StatusEnquiry{Password: testPW}))
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Errorf("answered after %v, want the 50 ms delay", el)
	}
	term.ClearFaults()
}

// TestAbortFromECR: the cashier cancels while the PT waits for the card.
func TestAbortFromECR(t *testing.T) {
	term := newSim(t, Options{TimeScale: 1}) // a real six-minute wait
	e := connectTCP(t, term)
	ctx := testCtx(t, 10*time.Second)
	register(t, ctx, e, zvt.ConfigFiscald)
	if a := e.command(ctx, build(t, zvt.Authorisation{Amount: 3000080})); !a.IsPositive() {
		t.Fatalf("authorisation answered %v", a)
	}
	if a := e.receive(ctx); a.Code() != zvt.CodeIntermediateStatus {
		t.Fatalf("got %v, want insert card", a)
	}
	e.send(ctx, zvt.Ack())
	e.send(ctx, zvt.AbortCommand())
	msgs := e.collect(ctx)
	if !msgs[0].IsPositive() {
		t.Errorf("abort answered %v", msgs[0])
	}
	if tr := parse(t, msgs); tr.abortCode(t) != int(zvt.ResultAborted) {
		t.Errorf("ended with %v, want 06 1E 6C", tr.last)
	}
	if len(term.Transactions()) != 0 {
		t.Errorf("ledger %v after abort", states(term))
	}
	// Without a payment running, an Abort is refused.
	if a := e.command(ctx, zvt.AbortCommand()); !a.IsNegative() {
		t.Errorf("idle abort answered %v", a)
	}
}

func TestStatusEnquiry(t *testing.T) {
	term := newSim(t, Options{})
	e := connectTCP(t, term)
	ctx := testCtx(t, 5*time.Second)
	msgs := e.run(ctx, build(t, zvt.StatusEnquiry{Password: testPW}))
	st, err := zvt.ParseStatusEnquiryCompletion(msgs[len(msgs)-1].Data)
	if err != nil || st.Status != zvt.TerminalReady || st.SoftwareVersion != softwareVersion {
		t.Errorf("status enquiry: %+v, %v", st, err)
	}
	if a := e.command(ctx, build(t, zvt.StatusEnquiry{Password: zvt.Password{0, 0, 1}})); !a.IsNegative() {
		t.Errorf("wrong password answered %v", a)
	}
}
