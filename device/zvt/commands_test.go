package zvt

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestCommandBytes(t *testing.T) {
	pw, err := ParsePassword("123456")
	if err != nil {
		t.Fatal(err)
	}
	build := func(a APDU, err error) APDU {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name string
		apdu APDU
		want string
	}{
		// §1.7: fiscald's registration and a 10.00 EUR payment.
		{"registration", build(Registration{Password: pw, Config: ConfigFiscald, Currency: EUR}.APDU()), "06 00 06 12 34 56 BE 09 78"},
		{"registration without currency", build(Registration{Password: pw, Config: 0x86}.APDU()), "06 00 04 12 34 56 86"},
		{"registration with TLV", build(Registration{Password: pw, Config: ConfigFiscald,
			TLV: []TLV{PermittedCommands(CodePrintTextBlock), PrinterWidth(40)}}.APDU()),
			"06 00 11 12 34 56 BE 09 78 06 09 26 04 0A 02 06 D3 12 01 28"},
		{"registration with service byte", build(Registration{Password: pw, Config: ConfigFiscald, Currency: EUR, ServiceByte: 0x01}.APDU()),
			"06 00 08 12 34 56 BE 09 78 03 01"},
		{"authorisation", build(Authorisation{Amount: 1000, Currency: EUR}.APDU()), "06 01 0A 04 00 00 00 00 10 00 49 09 78"},
		{"authorisation with payment type", build(Authorisation{Amount: 1250, PaymentType: 0x40}.APDU()), "06 01 09 04 00 00 00 00 12 50 19 40"},
		{"reversal", build(Reversal{Password: pw, Receipt: 42}.APDU()), "06 30 06 12 34 56 87 00 42"},
		{"reversal with amount", build(Reversal{Password: pw, Receipt: 9999, Amount: 1000, Currency: EUR}.APDU()),
			"06 30 10 12 34 56 87 99 99 04 00 00 00 00 10 00 49 09 78"},
		{"refund", build(Refund{Password: pw, Amount: 500, Currency: EUR}.APDU()), "06 31 0D 12 34 56 04 00 00 00 00 05 00 49 09 78"},
		{"end of day", build(EndOfDay{Password: pw}.APDU()), "06 50 03 12 34 56"},
		{"repeat receipt", build(RepeatReceipt{Password: pw}.APDU()), "06 20 03 12 34 56"},
		{"status enquiry", build(StatusEnquiry{Password: pw}.APDU()), "05 01 03 12 34 56"},
		{"status enquiry with service byte", build(StatusEnquiry{Password: pw, ServiceByte: 2}.APDU()), "05 01 05 12 34 56 03 02"},
		{"abort", AbortCommand(), "06 B0 00"},
		{"log-off", LogOffCommand(), "06 02 00"},
		{"ack", Ack(), "80 00 00"},
	}
	for _, tt := range tests {
		if got, want := encode(t, tt.apdu), hx(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("%s = % X, want % X", tt.name, got, want)
		}
	}
}

func TestCommandArguments(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"zero amount", func() error { _, err := Authorisation{}.APDU(); return err }()},
		{"negative amount", func() error { _, err := Authorisation{Amount: -1}.APDU(); return err }()},
		{"13-digit amount", func() error { _, err := Authorisation{Amount: 1_000_000_000_000}.APDU(); return err }()},
		{"refund without amount", func() error { _, err := Refund{}.APDU(); return err }()},
		{"receipt above 9999", func() error { _, err := Reversal{Receipt: 10000}.APDU(); return err }()},
		{"currency above 9999", func() error { _, err := Authorisation{Amount: 1, Currency: 10000}.APDU(); return err }()},
		{"short password", func() error { _, err := ParsePassword("12345"); return err }()},
		{"password with a letter", func() error { _, err := ParsePassword("12345a"); return err }()},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", tt.name, tt.err)
		}
	}
}

// The simulator parses what the driver builds: requests round-trip.
func TestCommandRoundTrip(t *testing.T) {
	pw, _ := ParsePassword("000042")
	reg := Registration{Password: pw, Config: ConfigFiscald, Currency: EUR, ServiceByte: 3,
		TLV: []TLV{PermittedCommands(CodePrintLine), PrinterWidth(42)}}
	a, err := reg.APDU()
	if err != nil {
		t.Fatal(err)
	}
	gotReg, err := ParseRegistration(a.Data)
	if err != nil || !reflect.DeepEqual(gotReg, reg) {
		t.Fatalf("ParseRegistration = %+v, %v; want %+v", gotReg, err, reg)
	}

	auth := Authorisation{Amount: 123456789012, Currency: EUR, PaymentType: 0x40, TLV: []TLV{{Tag: 0x1F05, Value: []byte{1}}}}
	a, _ = auth.APDU()
	gotAuth, err := ParseAuthorisation(a.Data)
	if err != nil || !reflect.DeepEqual(gotAuth, auth) {
		t.Fatalf("ParseAuthorisation = %+v, %v; want %+v", gotAuth, err, auth)
	}

	rev := Reversal{Password: pw, Receipt: 1010, Amount: 1000, Currency: EUR}
	a, _ = rev.APDU()
	gotRev, err := ParseReversal(a.Data)
	if err != nil || gotRev != rev {
		t.Fatalf("ParseReversal = %+v, %v; want %+v", gotRev, err, rev)
	}

	ref := Refund{Password: pw, Amount: 99}
	a, _ = ref.APDU()
	gotRef, err := ParseRefund(a.Data)
	if err != nil || gotRef != ref {
		t.Fatalf("ParseRefund = %+v, %v; want %+v", gotRef, err, ref)
	}

	a, _ = EndOfDay{Password: pw}.APDU()
	gotPW, fields, err := ParsePasswordCommand(a.Data)
	if err != nil || gotPW != pw || len(fields) != 0 {
		t.Fatalf("ParsePasswordCommand(end of day) = %v, %v, %v", gotPW, fields, err)
	}
	if _, err := ParseReversal(pw[:]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("ParseReversal without receipt: %v, want ErrMalformed", err)
	}
}
