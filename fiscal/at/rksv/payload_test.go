package rksv_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// samplePayload is a valid receipt of a fiscald register.
func samplePayload() rksv.Payload {
	return rksv.Payload{
		Provider:    "AT1",
		KassenID:    "FISCALD-AT-1",
		Belegnummer: "ft1A#23",
		Date:        "2026-03-29T02:59:59",
		Amounts:     rksv.Amounts{123456, -3711, 5, 0, -100000000},
		Counter:     "uJze7XlvJmU=",
		Serial:      "a9fdaec7102cd70",
		Chain:       "cg8hNU5ihto=",
	}
}

const samplePayloadString = "_R1-AT1_FISCALD-AT-1_ft1A#23_2026-03-29T02:59:59_1234,56_-37,11_0,05_0,00_-1000000,00_uJze7XlvJmU=_a9fdaec7102cd70_cg8hNU5ihto="

// parseAmountViaPayload parses text as field 5 of an otherwise valid payload.
func parseAmountViaPayload(t *testing.T, text string) int64 {
	t.Helper()
	p, err := rksv.ParsePayload(withField(t, samplePayloadString, 5, text))
	if err != nil {
		t.Fatalf("ParsePayload with amount %q: %v", text, err)
	}
	return p.Amounts[rksv.Normal]
}

// withField replaces field i (1..12) of a payload string.
func withField(t *testing.T, payload string, i int, v string) string {
	t.Helper()
	parts := strings.Split(payload, "_")
	if len(parts) != 13 || i < 1 || i > 12 {
		t.Fatalf("withField(%q, %d): %d parts", payload, i, len(parts))
	}
	parts[i] = v
	return strings.Join(parts, "_")
}

func TestPayloadString(t *testing.T) {
	p := samplePayload()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := p.String(); got != samplePayloadString {
		t.Errorf("String() =\n%q\nwant\n%q", got, samplePayloadString)
	}
	prefix := []byte("keep:")
	if got := string(p.AppendTo(prefix)); got != "keep:"+samplePayloadString {
		t.Errorf("AppendTo(prefix) = %q", got)
	}
	back, err := rksv.ParsePayload(samplePayloadString)
	if err != nil || back != p {
		t.Errorf("ParsePayload = %+v, %v; want %+v", back, err, p)
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		cents int64
		want  string
	}{
		{0, "0,00"}, {1, "0,01"}, {-1, "-0,01"}, {10, "0,10"}, {99, "0,99"}, {100, "1,00"},
		{-100, "-1,00"}, {100000, "1000,00"}, {-123456789, "-1234567,89"},
		{math.MaxInt64, "92233720368547758,07"},
		{math.MinInt64, "-92233720368547758,08"},
		{math.MinInt64 + 1, "-92233720368547758,07"},
	}
	for _, tc := range tests {
		got := rksv.FormatAmount(tc.cents)
		if got != tc.want {
			t.Errorf("FormatAmount(%d) = %q, want %q", tc.cents, got, tc.want)
		}
		if back := parseAmountViaPayload(t, got); back != tc.cents {
			t.Errorf("parse(FormatAmount(%d)) = %d", tc.cents, back)
		}
	}
}

func TestParsePayloadRejectsAmounts(t *testing.T) {
	for _, text := range []string{
		"", "0", "0,0", "0,000", ",00", "-,00", "1.234,56", "1.234.567,00", "1,234.56", "1234.56",
		"+1,00", "01,00", "-01,00", "00,00", "-0,00", "1 000,00", "1,0a", "--1,00", "1,-5",
		"92233720368547758,08", "-92233720368547758,09", "99999999999999999999,00",
		"１,00", // full-width digit
	} {
		if _, err := rksv.ParsePayload(withField(t, samplePayloadString, 5, text)); err == nil {
			t.Errorf("ParsePayload accepted amount %q", text)
		} else if !strings.Contains(err.Error(), "field 5") {
			t.Errorf("amount %q: error %q does not name field 5", text, err)
		}
	}
}

