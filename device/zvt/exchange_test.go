package zvt

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// step is one APDU of a recorded sequence.
type step struct {
	fromECR bool
	hex     string
}

// authorisationExchange is the full authorisation of §1.7 as it appears on
// the wire: 10.00 EUR, girocard with PIN, receipt lines sent to the ECR.
// The trace number 1010 and the amount put DLE bytes into the serial
// frames.
func authorisationExchange() []step {
	const (
		ecr = true
		pt  = false
	)
	return []step{
		{ecr, "06 01 0A 04 00 00 00 00 10 00 49 09 78"},
		{pt, "80 00 00"},
		{pt, "04 FF 01 0A"}, // insert card
		{ecr, "80 00 00"},
		{pt, "04 FF 02 04 02"}, // waiting for host, T4 now 2 minutes
		{ecr, "80 00 00"},
		{pt, "04 0F 62" +
			" 27 00" +
			" 04 00 00 00 00 10 00" +
			" 0B 00 10 10" +
			" 0C 14 30 15" +
			" 0D 05 17" +
			" 0E 28 12" +
			" 17 00 01" +
			" 19 70" +
			" 22 F0 F8 67 99 99 EE EE EE 12 34" +
			" 29 52 50 00 10" +
			" 2A 34 37 31 31 20 20 20 20 20 20 20 20 20 20 20" +
			" 3B 31 32 33 34 35 36 00 00" +
			" 49 09 78" +
			" 87 00 42" +
			" 88 00 00 17" +
			" 8A 05" +
			" 8B F0 F8 67 69 72 6F 63 61 72 64" +
			" 06 04 1F 11 01 01"},
		{ecr, "80 00 00"}, // the payment is final from here on
		{pt, "06 D1 09 40 67 69 72 6F 63 61 72 64"}, // "girocard", centred
		{ecr, "80 00 00"},
		{pt, "06 D1 02 FF 02"}, // two line feeds
		{ecr, "80 00 00"},
		{pt, "06 D1 01 81"}, // empty last line: cut here
		{ecr, "80 00 00"},
		{pt, "06 0F 00"},
		{ecr, "80 00 00"},
	}
}

