package wire

import (
	"strconv"
	"time"
)

// SignatureItem is one entry of ftSignatures: something the POS must print
// or show (§6.5, §7.7).
type SignatureItem struct {
	Format  uint64 // ftSignatureFormat
	Type    uint64 // ftSignatureType
	Caption string // omitted when ""
	Data    string
	ID      string // ftSignatureItemId, omitted when ""
}

// ReceiptResponse is the answer of /v2/sign (§6.5). The same type is read
// back from /v2/issue requests, so it carries exactly what the wire carries.
type ReceiptResponse struct {
	QueueID               string
	QueueItemID           string
	QueueRow              int64
	CashBoxID             string
	CashBoxIdentification string
	ReceiptReference      string
	TerminalID            *string // omitted when nil
	ReceiptIdentification string
	ReceiptMoment         time.Time // written with FormatMoment
	Signatures            []SignatureItem
	State                 uint64
	StateData             *Value // omitted when nil; written canonically
}

// AppendJSON appends the response in the field order and spelling of §6.5:
// ftQueueID, ftQueueItemID, ftQueueRow, ftCashBoxID, ftCashBoxIdentification,
// cbReceiptReference, cbTerminalID, ftReceiptIdentification, ftReceiptMoment,
// ftSignatures, ftState, ftStateData. ftSignatures is [] when empty. Case
// values are written as exact integers.
func (r *ReceiptResponse) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"ftQueueID":`...)
	dst = appendString(dst, r.QueueID)
	dst = append(dst, `,"ftQueueItemID":`...)
	dst = appendString(dst, r.QueueItemID)
	dst = append(dst, `,"ftQueueRow":`...)
	dst = strconv.AppendInt(dst, r.QueueRow, 10)
	dst = append(dst, `,"ftCashBoxID":`...)
	dst = appendString(dst, r.CashBoxID)
	dst = append(dst, `,"ftCashBoxIdentification":`...)
	dst = appendString(dst, r.CashBoxIdentification)
	dst = append(dst, `,"cbReceiptReference":`...)
	dst = appendString(dst, r.ReceiptReference)
	if r.TerminalID != nil {
		dst = append(dst, `,"cbTerminalID":`...)
		dst = appendString(dst, *r.TerminalID)
	}
	dst = append(dst, `,"ftReceiptIdentification":`...)
	dst = appendString(dst, r.ReceiptIdentification)
	dst = append(dst, `,"ftReceiptMoment":"`...)
	dst = AppendMoment(dst, r.ReceiptMoment)
	dst = append(dst, `","ftSignatures":[`...)
	for i := range r.Signatures {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = r.Signatures[i].AppendJSON(dst)
	}
	dst = append(dst, `],"ftState":`...)
	dst = strconv.AppendUint(dst, r.State, 10)
	if r.StateData != nil {
		dst = append(dst, `,"ftStateData":`...)
		dst = AppendCanonical(dst, r.StateData)
	}
	return append(dst, '}')
}

// MarshalJSON lets encoding/json produce the same bytes as AppendJSON. It
// has a value receiver so that values and pointers both use it.
func (r ReceiptResponse) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(nil), nil
}

