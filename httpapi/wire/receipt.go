package wire

// ChargeItem is one line of cbChargeItems (§6.2) with its optional fields
// resolved: defaults applied (Quantity 1, Case 0) and absent optional values
// left nil. Master-data fields (AccountNumber, ProductNumber …) are checked
// for type and length but not surfaced; markets that export them read the
// stored request.
type ChargeItem struct {
	Quantity    Decimal // default 1
	Description string
	Amount      Decimal // gross line total, quantity applied
	VATRate     Decimal // percent, ≥ 0
	Case        uint64  // ftChargeItemCase, default 0
	VATAmount   *Decimal
	Moment      *Moment
	Position    *Decimal
	ID          string // ftChargeItemId, lower case, "" if absent
	// Currency and DecimalPrecisionMultiplier per line ("" / 0 when
	// absent); they must agree with the receipt's.
	Currency                   string
	DecimalPrecisionMultiplier int64
}

// PayItem is one entry of cbPayItems (§6.3).
type PayItem struct {
	Quantity    Decimal // default 1
	Description string
	Amount      Decimal
	Case        uint64 // ftPayItemCase, default 0
	Moment      *Moment
	Position    *Decimal
	ID          string // ftPayItemId, lower case ("" = absent, also when sent as "")
	CaseData    *Value // ftPayItemCaseData, verbatim; points into the parsed document
	// Currency and DecimalPrecisionMultiplier as on ChargeItem.
	Currency                   string
	DecimalPrecisionMultiplier int64
}

// ReceiptRequest is the body of /v2/sign (§6.1) after the checks that need
// no queue: types, limits and formats. Business rules (§6.4 R1–R8) are the
// fiscal core's. Free data (cbUser, cbArea, cbCustomer, cbSettlement) is
// not decoded; it stays in the stored request verbatim.
type ReceiptRequest struct {
	ReceiptReference           string
	ReceiptMoment              Moment
	ChargeItems                []ChargeItem
	PayItems                   []PayItem
	ReceiptCase                uint64
	TerminalID                 *string  // nil when absent
	PreviousReceiptReferences  []string // cbPreviousReceiptReference: string or array of strings
	PreviousIsArray            bool     // sent as an array (void and refund accept only one reference)
	ReceiptAmount              *Decimal
	CashBoxID                  string // lower-case UUID, "" when absent
	PosSystemID                string // lower-case UUID, "" when absent
	QueueID                    string // lower-case UUID, "" when absent
	Currency                   string // "" when absent
	DecimalPrecisionMultiplier int64  // 0 when absent
	ReceiptCaseData            *Value // ftReceiptCaseData verbatim; points into the parsed document
}

// Indices of the ReceiptRequest fields in receiptFieldNames.
const (
	rrReference = iota
	rrMoment
	rrChargeItems
	rrPayItems
	rrCase
	rrTerminalID
	rrPrevious
	rrCaseData
	rrAmount
	rrCashBoxID
	rrPosSystemID
	rrQueueID
	rrCurrency
	rrPrecision
	rrCount
)

func receiptFieldNames() [rrCount]string {
	return [rrCount]string{
		rrReference:   "cbReceiptReference",
		rrMoment:      "cbReceiptMoment",
		rrChargeItems: "cbChargeItems",
		rrPayItems:    "cbPayItems",
		rrCase:        "ftReceiptCase",
		rrTerminalID:  "cbTerminalID",
		rrPrevious:    "cbPreviousReceiptReference",
		rrCaseData:    "ftReceiptCaseData",
		rrAmount:      "cbReceiptAmount",
		rrCashBoxID:   "ftCashBoxID",
		rrPosSystemID: "ftPosSystemId",
		rrQueueID:     "ftQueueID",
		rrCurrency:    "Currency",
		rrPrecision:   "DecimalPrecisionMultiplier",
	}
}

// Indices of the ChargeItem fields.
const (
	ciQuantity = iota
	ciDescription
	ciAmount
	ciVATRate
	ciCase
	ciVATAmount
	ciMoment
	ciPosition
	ciID
	ciAccountNumber
	ciCostCenter
	ciProductGroup
	ciProductNumber
	ciProductBarcode
	ciUnit
	ciUnitQuantity
	ciUnitPrice
	ciCurrency
	ciPrecision
	ciCount
)

func chargeItemFieldNames() [ciCount]string {
	return [ciCount]string{
		ciQuantity:       "Quantity",
		ciDescription:    "Description",
		ciAmount:         "Amount",
		ciVATRate:        "VATRate",
		ciCase:           "ftChargeItemCase",
		ciVATAmount:      "VATAmount",
		ciMoment:         "Moment",
		ciPosition:       "Position",
		ciID:             "ftChargeItemId",
		ciAccountNumber:  "AccountNumber",
		ciCostCenter:     "CostCenter",
		ciProductGroup:   "ProductGroup",
		ciProductNumber:  "ProductNumber",
		ciProductBarcode: "ProductBarcode",
		ciUnit:           "Unit",
		ciUnitQuantity:   "UnitQuantity",
		ciUnitPrice:      "UnitPrice",
		ciCurrency:       "Currency",
		ciPrecision:      "DecimalPrecisionMultiplier",
	}
}

