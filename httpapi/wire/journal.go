package wire

// JournalRequest is the body of /v2/journal (§10.1). A range is given either
// by time (From/To, .NET ticks) or, as a fiscald extension, by queue row;
// the two cannot be combined.
type JournalRequest struct {
	JournalType  uint64
	From         int64 // ticks of UTC, inclusive; 0 = from the start
	To           int64 // 0 = up to now, > 0 = end in ticks, < 0 = at most -To entries
	FromQueueRow *int64
	ToQueueRow   *int64
	QueueID      string // lower-case UUID, "" when absent
}

// Indices of the JournalRequest fields.
const (
	jrType = iota
	jrFrom
	jrTo
	jrFromRow
	jrToRow
	jrQueueID
	jrCount
)

// DecodeJournalRequest reads a /v2/journal body. Besides the type, integer
// and UUID checks it refuses FromQueueRow or ToQueueRow (which must be ≥ 0)
// together with a non-zero From or To, naming each queue-row field given.
// Errors are *ValidationError.
func DecodeJournalRequest(v *Value) (*JournalRequest, error) {
	var d decoder
	if !d.object(v) {
		return nil, d.err()
	}
	names := [jrCount]string{
		jrType:    "ftJournalType",
		jrFrom:    "From",
		jrTo:      "To",
		jrFromRow: "FromQueueRow",
		jrToRow:   "ToQueueRow",
		jrQueueID: "ftQueueID",
	}
	var f [jrCount]*Value
	lookup(v, names[:], f[:])
	r := new(JournalRequest)
	r.JournalType, _ = d.caseValue(f[jrType], top(names[jrType]), true)
	r.From, _ = d.int64Field(f[jrFrom], top(names[jrFrom]), false)
	r.To, _ = d.int64Field(f[jrTo], top(names[jrTo]), false)
	rows := [2]**int64{&r.FromQueueRow, &r.ToQueueRow}
	for k, dst := range rows {
		idx := jrFromRow + k
		n, ok := d.int64Field(f[idx], top(names[idx]), false)
		if !ok {
			continue
		}
		switch {
		case n < 0:
			d.fail(top(names[idx]), CodeRange, "must be >= 0")
		case r.From != 0 || r.To != 0:
			d.fail(top(names[idx]), CodeRange, "cannot be combined with From or To")
		default:
			*dst = &n
		}
	}
	r.QueueID = d.uuid(f[jrQueueID], top(names[jrQueueID]), false)
	if err := d.err(); err != nil {
		return nil, err
	}
	return r, nil
}