// AppendJSON appends the item with keys ftSignatureFormat, ftSignatureType,
// Caption (if set), Data, ftSignatureItemId (if set).
func (s *SignatureItem) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"ftSignatureFormat":`...)
	dst = strconv.AppendUint(dst, s.Format, 10)
	dst = append(dst, `,"ftSignatureType":`...)
	dst = strconv.AppendUint(dst, s.Type, 10)
	if s.Caption != "" {
		dst = append(dst, `,"Caption":`...)
		dst = appendString(dst, s.Caption)
	}
	dst = append(dst, `,"Data":`...)
	dst = appendString(dst, s.Data)
	if s.ID != "" {
		dst = append(dst, `,"ftSignatureItemId":`...)
		dst = appendString(dst, s.ID)
	}
	return append(dst, '}')
}

// MarshalJSON lets encoding/json produce the same bytes as AppendJSON.
func (s SignatureItem) MarshalJSON() ([]byte, error) {
	return s.AppendJSON(nil), nil
}

// Indices of the ReceiptResponse fields.
const (
	rsQueueID = iota
	rsQueueItemID
	rsQueueRow
	rsCashBoxID
	rsCashBoxIdentification
	rsReference
	rsTerminalID
	rsIdentification
	rsMoment
	rsSignatures
	rsState
	rsStateData
	rsCount
)

// DecodeReceiptResponse reads a ReceiptResponse, as the tests do with
// AppendJSON's output and /v2/issue will with the client's copy. Case values
// are read exactly; fields the response always carries are required, and
// unknown fields (ftChargeLines …) are ignored. A body that does not parse
// gives a *SyntaxError, bad fields a *ValidationError.
func DecodeReceiptResponse(data []byte) (*ReceiptResponse, error) {
	v, err := Parse(data)
	if err != nil {
		return nil, err
	}
	var d decoder
	r := d.receiptResponse(v)
	if err := d.err(); err != nil {
		return nil, err
	}
	return r, nil
}

func (d *decoder) receiptResponse(v *Value) *ReceiptResponse {
	if !d.object(v) {
		return nil
	}
	names := [rsCount]string{
		rsQueueID:               "ftQueueID",
		rsQueueItemID:           "ftQueueItemID",
		rsQueueRow:              "ftQueueRow",
		rsCashBoxID:             "ftCashBoxID",
		rsCashBoxIdentification: "ftCashBoxIdentification",
		rsReference:             "cbReceiptReference",
		rsTerminalID:            "cbTerminalID",
		rsIdentification:        "ftReceiptIdentification",
		rsMoment:                "ftReceiptMoment",
		rsSignatures:            "ftSignatures",
		rsState:                 "ftState",
		rsStateData:             "ftStateData",
	}
	var f [rsCount]*Value
	lookup(v, names[:], f[:])
	r := new(ReceiptResponse)
	r.QueueID = d.uuid(f[rsQueueID], top(names[rsQueueID]), true)
	r.QueueItemID = d.uuid(f[rsQueueItemID], top(names[rsQueueItemID]), true)
	r.QueueRow, _ = d.int64Field(f[rsQueueRow], top(names[rsQueueRow]), true)
	r.CashBoxID = d.uuid(f[rsCashBoxID], top(names[rsCashBoxID]), true)
	r.CashBoxIdentification, _ = d.str(f[rsCashBoxIdentification], top(names[rsCashBoxIdentification]), true, false, 0)
	r.ReceiptReference, _ = d.str(f[rsReference], top(names[rsReference]), true, false, 0)
	if s, ok := d.str(f[rsTerminalID], top(names[rsTerminalID]), false, false, 0); ok {
		r.TerminalID = &s
	}
	r.ReceiptIdentification, _ = d.str(f[rsIdentification], top(names[rsIdentification]), true, false, 0)
	if m, ok := d.moment(f[rsMoment], top(names[rsMoment]), true); ok {
		r.ReceiptMoment = m.Time
	}
	if sigs, ok := d.array(f[rsSignatures], top(names[rsSignatures]), true, 0); ok {
		r.Signatures = make([]SignatureItem, len(sigs))
		for i := range sigs {
			d.signatureItem(&sigs[i], names[rsSignatures], i, &r.Signatures[i])
		}
	}
	r.State, _ = d.caseValue(f[rsState], top(names[rsState]), true)
	if present(f[rsStateData]) {
		r.StateData = f[rsStateData]
	}
	return r
}

func (d *decoder) signatureItem(v *Value, arr string, i int, s *SignatureItem) {
	if v.Kind != Object {
		d.fail(elem(arr, i, ""), CodeType, "must be a JSON object")
		return
	}
	names := [...]string{"ftSignatureFormat", "ftSignatureType", "Caption", "Data", "ftSignatureItemId"}
	var f [len(names)]*Value
	lookup(v, names[:], f[:])
	s.Format, _ = d.caseValue(f[0], elem(arr, i, names[0]), true)
	s.Type, _ = d.caseValue(f[1], elem(arr, i, names[1]), true)
	s.Caption, _ = d.str(f[2], elem(arr, i, names[2]), false, false, 0)
	s.Data, _ = d.str(f[3], elem(arr, i, names[3]), true, false, 0)
	s.ID = d.uuid(f[4], elem(arr, i, names[4]), false)
}