// Indices of the PayItem fields.
const (
	piQuantity = iota
	piDescription
	piAmount
	piCase
	piCaseData
	piMoment
	piID
	piPosition
	piAccountNumber
	piCostCenter
	piMoneyGroup
	piMoneyNumber
	piMoneyBarcode
	piCurrency
	piPrecision
	piCount
)

func payItemFieldNames() [piCount]string {
	return [piCount]string{
		piQuantity:      "Quantity",
		piDescription:   "Description",
		piAmount:        "Amount",
		piCase:          "ftPayItemCase",
		piCaseData:      "ftPayItemCaseData",
		piMoment:        "Moment",
		piID:            "ftPayItemId",
		piPosition:      "Position",
		piAccountNumber: "AccountNumber",
		piCostCenter:    "CostCenter",
		piMoneyGroup:    "MoneyGroup",
		piMoneyNumber:   "MoneyNumber",
		piMoneyBarcode:  "MoneyBarcode",
		piCurrency:      "Currency",
		piPrecision:     "DecimalPrecisionMultiplier",
	}
}

const (
	numberMsg  = "must be a JSON number"
	vatRateMsg = "must be a JSON number >= 0"
)

// DecodeReceiptRequest reads a /v2/sign body parsed by Parse. Names are
// matched case-insensitively, null means absent, unknown members are
// ignored. On failure the error is a *ValidationError that lists every bad
// field (up to 100) by its canonical path, e.g. "cbChargeItems[1].VATRate",
// so a POS can fix all of them at once.
//
// The result points into v (ReceiptCaseData, PayItem.CaseData); v must not
// be modified while it is in use.
func DecodeReceiptRequest(v *Value) (*ReceiptRequest, error) {
	var d decoder
	r := d.receiptRequest(v)
	if err := d.err(); err != nil {
		return nil, err
	}
	return r, nil
}

func (d *decoder) receiptRequest(v *Value) *ReceiptRequest {
	if !d.object(v) {
		return nil
	}
	names := receiptFieldNames()
	var f [rrCount]*Value
	lookup(v, names[:], f[:])
	r := new(ReceiptRequest)

	r.ReceiptReference, _ = d.str(f[rrReference], top(names[rrReference]), true, true, MaxReferenceLength)
	if m, ok := d.moment(f[rrMoment], top(names[rrMoment]), true); ok {
		r.ReceiptMoment = m
	}
	charges, chargesOK := d.array(f[rrChargeItems], top(names[rrChargeItems]), true, MaxItems)
	pays, paysOK := d.array(f[rrPayItems], top(names[rrPayItems]), true, MaxItems)
	r.ReceiptCase, _ = d.caseValue(f[rrCase], top(names[rrCase]), true)
	if s, ok := d.str(f[rrTerminalID], top(names[rrTerminalID]), false, false, MaxReferenceLength); ok {
		r.TerminalID = &s
	}
	r.PreviousReceiptReferences, r.PreviousIsArray = d.previousReferences(f[rrPrevious], names[rrPrevious])
	if present(f[rrCaseData]) {
		r.ReceiptCaseData = f[rrCaseData]
	}
	if a, ok := d.decimal(f[rrAmount], top(names[rrAmount]), false, numberMsg); ok {
		r.ReceiptAmount = &a
	}
	r.CashBoxID = d.uuid(f[rrCashBoxID], top(names[rrCashBoxID]), false)
	r.PosSystemID = d.uuid(f[rrPosSystemID], top(names[rrPosSystemID]), false)
	r.QueueID = d.uuid(f[rrQueueID], top(names[rrQueueID]), false)
	r.Currency, _ = d.str(f[rrCurrency], top(names[rrCurrency]), false, false, MaxStringLength)
	r.DecimalPrecisionMultiplier, _ = d.int64Field(f[rrPrecision], top(names[rrPrecision]), false)

	moments := slab[Moment]{size: len(charges) + len(pays)}
	decimals := slab[Decimal]{size: 2*len(charges) + len(pays)}
	if chargesOK {
		// Non-nil even when empty: the core tells "no items" from "not read".
		r.ChargeItems = make([]ChargeItem, len(charges))
		itemNames := chargeItemFieldNames()
		for i := range charges {
			d.chargeItem(&charges[i], &itemNames, elem(names[rrChargeItems], i, ""), &r.ChargeItems[i], &moments, &decimals)
		}
	}
	if paysOK {
		r.PayItems = make([]PayItem, len(pays))
		itemNames := payItemFieldNames()
		for i := range pays {
			d.payItem(&pays[i], &itemNames, elem(names[rrPayItems], i, ""), &r.PayItems[i], &moments, &decimals)
		}
	}
	return r
}

