package wire

import "strconv"

// ProblemTypePrefix starts every problem type: Problem.Type is this prefix
// followed by a suffix of §4.3, e.g. "urn:fiscald:problem:validation-error".
const ProblemTypePrefix = "urn:fiscald:problem:"

// Problem is an RFC 9457 problem document with fiscald's extensions (§4.2).
// Its shape is fixed so that clients can rely on every key: errors is []
// when there are none.
type Problem struct {
	Type          string // full URN, ProblemTypePrefix + suffix
	Title         string // fixed per type
	Status        int
	Detail        string
	Instance      string // path plus operation id
	Errors        []FieldError
	CorrelationID string
}

// AppendJSON appends the document with the keys type, title, status,
// detail, instance, errors, correlationId, in that order, all always present.
func (p *Problem) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendString(dst, p.Type)
	dst = append(dst, `,"title":`...)
	dst = appendString(dst, p.Title)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, int64(p.Status), 10)
	dst = append(dst, `,"detail":`...)
	dst = appendString(dst, p.Detail)
	dst = append(dst, `,"instance":`...)
	dst = appendString(dst, p.Instance)
	dst = append(dst, `,"errors":[`...)
	for i := range p.Errors {
		e := &p.Errors[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"field":`...)
		dst = appendString(dst, e.Field)
		dst = append(dst, `,"code":`...)
		dst = appendString(dst, e.Code)
		dst = append(dst, `,"message":`...)
		dst = appendString(dst, e.Message)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"correlationId":`...)
	dst = appendString(dst, p.CorrelationID)
	return append(dst, '}')
}

// MarshalJSON lets encoding/json produce the same bytes as AppendJSON. It
// has a value receiver so that values and pointers both use it.
func (p Problem) MarshalJSON() ([]byte, error) {
	return p.AppendJSON(nil), nil
}
