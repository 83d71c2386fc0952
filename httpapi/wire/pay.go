package wire

// PayRequest is the body of /v2/pay (§8.1) after the checks that need no
// CashBox: required fields, types and the enumerations.
type PayRequest struct {
	// Action is "payment", "refund", "cancel" or "pre_authorization".
	Action string
	// Protocol is "use_auto", "use_first" or a provider name (PayProtocols).
	Protocol string
	// PayItem is cbPayItem; refund and cancel carry the item /pay returned.
	PayItem PayItem
	// TerminalID is cbTerminalID, nil when absent.
	TerminalID *string
}

// Pay actions (§8.1).
const (
	ActionPayment          = "payment"
	ActionRefund           = "refund"
	ActionCancel           = "cancel"
	ActionPreAuthorization = "pre_authorization"
)

// PayProtocolNames lists every Protocol value the API knows (§8.1): the
// two selectors, the providers the POS System API names, fiscald's ZVT
// and the sandbox's test. A CashBox accepts those its terminals provide;
// a known name it does not provide is 422, an unknown one 400.
var PayProtocolNames = []string{
	"use_auto", "use_first", "zvt", "test",
	"gp_softpos_gptom", "gp_mpas", "payone_softpos_wpi", "viva_eft_pos_instore", "hobexecr",
	"softpayio", "shift4", "bluecode", "hobex_softpos_posit",
}

// DecodePayRequest reads a /v2/pay body parsed by Parse. Errors are
// *ValidationError naming every bad field. The result points into v
// (PayItem.CaseData).
func DecodePayRequest(v *Value) (*PayRequest, error) {
	var d decoder
	if !d.object(v) {
		return nil, d.err()
	}
	names := [...]string{"Action", "Protocol", "cbPayItem", "cbTerminalID"}
	var f [len(names)]*Value
	lookup(v, names[:], f[:])
	r := new(PayRequest)
	if a, ok := d.str(f[0], top(names[0]), true, true, MaxStringLength); ok {
		switch a {
		case ActionPayment, ActionRefund, ActionCancel, ActionPreAuthorization:
			r.Action = a
		default:
			d.fail(top(names[0]), CodeFormat, `must be "payment", "refund" or "cancel"`)
		}
	}
	if p, ok := d.str(f[1], top(names[1]), true, true, MaxStringLength); ok {
		if knownProtocol(p) {
			r.Protocol = p
		} else {
			d.fail(top(names[1]), CodeFormat, `must be "use_auto", "use_first" or a provider name of Capabilities.PayProtocols`)
		}
	}
	if d.given(f[2], top(names[2]), true) {
		itemNames := payItemFieldNames()
		moments := slab[Moment]{size: 1}
		decimals := slab[Decimal]{size: 1}
		d.payItem(f[2], &itemNames, member(names[2]), &r.PayItem, &moments, &decimals)
	}
	if s, ok := d.str(f[3], top(names[3]), false, false, MaxReferenceLength); ok {
		r.TerminalID = &s
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return r, nil
}

func knownProtocol(p string) bool {
	for _, n := range PayProtocolNames {
		if n == p {
			return true
		}
	}
	return false
}