// previousReferences reads cbPreviousReceiptReference, a string or an array
// of strings.
func (d *decoder) previousReferences(v *Value, name string) ([]string, bool) {
	if !present(v) {
		return nil, false
	}
	switch v.Kind {
	case String:
		s, ok := d.str(v, top(name), false, false, MaxStringLength)
		if !ok {
			return nil, false
		}
		return []string{s}, false
	case Array:
		elems, ok := d.array(v, top(name), false, MaxItems)
		if !ok {
			return nil, true
		}
		refs := make([]string, 0, len(elems))
		for i := range elems {
			e := &elems[i]
			if !present(e) {
				d.fail(elem(name, i, ""), CodeType, "must be a JSON string")
				continue
			}
			if s, ok := d.str(e, elem(name, i, ""), false, false, MaxStringLength); ok {
				refs = append(refs, s)
			}
		}
		return refs, true
	}
	d.fail(top(name), CodeType, "must be a JSON string or an array of strings")
	return nil, false
}

// chargeItem reads the charge item at path item (cbChargeItems[i]).
func (d *decoder) chargeItem(v *Value, names *[ciCount]string, item fieldPath, c *ChargeItem, moments *slab[Moment], decimals *slab[Decimal]) {
	if v.Kind != Object {
		d.fail(item, CodeType, "must be a JSON object")
		return
	}
	var f [ciCount]*Value
	lookup(v, names[:], f[:])
	at := func(k int) fieldPath { item.name = names[k]; return item }

	c.Quantity = Decimal{small: 1}
	if q, ok := d.decimal(f[ciQuantity], at(ciQuantity), false, numberMsg); ok {
		c.Quantity = q
	}
	c.Description, _ = d.str(f[ciDescription], at(ciDescription), true, true, MaxStringLength)
	c.Amount, _ = d.decimal(f[ciAmount], at(ciAmount), true, numberMsg)
	if rate, ok := d.decimal(f[ciVATRate], at(ciVATRate), true, vatRateMsg); ok {
		if rate.Sign() < 0 {
			d.fail(at(ciVATRate), CodeRange, vatRateMsg)
		}
		c.VATRate = rate
	}
	c.Case, _ = d.caseValue(f[ciCase], at(ciCase), false)
	if x, ok := d.decimal(f[ciVATAmount], at(ciVATAmount), false, numberMsg); ok {
		c.VATAmount = decimals.put(x)
	}
	if m, ok := d.moment(f[ciMoment], at(ciMoment), false); ok {
		c.Moment = moments.put(m)
	}
	if x, ok := d.decimal(f[ciPosition], at(ciPosition), false, numberMsg); ok {
		c.Position = decimals.put(x)
	}
	c.ID = d.uuid(f[ciID], at(ciID), false)
	for k := ciAccountNumber; k <= ciUnit; k++ {
		d.str(f[k], at(k), false, false, MaxStringLength)
	}
	d.decimal(f[ciUnitQuantity], at(ciUnitQuantity), false, numberMsg)
	d.decimal(f[ciUnitPrice], at(ciUnitPrice), false, numberMsg)
	c.Currency, _ = d.str(f[ciCurrency], at(ciCurrency), false, false, MaxStringLength)
	c.DecimalPrecisionMultiplier, _ = d.int64Field(f[ciPrecision], at(ciPrecision), false)
}

// payItem reads the pay item at path item (cbPayItems[i]).
func (d *decoder) payItem(v *Value, names *[piCount]string, item fieldPath, p *PayItem, moments *slab[Moment], decimals *slab[Decimal]) {
	if v.Kind != Object {
		d.fail(item, CodeType, "must be a JSON object")
		return
	}
	var f [piCount]*Value
	lookup(v, names[:], f[:])
	at := func(k int) fieldPath { item.name = names[k]; return item }

	p.Quantity = Decimal{small: 1}
	if q, ok := d.decimal(f[piQuantity], at(piQuantity), false, numberMsg); ok {
		p.Quantity = q
	}
	p.Description, _ = d.str(f[piDescription], at(piDescription), true, true, MaxStringLength)
	p.Amount, _ = d.decimal(f[piAmount], at(piAmount), true, numberMsg)
	p.Case, _ = d.caseValue(f[piCase], at(piCase), false)
	if present(f[piCaseData]) {
		p.CaseData = f[piCaseData]
	}
	if m, ok := d.moment(f[piMoment], at(piMoment), false); ok {
		p.Moment = moments.put(m)
	}
	p.ID = d.uuid(f[piID], at(piID), false)
	if x, ok := d.decimal(f[piPosition], at(piPosition), false, numberMsg); ok {
		p.Position = decimals.put(x)
	}
	for k := piAccountNumber; k <= piMoneyBarcode; k++ {
		d.str(f[k], at(k), false, false, MaxStringLength)
	}
	p.Currency, _ = d.str(f[piCurrency], at(piCurrency), false, false, MaxStringLength)
	p.DecimalPrecisionMultiplier, _ = d.int64Field(f[piPrecision], at(piPrecision), false)
}
