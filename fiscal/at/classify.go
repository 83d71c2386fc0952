package at

import (
	"encoding/base64"
	"fmt"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// Rates that have their own column (rksv.md §1.2); any other rate goes to
// Besonders.
var (
	rate20 = mustDecimal("20")
	rate10 = mustDecimal("10")
	rate13 = mustDecimal("13")
	rate0  = mustDecimal("0")
)

func mustDecimal(s string) wire.Decimal {
	d, err := wire.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// column maps a VAT rate to its field (5–9).
func column(rate wire.Decimal) int {
	switch {
	case rate.Equal(rate20):
		return rksv.Normal
	case rate.Equal(rate10):
		return rksv.Reduced1
	case rate.Equal(rate13):
		return rksv.Reduced2
	case rate.Equal(rate0):
		return rksv.Zero
	}
	return rksv.Special
}

// classify decides the RKSV receipt kind of a v2 case (rksv.md §8.3) and
// sums the items into the five columns, exactly, rounding once per column.
// Kind 0 means the case makes no RKSV receipt.
func classify(in *fiscal.Input) (Kind, rksv.Amounts, error) {
	var amounts rksv.Amounts
	c, flags := in.Case.Case, in.Case.Flags
	switch c {
	case fiscal.CaseInitialOperation:
		return KindStart, amounts, nil
	case fiscal.CaseOutOfOperation, fiscal.CaseZeroReceipt, fiscal.CaseDailyClosing, fiscal.CaseMonthlyClosing, fiscal.CaseYearlyClosing:
		return KindNull, amounts, nil
	}
	if !fiscal.IsSalesCase(c) {
		return 0, amounts, nil
	}
	var sums [5]wire.Decimal
	for i := range in.Request.ChargeItems {
		ci := &in.Request.ChargeItems[i]
		col := column(ci.VATRate)
		sums[col] = sums[col].Add(ci.Amount)
	}
	zero := true
	for i, s := range sums {
		cents, err := s.Cents()
		if err != nil {
			return 0, amounts, fmt.Errorf("at: column %d: %w", i+5, err)
		}
		amounts[i] = cents
		zero = zero && cents == 0
	}
	switch {
	case flags&fiscal.FlagTraining != 0:
		return KindTraining, amounts, nil
	case flags&fiscal.FlagVoid != 0:
		return KindStorno, amounts, nil
	case zero:
		return KindNull, amounts, nil
	}
	return KindStandard, amounts, nil
}

// nibbleRates are the AT rates of the VAT nibble (pos-system-api-v2.md §7.4).
var nibbleRates = map[uint64]wire.Decimal{1: rate10, 2: rate13, 3: rate20, 6: mustDecimal("19"), 7: rate0}

// vatNotes notes charge items whose VAT nibble disagrees with VATRate;
// VATRate decides (§7.4), the disagreement goes to the action journal.
func vatNotes(r *wire.ReceiptRequest) []string {
	var notes []string
	for i := range r.ChargeItems {
		ci := &r.ChargeItems[i]
		if want, ok := nibbleRates[ci.Case&0xF]; ok && !want.Equal(ci.VATRate) {
			notes = append(notes, fmt.Sprintf("cbChargeItems[%d]: VAT category %d means %s%% in Austria but VATRate is %s%%; VATRate was used", i, ci.Case&0xF, want, ci.VATRate))
		}
	}
	return notes
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
