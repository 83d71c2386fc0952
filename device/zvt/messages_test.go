package zvt

import (
	"strings"
	"testing"
	"time"
)

func TestParseIntermediateStatus(t *testing.T) {
	tests := []struct {
		data    string
		code    byte
		timeout time.Duration
		tlv     int
	}{
		{"0A", 0x0A, 0, 0},
		{"04 02", 0x04, 2 * time.Minute, 0},
		{"0A 06", 0x0A, 6 * time.Minute, 0},                 // 06 minutes, not a TLV container
		{"0A 06 03 12 01 28", 0x0A, 0, 1},                   // TLV container, no timeout
		{"0A 15 06 03 12 01 28", 0x0A, 15 * time.Minute, 1}, // both
		{"4B", 0x4B, 0, 0},
	}
	for _, tt := range tests {
		s, err := ParseIntermediateStatus(hx(t, tt.data))
		if err != nil || s.Code != tt.code || s.Timeout != tt.timeout || len(s.TLV) != tt.tlv {
			t.Errorf("ParseIntermediateStatus(%s) = %+v, %v; want code %02X timeout %v, %d TLV", tt.data, s, err, tt.code, tt.timeout, tt.tlv)
		}
	}
	for _, bad := range []string{"", "0A 1A", "0A 15 06 05 12"} {
		if _, err := ParseIntermediateStatus(hx(t, bad)); err == nil {
			t.Errorf("ParseIntermediateStatus(%s) succeeded, want ErrMalformed", bad)
		}
	}
}

func TestIntermediateText(t *testing.T) {
	tests := map[byte]string{
		0x0A: "insert card",
		0x4A: "insert card – please remove card",
		0x15: "incorrect PIN",
		0xC8: "waiting for cashier",
		0xEE: "status EE",
	}
	for code, want := range tests {
		if got := IntermediateText(code); got != want {
			t.Errorf("IntermediateText(%02X) = %q, want %q", code, got, want)
		}
	}
}

func TestResultCodes(t *testing.T) {
	tests := []struct {
		code    ResultCode
		outcome Outcome
		text    string
	}{
		{0x00, OutcomeApproved, "no error"},
		{0x05, OutcomeDeclined, "declined by the authorisation host (code 5)"},
		{0x63, OutcomeDeclined, "declined by the authorisation host (code 99)"},
		{0x64, OutcomeDeclined, "card not readable"},
		{0x6C, OutcomeCancelled, "aborted by timeout or abort key"},
		{0x6F, OutcomeTechnical, "wrong currency"},
		{0x78, OutcomeDeclined, "card expired"},
		{0x9A, OutcomeTechnical, "ZVT protocol error"},
		{0xA1, OutcomeTimeout, "remote station does not respond"},
		{0xB4, OutcomeDeclined, "already reversed"},
		{0xCC, OutcomeTechnical, "printer not ready"},
		{0xFF, OutcomeTechnical, "system error"},
		{0xE7, OutcomeTechnical, "result code E7"},
	}
	for _, tt := range tests {
		if tt.code.Outcome() != tt.outcome || tt.code.Text() != tt.text {
			t.Errorf("result %02X: %v %q, want %v %q", byte(tt.code), tt.code.Outcome(), tt.code.Text(), tt.outcome, tt.text)
		}
	}
	if s := ResultAborted.String(); !strings.HasPrefix(s, "6C (") {
		t.Errorf("String() = %q", s)
	}
}

func TestParseCompletion(t *testing.T) {
	c, err := ParseCompletion(mustAPDU(t, "06 0F 0A 19 01 29 52 50 00 10 49 09 78").Data)
	if err != nil || c.StatusByte != 1 || c.TerminalID != "52500010" || c.Currency != EUR || !c.Has(BMPPaymentType) {
		t.Fatalf("ParseCompletion = %+v, %v", c, err)
	}
	if _, err := ParseCompletion(hx(t, "19")); err == nil {
		t.Fatal("ParseCompletion of a cut BMP succeeded")
	}
}

func TestParseStatusEnquiryCompletion(t *testing.T) {
	tests := []struct {
		apdu    string
		version string
		status  TerminalStatus
		tlv     int
	}{
		{"06 0F 08 F0 F0 F4 56 31 2E 30 00", "V1.0", TerminalReady, 0},
		{"06 0F 01 F0", "", 0xF0, 0},
		{"06 0F 06 DC 06 03 12 01 28", "", 0xDC, 1},
		{"06 0F 0A F0 F0 F4 56 31 2E 30 F6 06 00", "V1.0", 0xF6, 0},
	}
	for _, tt := range tests {
		s, err := ParseStatusEnquiryCompletion(mustAPDU(t, tt.apdu).Data)
		if err != nil || s.SoftwareVersion != tt.version || s.Status != tt.status || len(s.TLV) != tt.tlv {
			t.Errorf("ParseStatusEnquiryCompletion(%s) = %+v, %v", tt.apdu, s, err)
		}
	}
	if TerminalStatus(0xF0).Text() != "reconciliation required" {
		t.Errorf("TerminalStatus(F0).Text() = %q", TerminalStatus(0xF0).Text())
	}
	if _, err := ParseStatusEnquiryCompletion(nil); err == nil {
		t.Error("empty status-enquiry completion parsed")
	}
}