// TestAuthorisationTranscript decodes every APDU of §1.7 and checks what
// the ECR learns from each, byte for byte.
func TestAuthorisationTranscript(t *testing.T) {
	steps := authorisationExchange()
	wantCodes := []Code{CodeAuthorisation, CodePositive, CodeIntermediateStatus, CodePositive,
		CodeIntermediateStatus, CodePositive, CodeStatusInfo, CodePositive, CodePrintLine, CodePositive,
		CodePrintLine, CodePositive, CodePrintLine, CodePositive, CodeCompletion, CodePositive}
	var (
		inter []IntermediateStatus
		lines []PrintLine
		info  StatusInfo
	)
	for i, s := range steps {
		raw := hx(t, s.hex)
		a := mustAPDU(t, s.hex)
		if a.Code() != wantCodes[i] {
			t.Fatalf("step %d: code %v, want %v", i, a.Code(), wantCodes[i])
		}
		if got := encode(t, a); !equalBytes(got, raw) {
			t.Fatalf("step %d: re-encoded % X, want % X", i, got, raw)
		}
		frame, err := AppendFrame(nil, a)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := DecodeFrame(frame); err != nil || !back.Equal(a) {
			t.Fatalf("step %d: frame round trip: %v, %v", i, back, err)
		}
		var perr error
		switch a.Code() {
		case CodeAuthorisation:
			var auth Authorisation
			auth, perr = ParseAuthorisation(a.Data)
			if auth.Amount != 1000 || auth.Currency != EUR {
				t.Errorf("authorisation = %+v, want 1000 EUR", auth)
			}
		case CodeIntermediateStatus:
			var s IntermediateStatus
			s, perr = ParseIntermediateStatus(a.Data)
			inter = append(inter, s)
		case CodeStatusInfo:
			info, perr = ParseStatusInfo(a.Data)
		case CodePrintLine:
			var l PrintLine
			l, perr = ParsePrintLine(a.Data)
			lines = append(lines, l)
		case CodeCompletion:
			var c Completion
			c, perr = ParseCompletion(a.Data)
			if len(c.Fields) != 0 {
				t.Errorf("completion after payment has fields %v", c.Fields)
			}
		}
		if perr != nil {
			t.Fatalf("step %d (%v): %v", i, a.Code(), perr)
		}
	}

	if len(inter) != 2 || inter[0].Code != 0x0A || inter[0].Text() != "insert card" || inter[0].Timeout != 0 ||
		inter[1].Code != 0x04 || inter[1].Timeout != 2*time.Minute {
		t.Errorf("intermediate statuses = %+v", inter)
	}

	want := StatusInfo{
		Result: ResultOK, Amount: 1000, Trace: 1010, Time: "143015", Date: "0517", Expiry: "2812",
		CardSequence: 1, PaymentType: 0x70, PAN: "679999******1234", TerminalID: "52500010",
		VUNumber: "4711", AID: "123456", Currency: EUR, Receipt: 42, TurnoverRecord: 17,
		CardType: 5, CardName: "girocard",
	}
	got := info
	got.Fields, got.TLV = nil, nil
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("status information:\n got %+v\nwant %+v", got, want)
	}
	if len(info.TLV) != 1 || info.TLV[0].Tag != 0x1F11 || !info.Has(BMPReceipt) || info.Has(BMPOriginalTrace) {
		t.Errorf("status information TLV %v, Has(87) %v, Has(37) %v", info.TLV, info.Has(BMPReceipt), info.Has(BMPOriginalTrace))
	}
	if info.Result.Outcome() != OutcomeApproved || CardTypeName(info.CardType) != "girocard" {
		t.Errorf("outcome %v, card %q", info.Result.Outcome(), CardTypeName(info.CardType))
	}
	ref := time.Date(2026, 5, 17, 15, 0, 0, 0, time.UTC)
	if ts, ok := info.Timestamp(ref); !ok || !ts.Equal(time.Date(2026, 5, 17, 14, 30, 15, 0, time.UTC)) {
		t.Errorf("Timestamp = %v, %v", ts, ok)
	}

	if len(lines) != 3 || lines[0].Text != "girocard" || !lines[0].Centred() || lines[0].LastLine() ||
		len(lines[1].Lines()) != 2 || lines[1].LastLine() || !lines[2].LastLine() || lines[2].Text != "" {
		t.Errorf("print lines = %+v", lines)
	}
}

// playScript runs a recorded sequence over two links at once: the ECR
// side plays the ECR's steps and expects the PT's, and vice versa. Both
// stop at the first difference; ctx bounds the whole exchange.
func playScript(t *testing.T, ctx context.Context, ecrLink, ptLink Link, steps []step) {
	t.Helper()
	apdus := make([]APDU, len(steps))
	for i, s := range steps {
		apdus[i] = mustAPDU(t, s.hex)
	}
	play := func(l Link, isECR bool) error {
		side := map[bool]string{true: "ECR", false: "PT"}[isECR]
		for i, s := range steps {
			if s.fromECR == isECR {
				if err := l.Send(ctx, apdus[i]); err != nil {
					return fmt.Errorf("%s step %d: send %v: %w", side, i, apdus[i], err)
				}
				continue
			}
			got, err := l.Receive(ctx)
			if err != nil {
				return fmt.Errorf("%s step %d: receive: %w", side, i, err)
			}
			if !got.Equal(apdus[i]) {
				return fmt.Errorf("%s step %d: received %v % X, want %v % X", side, i, got, got.Data, apdus[i], apdus[i].Data)
			}
		}
		return nil
	}
	errc := make(chan error, 2)
	go func() { errc <- play(ecrLink, true) }()
	go func() { errc <- play(ptLink, false) }()
	for range 2 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
