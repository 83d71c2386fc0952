package wire

import (
	"strconv"
	"time"
)

// EchoRequest is the body of /v2/echo (§5).
type EchoRequest struct {
	Message string
}

// DecodeEchoRequest reads a /v2/echo body: Message is required (it may be
// empty) and at most 4096 characters. Errors are *ValidationError.
func DecodeEchoRequest(v *Value) (*EchoRequest, error) {
	var d decoder
	if !d.object(v) {
		return nil, d.err()
	}
	names := [...]string{"Message"}
	var f [len(names)]*Value
	lookup(v, names[:], f[:])
	msg, _ := d.str(f[0], top(names[0]), true, false, MaxStringLength)
	if err := d.err(); err != nil {
		return nil, err
	}
	return &EchoRequest{Message: msg}, nil
}

// EchoResponse is the answer of /v2/echo: the request's Message (the only
// field the official client reads) plus what a POS needs at start-up to
// learn the server and spot a pending closing or an SCU outage.
type EchoResponse struct {
	Message       string
	ApiVersion    string // "2.1.0"
	ServerName    string // "fiscald"
	ServerVersion string
	Deployment    string // "local"
	ServerMoment  time.Time
	Capabilities  Capabilities
}

// Capabilities describes what this CashBox offers; nil slices are written
// as [] so that clients never meet null.
type Capabilities struct {
	Markets      []string
	Endpoints    []string
	PayProtocols []string
	JournalTypes []uint64
	Queues       []QueueInfo
}

// QueueInfo is one queue of the CashBox in Capabilities.Queues. Extra lets
// later features add members (e.g. "Signer") without changing this type:
// when it is an object its members are written after State, except members
// whose names clash with the fixed ones, which are dropped.
type QueueInfo struct {
	QueueID string // written as "ftQueueID"
	Country string
	State   uint64
	Extra   *Value
}

// AppendJSON appends the response with the field names of §5 in a fixed
// order.
func (e *EchoResponse) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"Message":`...)
	dst = appendString(dst, e.Message)
	dst = append(dst, `,"ApiVersion":`...)
	dst = appendString(dst, e.ApiVersion)
	dst = append(dst, `,"ServerName":`...)
	dst = appendString(dst, e.ServerName)
	dst = append(dst, `,"ServerVersion":`...)
	dst = appendString(dst, e.ServerVersion)
	dst = append(dst, `,"Deployment":`...)
	dst = appendString(dst, e.Deployment)
	dst = append(dst, `,"ServerMoment":"`...)
	dst = AppendMoment(dst, e.ServerMoment)
	dst = append(dst, `","Capabilities":`...)
	dst = e.Capabilities.appendJSON(dst)
	return append(dst, '}')
}

// MarshalJSON lets encoding/json produce the same bytes as AppendJSON. It
// has a value receiver so that values and pointers both use it.
func (e EchoResponse) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(nil), nil
}

func (c *Capabilities) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"Markets":`...)
	dst = appendStrings(dst, c.Markets)
	dst = append(dst, `,"Endpoints":`...)
	dst = appendStrings(dst, c.Endpoints)
	dst = append(dst, `,"PayProtocols":`...)
	dst = appendStrings(dst, c.PayProtocols)
	dst = append(dst, `,"JournalTypes":[`...)
	for i, t := range c.JournalTypes {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, t, 10)
	}
	dst = append(dst, `],"Queues":[`...)
	for i := range c.Queues {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = c.Queues[i].appendJSON(dst)
	}
	return append(dst, `]}`...)
}

func (q *QueueInfo) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"ftQueueID":`...)
	dst = appendString(dst, q.QueueID)
	dst = append(dst, `,"Country":`...)
	dst = appendString(dst, q.Country)
	dst = append(dst, `,"State":`...)
	dst = strconv.AppendUint(dst, q.State, 10)
	if q.Extra != nil && q.Extra.Kind == Object {
		fixed := [...]string{"ftQueueID", "Country", "State"}
		for i := range q.Extra.Members {
			m := &q.Extra.Members[i]
			if matchName(fixed[:], m.Name) >= 0 {
				continue
			}
			dst = append(dst, ',')
			dst = appendString(dst, m.Name)
			dst = append(dst, ':')
			dst = AppendCanonical(dst, &m.Value)
		}
	}
	return append(dst, '}')
}

// appendStrings writes a string array, [] for nil.
func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}
