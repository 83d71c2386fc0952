package fiscal

import (
	"fmt"
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// maxFutureSkew is how far cbReceiptMoment may run ahead of the server clock
// (R7).
const maxFutureSkew = 5 * time.Minute

// checkCase validates the version, country and reserved bits of a case value
// against the receipt's country (R6).
func (s *Service) checkCase(cb *CashBox, field string, v uint64, want Country, defined func(uint16) bool, flagsDefined uint16) (CaseValue, *Error) {
	cv := DecodeCase(v)
	if cv.Version != 0 && cv.Version != versionV2 {
		return cv, caseError(CodeUnknownCase, field, "version nibble %d is not 0 or 2", cv.Version)
	}
	// Items may leave the country out (the official client omits item
	// cases entirely); they then belong to the receipt's country.
	if want == 0 {
		if !cb.Serves(cv.Country) {
			return cv, caseError(CodeUnsupportedMarket, field, "country %q is not a market of this CashBox", cv.Country)
		}
	} else if cv.Country != 0 && cv.Country != want {
		return cv, caseError(CodeUnsupportedMarket, field, "country %q differs from the receipt's %q", cv.Country, want)
	}
	if !defined(cv.Case) {
		return cv, caseError(CodeUnknownCase, field, "case 0x%04X is not defined", cv.Case)
	}
	if cv.Flags&^flagsDefined != 0 {
		return cv, caseError(CodeUnknownCase, field, "reserved flag bits 0x%04X are set", cv.Flags&^flagsDefined)
	}
	return cv, nil
}

// validate applies the rules of §6.4 that need no queue state. It returns
// the decoded receipt case, the queue that will process the receipt, and
// action-journal notes.
func (s *Service) validate(cb *CashBox, posSystemID string, r *wire.ReceiptRequest) (CaseValue, *Queue, []string, error) {
	var notes []string
	if r.CashBoxID != "" && r.CashBoxID != cb.ID {
		return CaseValue{}, nil, nil, fieldError("ftCashBoxID", "mismatch", "must equal the x-cashbox-id header")
	}
	if r.PosSystemID != "" && r.PosSystemID != posSystemID {
		return CaseValue{}, nil, nil, fieldError("ftPosSystemId", "mismatch", "must equal the x-possystem-id header")
	}
	cv, cerr := s.checkCase(cb, "ftReceiptCase", r.ReceiptCase, 0, func(c uint16) bool { return ReceiptCaseName(c) != "" }, receiptFlagsDefined)
	if cerr != nil {
		return cv, nil, nil, cerr
	}
	q := cb.QueueFor(cv.Country)
	if r.QueueID != "" {
		q = cb.QueueByID(r.QueueID)
		if q == nil || q.Country != cv.Country {
			return cv, nil, nil, fieldError("ftQueueID", "unknown", "is not a queue of this CashBox for country %s", cv.Country)
		}
	}
	if err := s.checkItems(cb, cv, r); err != nil {
		return cv, nil, nil, err
	}
	if err := checkValues(r); err != nil {
		return cv, nil, nil, err
	}
	if err := checkReceiptRules(cv, r); err != nil {
		return cv, nil, nil, err
	}
	if r.ReceiptMoment.Time.After(s.now().Add(maxFutureSkew)) {
		return cv, nil, nil, fieldError("cbReceiptMoment", "range", "is more than 5 minutes after the server clock")
	}
	if r.ReceiptMoment.NoOffset {
		notes = append(notes, "cbReceiptMoment has no UTC offset; it was read as UTC")
	}
	return cv, q, notes, nil
}

// checkItems validates the case values of the items (R6).
func (s *Service) checkItems(cb *CashBox, rc CaseValue, r *wire.ReceiptRequest) error {
	for i := range r.ChargeItems {
		field := fmt.Sprintf("cbChargeItems[%d].ftChargeItemCase", i)
		if _, err := s.checkCase(cb, field, r.ChargeItems[i].Case, rc.Country, chargeCaseDefined, chargeFlagsDefined); err != nil {
			return err
		}
	}
	for i := range r.PayItems {
		field := fmt.Sprintf("cbPayItems[%d].ftPayItemCase", i)
		if _, err := s.checkCase(cb, field, r.PayItems[i].Case, rc.Country, payCaseDefined, payFlagsDefined); err != nil {
			return err
		}
	}
	return nil
}

// checkValues enforces what fiscald supports of currencies and precision,
// on the receipt and on every item (§6.1–§6.3).
func checkValues(r *wire.ReceiptRequest) error {
	if err := checkMoney("", r.Currency, r.DecimalPrecisionMultiplier); err != nil {
		return err
	}
	for i := range r.ChargeItems {
		if err := checkMoney(fmt.Sprintf("cbChargeItems[%d].", i), r.ChargeItems[i].Currency, r.ChargeItems[i].DecimalPrecisionMultiplier); err != nil {
			return err
		}
	}
	for i := range r.PayItems {
		if err := checkMoney(fmt.Sprintf("cbPayItems[%d].", i), r.PayItems[i].Currency, r.PayItems[i].DecimalPrecisionMultiplier); err != nil {
			return err
		}
	}
	return nil
}

// checkMoney accepts only EUR (AT and DE) and a precision multiplier of 1
// (0 means 1); prefix is the JSON path of the item.
func checkMoney(prefix, currency string, multiplier int64) error {
	unsupported := func(field, msg string) error {
		return &Error{Code: CodeUnsupportedValue, Detail: prefix + field + ": " + msg,
			Errors: []wire.FieldError{{Field: prefix + field, Code: "unsupported", Message: msg}}}
	}
	if currency != "" && currency != "EUR" {
		return unsupported("Currency", "only EUR is supported")
	}
	if multiplier > 1 || multiplier < 0 {
		return unsupported("DecimalPrecisionMultiplier", "only 1 is supported")
	}
	return nil
}

// checkReceiptRules is R1–R5 of §6.4.
func checkReceiptRules(cv CaseValue, r *wire.ReceiptRequest) error {
	hasItems := len(r.ChargeItems) > 0 || len(r.PayItems) > 0
	if isItemlessCase(cv.Case) {
		if len(r.ChargeItems) > 0 {
			return fieldError("cbChargeItems", "items", "a %s receipt carries no charge items", ReceiptCaseName(cv.Case))
		}
		if len(r.PayItems) > 0 {
			return fieldError("cbPayItems", "items", "a %s receipt carries no pay items", ReceiptCaseName(cv.Case))
		}
		if cv.Flags&FlagTraining != 0 {
			return fieldError("ftReceiptCase", "flags", "a %s receipt cannot be a training receipt", ReceiptCaseName(cv.Case))
		}
	}
	var charged, paid wire.Decimal
	voidOrRefund := cv.Flags&(FlagVoid|FlagRefund) != 0
	for i := range r.ChargeItems {
		ci := &r.ChargeItems[i]
		charged = charged.Add(ci.Amount)
		discount := DecodeCase(ci.Case).Flags&0x0004 != 0
		if !voidOrRefund && ci.Quantity.Sign()*ci.Amount.Sign() < 0 && !(discount && ci.Quantity.Sign() > 0) {
			return fieldError(fmt.Sprintf("cbChargeItems[%d].Amount", i), "sign", "Quantity and Amount must have the same sign (except discount lines)")
		}
		if ci.VATAmount != nil && !wire.VATConsistent(ci.Amount, ci.VATRate, *ci.VATAmount) {
			return fieldError(fmt.Sprintf("cbChargeItems[%d].VATAmount", i), "consistency", "must equal Amount × VATRate / (100 + VATRate) within 0.01")
		}
	}
	for i := range r.PayItems {
		paid = paid.Add(r.PayItems[i].Amount)
	}
	if hasItems && cv.Flags&FlagHandwritten == 0 && !wire.WithinCent(charged, paid) {
		return fieldError("cbPayItems", "balance", "the pay items sum to %s but the charge items to %s", paid, charged)
	}
	if r.ReceiptAmount != nil && !wire.WithinCent(*r.ReceiptAmount, charged) {
		return fieldError("cbReceiptAmount", "balance", "is %s but the charge items sum to %s", *r.ReceiptAmount, charged)
	}
	needsRef := (cv.Flags&FlagRefund != 0 || cv.Case == CasePaymentTransfer) && cv.Flags&FlagHandwritten == 0
	if needsRef && len(r.PreviousReceiptReferences) == 0 {
		return fieldError("cbPreviousReceiptReference", "required", "is required for a refund or a payment transfer")
	}
	if voidOrRefund && len(r.PreviousReceiptReferences) > 1 {
		return fieldError("cbPreviousReceiptReference", "single", "a void or refund references exactly one receipt")
	}
	return nil
}
