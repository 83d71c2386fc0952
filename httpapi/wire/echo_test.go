package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeEchoRequest(t *testing.T) {
	tests := []struct {
		doc  string
		want string
		err  *FieldError
	}{
		{doc: `{"Message":"Hello fiskaltrust.Middleware!"}`, want: "Hello fiskaltrust.Middleware!"},
		{doc: `{"message":""}`, want: ""},
		{doc: `{"MESSAGE":"x","other":1}`, want: "x"},
		{doc: `{"Message":"` + strings.Repeat("€", 4096) + `"}`, want: strings.Repeat("€", 4096)},
		{doc: `{}`, err: &FieldError{Field: "Message", Code: CodeRequired}},
		{doc: `{"Message":null}`, err: &FieldError{Field: "Message", Code: CodeRequired}},
		{doc: `{"Message":42}`, err: &FieldError{Field: "Message", Code: CodeType}},
		{doc: `{"Message":"` + strings.Repeat("a", 4097) + `"}`, err: &FieldError{Field: "Message", Code: CodeLength}},
	}
	for _, tt := range tests {
		r, err := DecodeEchoRequest(mustParse(t, tt.doc))
		if tt.err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != tt.err.Field || ve.Errors[0].Code != tt.err.Code {
				t.Errorf("DecodeEchoRequest(%.60s) = %+v, %v; want %+v", tt.doc, r, err, tt.err)
			}
			continue
		}
		if err != nil || r.Message != tt.want {
			t.Errorf("DecodeEchoRequest(%.60s) = %+v, %v; want %.60q", tt.doc, r, err, tt.want)
		}
	}
	if _, err := DecodeEchoRequest(nil); err == nil {
		t.Error("DecodeEchoRequest(nil) succeeded")
	}
}

func TestEchoResponseJSON(t *testing.T) {
	e := &EchoResponse{
		Message:       "Hello fiskaltrust.Middleware!",
		ApiVersion:    "2.1.0",
		ServerName:    "fiscald",
		ServerVersion: "1.4.2",
		Deployment:    "local",
		ServerMoment:  time.Date(2025, 3, 14, 12, 31, 4, 120000000, time.UTC),
		Capabilities: Capabilities{
			Markets:      []string{"AT"},
			Endpoints:    []string{"echo", "sign", "pay", "issue", "journal"},
			PayProtocols: []string{"use_auto", "use_first", "test"},
			JournalTypes: []uint64{0, 1, 2, 3, 255, 4707387510509010945, 4707422694881099777},
			Queues: []QueueInfo{
				{QueueID: "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", Country: "AT", State: 4707422694881099776,
					Extra: mustParse(t, `{"Signer":{"State":"up","Serial":"0x1234"},"state":"clash dropped","Country":"XX"}`)},
				{QueueID: "q2", Country: "DE", State: 1},
			},
		},
	}
	want := `{"Message":"Hello fiskaltrust.Middleware!","ApiVersion":"2.1.0","ServerName":"fiscald","ServerVersion":"1.4.2",` +
		`"Deployment":"local","ServerMoment":"2025-03-14T12:31:04.120Z","Capabilities":{"Markets":["AT"],` +
		`"Endpoints":["echo","sign","pay","issue","journal"],"PayProtocols":["use_auto","use_first","test"],` +
		`"JournalTypes":[0,1,2,3,255,4707387510509010945,4707422694881099777],` +
		`"Queues":[{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","Country":"AT","State":4707422694881099776,` +
		`"Signer":{"Serial":"0x1234","State":"up"}},{"ftQueueID":"q2","Country":"DE","State":1}]}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Errorf("EchoResponse.AppendJSON\n got %s\nwant %s", got, want)
	}
	b, err := json.Marshal(e)
	if err != nil || string(b) != want {
		t.Errorf("json.Marshal(EchoResponse) = %s, %v", b, err)
	}

	// Empty capabilities are arrays, never null.
	empty := (&EchoResponse{ServerMoment: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}).AppendJSON(nil)
	wantEmpty := `{"Message":"","ApiVersion":"","ServerName":"","ServerVersion":"","Deployment":"",` +
		`"ServerMoment":"2025-01-01T00:00:00.000Z","Capabilities":{"Markets":[],"Endpoints":[],"PayProtocols":[],"JournalTypes":[],"Queues":[]}}`
	if string(empty) != wantEmpty {
		t.Errorf("empty EchoResponse\n got %s\nwant %s", empty, wantEmpty)
	}
	if _, err := Parse(empty); err != nil {
		t.Errorf("empty EchoResponse does not parse: %v", err)
	}
}