func TestParseAbort(t *testing.T) {
	a, err := ParseAbort(mustAPDU(t, "06 1E 01 6C").Data)
	if err != nil || a.Result != ResultAborted || a.Result.Outcome() != OutcomeCancelled {
		t.Fatalf("ParseAbort(6C) = %+v, %v", a, err)
	}
	a, err = ParseAbort(mustAPDU(t, "06 1E 03 05 09 78").Data) // bare currency after the code
	if err != nil || a.Result != 0x05 || len(a.Rest) != 2 {
		t.Fatalf("ParseAbort with currency = %+v, %v", a, err)
	}
	a, err = ParseAbort(mustAPDU(t, "06 1E 06 FF 06 03 12 01 28").Data)
	if err != nil || a.Result != ResultSystemError || len(a.Fields) != 1 {
		t.Fatalf("ParseAbort with TLV = %+v, %v", a, err)
	}
	if _, err := ParseAbort(nil); err == nil {
		t.Fatal("ParseAbort of nothing succeeded")
	}
}

func TestParsePrintLine(t *testing.T) {
	tests := []struct {
		data                      string
		text                      string
		last, centred, wide, tall bool
		indent                    int
		lines                     int
	}{
		{"00 " + ascii("Betrag EUR 10,00"), "Betrag EUR 10,00", false, false, false, false, 0, 1},
		{"03 " + ascii("x"), "x", false, false, false, false, 3, 1},
		{"40 " + ascii("Danke"), "Danke", false, true, false, false, 0, 1},
		{"30", "", false, false, true, true, 0, 1},
		{"C0 " + ascii("Ende"), "Ende", true, true, false, false, 0, 1},
		{"80", "", false, false, false, false, 0, 1},
		{"FF 03", "", false, false, false, false, 0, 3},
		{"00 C4 E4", "Ää", false, false, false, false, 0, 1}, // ISO 8859-1
	}
	for _, tt := range tests {
		p, err := ParsePrintLine(hx(t, tt.data))
		if err != nil || p.Text != tt.text || p.LastLine() != tt.last || p.Centred() != tt.centred ||
			p.DoubleWidth() != tt.wide || p.DoubleHeight() != tt.tall || p.Indent() != tt.indent || len(p.Lines()) != tt.lines {
			t.Errorf("ParsePrintLine(%s) = %+v, %v", tt.data, p, err)
		}
	}
	for _, bad := range []string{"", "FF"} {
		if _, err := ParsePrintLine(hx(t, bad)); err == nil {
			t.Errorf("ParsePrintLine(%s) succeeded", bad)
		}
	}
}

func TestParsePrintTextBlock(t *testing.T) {
	// 06 <TLV: 25 {07 "Hallo", 07 "", 09 ""}, 1F07 customer>
	apdu := mustAPDU(t, "06 D3 13 06 11 25 0B 07 05 48 61 6C 6C 6F 07 00 09 00 1F 07 01 02")
	b, err := ParsePrintTextBlock(apdu.Data)
	if err != nil {
		t.Fatal(err)
	}
	if b.ReceiptType != ReceiptCustomer || len(b.Lines) != 2 || b.Lines[0] != "Hallo" || b.Lines[1] != "" || !b.EndOfReceipt {
		t.Fatalf("ParsePrintTextBlock = %+v", b)
	}
	for _, bad := range []string{"", "27 00", "06 02 25 05"} {
		if _, err := ParsePrintTextBlock(hx(t, bad)); err == nil {
			t.Errorf("ParsePrintTextBlock(%s) succeeded", bad)
		}
	}
}

func TestStatusInfoTimestamp(t *testing.T) {
	// BMP 0D has no year: a receipt from 31 December read on 1 January
	// belongs to the previous year.
	s := StatusInfo{Time: "235959", Date: "1231"}
	ref := time.Date(2027, 1, 1, 0, 0, 5, 0, time.UTC)
	if ts, ok := s.Timestamp(ref); !ok || ts.Year() != 2026 {
		t.Errorf("Timestamp = %v, %v; want 2026-12-31", ts, ok)
	}
	// BMP AA carries the year and wins over 0D whatever the order.
	for _, data := range []string{"0C 12 00 00 0D 05 17 AA 25 05 17", "0C 12 00 00 AA 25 05 17 0D 05 17"} {
		info, err := ParseStatusInfo(hx(t, data))
		if err != nil {
			t.Fatal(err)
		}
		if ts, ok := info.Timestamp(ref); !ok || !ts.Equal(time.Date(2025, 5, 17, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("Timestamp(%s) = %v, %v", data, ts, ok)
		}
	}
	if _, ok := (StatusInfo{}).Timestamp(ref); ok {
		t.Error("Timestamp without date and time reported ok")
	}
}

func TestParseStatusInfoCardTypeAbove255(t *testing.T) {
	info, err := ParseStatusInfo(hx(t, "27 00 8A FF 06 04 41 02 01 2C"))
	if err != nil || info.CardType != 300 {
		t.Fatalf("card type = %d, %v; want 300 from TLV 41", info.CardType, err)
	}
	if _, err := ParseStatusInfo(hx(t, "04 00 00 00 00 1A 00")); err == nil {
		t.Fatal("amount with a non-BCD digit parsed")
	}
}
