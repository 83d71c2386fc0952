package wire

// IssueRequest is the body of /v2/issue (§9): the receipt as the POS
// sent it and got it back, and how to hand it over.
type IssueRequest struct {
	// Response is the client's copy of the ReceiptResponse; only its ids
	// and signatures are used: the document comes from the journal.
	Response *ReceiptResponse
	// Channel is "url", "print", "email", or "" for the default.
	Channel string
	Email   string
	Printer string
}

// Issue channels (§9).
const (
	ChannelURL   = "url"
	ChannelPrint = "print"
	ChannelEmail = "email"
)

// DecodeIssueRequest reads a /v2/issue body parsed by Parse. Errors are
// *ValidationError naming every bad field.
func DecodeIssueRequest(v *Value) (*IssueRequest, error) {
	var d decoder
	if !d.object(v) {
		return nil, d.err()
	}
	names := [...]string{"ReceiptRequest", "ReceiptResponse", "Options"}
	var f [len(names)]*Value
	lookup(v, names[:], f[:])
	r := new(IssueRequest)
	if d.given(f[0], top(names[0]), true) && f[0].Kind != Object {
		d.fail(top(names[0]), CodeType, "must be a JSON object")
	}
	if d.given(f[1], top(names[1]), true) {
		r.Response = d.receiptResponse(f[1])
	}
	if present(f[2]) {
		d.issueOptions(f[2], r)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return r, nil
}

func (d *decoder) issueOptions(v *Value, r *IssueRequest) {
	if v.Kind != Object {
		d.fail(top("Options"), CodeType, "must be a JSON object")
		return
	}
	names := [...]string{"Channel", "Email", "Printer"}
	var f [len(names)]*Value
	lookup(v, names[:], f[:])
	at := func(i int) fieldPath { p := member("Options"); p.name = names[i]; return p }
	if c, ok := d.str(f[0], at(0), false, false, MaxStringLength); ok {
		switch c {
		case ChannelURL, ChannelPrint, ChannelEmail:
			r.Channel = c
		default:
			d.fail(at(0), CodeFormat, `must be "url", "print" or "email"`)
		}
	}
	r.Email, _ = d.str(f[1], at(1), false, false, MaxStringLength)
	r.Printer, _ = d.str(f[2], at(2), false, false, MaxStringLength)
}