func TestParsePayloadRejects(t *testing.T) {
	tests := []struct {
		name, payload, wantErr string
	}{
		{"empty", "", "parts"},
		{"no leading underscore", "x" + samplePayloadString, "start"},
		{"12 parts", strings.TrimSuffix(samplePayloadString, "_cg8hNU5ihto="), "parts"},
		{"underscore in Belegnummer", withField(t, samplePayloadString, 3, "ft1A_23"), "parts"},
		{"trailing underscore", samplePayloadString + "_", "parts"},
		{"suite R2", withField(t, samplePayloadString, 1, "R2-AT1"), "field 1"},
		{"no suite", withField(t, samplePayloadString, 1, "AT1"), "field 1"},
		{"PFX", withField(t, samplePayloadString, 1, "R1-PFX"), "field 1"},
		{"empty Kassen-ID", withField(t, samplePayloadString, 2, ""), "field 2"},
		{"empty Belegnummer", withField(t, samplePayloadString, 3, ""), "field 3"},
		{"date with zone", withField(t, samplePayloadString, 4, "2026-03-29T02:59:59Z"), "field 4"},
		{"amount 7", withField(t, samplePayloadString, 7, "5"), "field 7"},
		{"amount 9", withField(t, samplePayloadString, 9, "1.000,00"), "field 9"},
		{"counter unpadded", withField(t, samplePayloadString, 10, "uJze7XlvJmU"), "field 10"},
		{"serial decimal-looking but not hex", withField(t, samplePayloadString, 11, "12-34"), "field 11"},
		{"chain unpadded", withField(t, samplePayloadString, 12, "cg8hNU5ihto"), "field 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rksv.ParsePayload(tc.payload)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParsePayload(%q) error = %v, want one containing %q", tc.payload, err, tc.wantErr)
			}
		})
	}
}

func TestPayloadValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*rksv.Payload)
		wantErr string // "" = valid
	}{
		{"sample", func(*rksv.Payload) {}, ""},
		{"AT0 closed system", func(p *rksv.Payload) { p.Provider, p.Serial = "AT0", "U:ATU12345678-K1" }, ""},
		{"AT0 tax number", func(p *rksv.Payload) { p.Provider, p.Serial = "AT0", "S:123456789-K2" }, ""},
		{"AT0 GLN", func(p *rksv.Payload) { p.Provider, p.Serial = "AT0", "G:1234567890123-K1" }, ""},
		{"AT100", func(p *rksv.Payload) { p.Provider = "AT100" }, ""},
		{"other country", func(p *rksv.Payload) { p.Provider = "DE20" }, ""},
		{"upper-case serial", func(p *rksv.Payload) { p.Serial = "C5EEAE4332EA7712" }, ""},
		{"training", func(p *rksv.Payload) { p.Counter = rksv.TrainingCounter }, ""},
		{"storno", func(p *rksv.Payload) { p.Counter = rksv.StornoCounter }, ""},
		{"5-byte counter", func(p *rksv.Payload) { p.Counter = "R2MhEoY=" }, ""},
		{"16-byte counter", func(p *rksv.Payload) { p.Counter = "4r1iIdZGeASrdw68qSF4BA==" }, ""},
		{"UTF-8 ids", func(p *rksv.Payload) { p.KassenID, p.Belegnummer = "Kässa-1", "Beleg №1" }, ""},
		{"leap day", func(p *rksv.Payload) { p.Date = "2024-02-29T00:00:00" }, ""},

		{"PFX", func(p *rksv.Payload) { p.Provider = "PFX" }, "field 1 (Provider)"},
		{"empty provider", func(p *rksv.Payload) { p.Provider = "" }, "field 1 (Provider)"},
		{"AT00", func(p *rksv.Payload) { p.Provider = "AT00" }, "field 1 (Provider)"},
		{"AT01", func(p *rksv.Payload) { p.Provider = "AT01" }, "field 1 (Provider)"},
		{"XX0", func(p *rksv.Payload) { p.Provider = "XX0" }, "field 1 (Provider)"},
		{"lower case", func(p *rksv.Payload) { p.Provider = "at1" }, "field 1 (Provider)"},
		{"with suite", func(p *rksv.Payload) { p.Provider = "R1-AT1" }, "field 1 (Provider)"},
		{"AT1x", func(p *rksv.Payload) { p.Provider = "AT1x" }, "field 1 (Provider)"},
		{"empty Kassen-ID", func(p *rksv.Payload) { p.KassenID = "" }, "field 2 (KassenID)"},
		{"_ in Kassen-ID", func(p *rksv.Payload) { p.KassenID = "K_1" }, "field 2 (KassenID)"},
		{"bad UTF-8 Kassen-ID", func(p *rksv.Payload) { p.KassenID = "K\xff" }, "field 2 (KassenID)"},
		{"empty Belegnummer", func(p *rksv.Payload) { p.Belegnummer = "" }, "field 3 (Belegnummer)"},
		{"_ in Belegnummer", func(p *rksv.Payload) { p.Belegnummer = "ft1A_23" }, "field 3 (Belegnummer)"},
		{"date with fraction", func(p *rksv.Payload) { p.Date = "2026-03-29T02:59:59.5" }, "field 4 (Date)"},
		{"date with space", func(p *rksv.Payload) { p.Date = "2026-03-29 02:59:59" }, "field 4 (Date)"},
		{"date without seconds", func(p *rksv.Payload) { p.Date = "2026-03-29T02:59" }, "field 4 (Date)"},
		{"date Feb 30", func(p *rksv.Payload) { p.Date = "2026-02-30T12:00:00" }, "field 4 (Date)"},
		{"date hour 24", func(p *rksv.Payload) { p.Date = "2026-02-03T24:00:00" }, "field 4 (Date)"},
		{"date with _", func(p *rksv.Payload) { p.Date = "2026-02-03_12:00:00" }, "field 4 (Date)"},
		{"empty counter", func(p *rksv.Payload) { p.Counter = "" }, "field 10 (Counter)"},
		{"unpadded counter", func(p *rksv.Payload) { p.Counter = "uJze7XlvJmU" }, "field 10 (Counter)"},
		{"base64url counter", func(p *rksv.Payload) { p.Counter = "R2MhEoaRO9r_GmfFJO3rXA==" }, "field 10 (Counter)"},
		{"4-byte counter", func(p *rksv.Payload) { p.Counter = "AAAAAA==" }, "field 10 (Counter)"},
		{"17-byte counter", func(p *rksv.Payload) { p.Counter = "AAAAAAAAAAAAAAAAAAAAAAA=" }, "field 10 (Counter)"},
		{"3 bytes other than TRA/STO", func(p *rksv.Payload) { p.Counter = "QUJD" }, "field 10 (Counter)"},
		{"counter with newline", func(p *rksv.Payload) { p.Counter = "uJze7Xlv\nJmU=" }, "field 10 (Counter)"},
		{"empty serial", func(p *rksv.Payload) { p.Serial = "" }, "field 11 (Serial)"},
		{"0x serial", func(p *rksv.Payload) { p.Serial = "0xa9fd" }, "field 11 (Serial)"},
		{"_ in serial", func(p *rksv.Payload) { p.Serial = "a9_fd" }, "field 11 (Serial)"},
		{"company id with AT1", func(p *rksv.Payload) { p.Serial = "U:ATU12345678-K1" }, "field 11 (Serial)"},
		{"hex serial with AT0", func(p *rksv.Payload) { p.Provider = "AT0" }, "field 11 (Serial)"},
		{"AT0 bare prefix", func(p *rksv.Payload) { p.Provider, p.Serial = "AT0", "U:" }, "field 11 (Serial)"},
		{"AT0 _ in id", func(p *rksv.Payload) { p.Provider, p.Serial = "AT0", "U:ATU1_K1" }, "field 11 (Serial)"},
		{"empty chain", func(p *rksv.Payload) { p.Chain = "" }, "field 12 (Chain)"},
		{"unpadded chain", func(p *rksv.Payload) { p.Chain = "cg8hNU5ihto" }, "field 12 (Chain)"},
		{"9-byte chain", func(p *rksv.Payload) { p.Chain = "cg8hNU5ihtoA" }, "field 12 (Chain)"},
		{"chain trailing bits", func(p *rksv.Payload) { p.Chain = "cg8hNU5ihtp=" }, "field 12 (Chain)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := samplePayload()
			tc.mutate(&p)
			err := p.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate(%+v) = %v, want nil", p, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate(%+v) = %v, want error naming %q", p, err, tc.wantErr)
			}
			if tc.wantErr != "" {
				return
			}
			// A valid payload round-trips byte for byte.
			s := p.String()
			back, err := rksv.ParsePayload(s)
			if err != nil || back != p {
				t.Fatalf("ParsePayload(%q) = %+v, %v; want %+v", s, back, err, p)
			}
		})
	}
}

func TestAppendToAllocations(t *testing.T) {
	p := samplePayload()
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		buf = p.AppendTo(buf[:0])
	})
	if allocs != 0 {
		t.Errorf("AppendTo into a large enough buffer allocates %v times, want 0", allocs)
	}
}

func BenchmarkPayloadAppendTo(b *testing.B) {
	p := samplePayload()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendTo(buf[:0])
	}
}
