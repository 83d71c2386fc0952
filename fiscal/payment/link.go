package payment

import (
	"fmt"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// LinkNotes implements fiscal.PayItemLinker: one action-journal note per
// cbPayItem that /v2/pay returned to this CashBox, naming the payment and
// its journal entry, and saying so when the receipt changed its amount.
func (s *Service) LinkNotes(cashboxID string, items []wire.PayItem) []string {
	var notes []string
	for i := range items {
		if items[i].ID == "" {
			continue
		}
		it, err := s.item(cashboxID, items[i].ID)
		if err != nil || it == nil {
			continue
		}
		n := fmt.Sprintf("cbPayItems[%d] ftPayItemId %s is the %s of %s on terminal %s (protocol %s, trace %s, receipt %s) made by /v2/pay operation %s, payment-chain entry %d",
			i, items[i].ID, kindOf(it), wire.NewDecimal(it.Amount, 2), it.Terminal, it.Protocol, orDash(it.Trace), orDash(it.ReceiptNo), it.OperationID, it.Seq)
		if got, err := items[i].Amount.Cents(); err != nil || got != it.Amount {
			n += fmt.Sprintf("; the receipt lists it with Amount %s", items[i].Amount)
		}
		notes = append(notes, n)
	}
	return notes
}

func kindOf(it *item) string {
	if it.Tip {
		return "tip item of the card payment"
	}
	return "card " + it.Action
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
