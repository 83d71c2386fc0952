package payment

import (
	"strings"
	"testing"

	"github.com/fiscald/fiscald/device"
)

func TestCardCase(t *testing.T) {
	for _, c := range []struct {
		typ, name string
		want      uint64
	}{
		{"girocard", "", caseDebitCard},
		{"Maestro", "", caseDebitCard},
		{"V PAY", "", caseDebitCard},
		{"Visa", "", caseCreditCard},
		{"", "Mastercard Gold", caseCreditCard},
		{"American Express", "", caseCreditCard},
		{"", "Sandbox card", caseCreditCard},
		{"card type 99", "", caseNonCash},
		{"", "", caseNonCash},
	} {
		if got := cardCase(device.PayResult{CardType: c.typ, CardName: c.name}); got != c.want {
			t.Errorf("%q/%q: %#x, want %#x", c.typ, c.name, got, c.want)
		}
	}
}

// A terminal's last transaction confirms a journaled result only by its
// own numbers: a result without numbers never counts as booked.
func TestSameTransaction(t *testing.T) {
	a := device.PayResult{TerminalID: "29001234", Trace: "000042", ReceiptNo: "0007"}
	if !sameTransaction(a, a) {
		t.Error("identical numbers do not match")
	}
	for _, b := range []device.PayResult{
		{TerminalID: "29001234", Trace: "000043", ReceiptNo: "0007"},
		{TerminalID: "29001234", Trace: "000042", ReceiptNo: "0008"},
		{TerminalID: "29009999", Trace: "000042", ReceiptNo: "0007"},
	} {
		if sameTransaction(b, a) {
			t.Errorf("%+v matches %+v", b, a)
		}
	}
	if sameTransaction(device.PayResult{}, device.PayResult{}) {
		t.Error("two results without numbers match")
	}
}

func TestNotBookedSaysWhatStands(t *testing.T) {
	for action, want := range map[string]string{"payment": "nothing was charged", "refund": "nothing was refunded", "cancel": "the payment was not cancelled"} {
		v := notBooked(&flight{Action: action, Terminal: "pt"}, "why")
		if v.code == "" || !strings.Contains(v.detail, want) {
			t.Errorf("%s: %+v", action, v)
		}
	}
}
