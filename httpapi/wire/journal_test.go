package wire

import (
	"errors"
	"testing"
)

func TestDecodeJournalRequest(t *testing.T) {
	const id = "8D3F3F1E-2B7A-4C55-9A0E-6F1F4B2A9C01"
	i64 := func(n int64) *int64 { return &n }
	tests := []struct {
		name string
		doc  string
		want *JournalRequest
		errs []FieldError
	}{
		{name: "type only", doc: `{"ftJournalType":1}`, want: &JournalRequest{JournalType: 1}},
		{name: "DSFinV-K", doc: `{"ftJournalType":4919338167972134914}`, want: &JournalRequest{JournalType: 0x4445_0000_0000_0002}},
		{name: "time range", doc: `{"ftJournalType":2,"From":638000000000000000,"To":-100}`,
			want: &JournalRequest{JournalType: 2, From: 638000000000000000, To: -100}},
		{name: "row range", doc: `{"ftjournaltype":3,"FromQueueRow":5,"toqueuerow":10,"From":0,"To":null,"ftQueueID":"` + id + `"}`,
			want: &JournalRequest{JournalType: 3, FromQueueRow: i64(5), ToQueueRow: i64(10), QueueID: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01"}},
		{name: "null rows", doc: `{"ftJournalType":3,"FromQueueRow":null,"ToQueueRow":null,"ftQueueID":""}`,
			want: &JournalRequest{JournalType: 3}},
		{name: "missing type", doc: `{"From":1}`, errs: []FieldError{{Field: "ftJournalType", Code: CodeRequired}}},
		{name: "string type", doc: `{"ftJournalType":"1"}`, errs: []FieldError{{Field: "ftJournalType", Code: CodeType}}},
		{name: "rows with From", doc: `{"ftJournalType":3,"From":1,"FromQueueRow":5,"ToQueueRow":9}`,
			errs: []FieldError{
				{Field: "FromQueueRow", Code: CodeRange, Message: "cannot be combined with From or To"},
				{Field: "ToQueueRow", Code: CodeRange},
			}},
		{name: "row with To", doc: `{"ftJournalType":3,"To":-10,"ToQueueRow":9}`,
			errs: []FieldError{{Field: "ToQueueRow", Code: CodeRange}}},
		{name: "negative row", doc: `{"ftJournalType":3,"FromQueueRow":-1}`,
			errs: []FieldError{{Field: "FromQueueRow", Code: CodeRange, Message: "must be >= 0"}}},
		{name: "bad integers", doc: `{"ftJournalType":3,"From":1.5,"To":"2","FromQueueRow":9223372036854775808,"ftQueueID":"q"}`,
			errs: []FieldError{
				{Field: "From", Code: CodeFormat},
				{Field: "To", Code: CodeType},
				{Field: "FromQueueRow", Code: CodeRange},
				{Field: "ftQueueID", Code: CodeFormat},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeJournalRequest(mustParse(t, tt.doc))
			if tt.errs != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("DecodeJournalRequest(%s) = %+v, %v; want *ValidationError", tt.doc, got, err)
				}
				assertFieldErrors(t, ve.Errors, tt.errs)
				return
			}
			if err != nil {
				t.Fatalf("DecodeJournalRequest(%s): %v", tt.doc, err)
			}
			if got.JournalType != tt.want.JournalType || got.From != tt.want.From || got.To != tt.want.To || got.QueueID != tt.want.QueueID ||
				!eqPtr(got.FromQueueRow, tt.want.FromQueueRow) || !eqPtr(got.ToQueueRow, tt.want.ToQueueRow) {
				t.Errorf("DecodeJournalRequest(%s) = %+v, want %+v", tt.doc, got, tt.want)
			}
		})
	}
}

func eqPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
