package main

import (
	"strings"
	"testing"
	"time"
)

var fixedNow = time.Date(2026, 3, 14, 12, 31, 2, 700e6, time.UTC)

func TestResponseState(t *testing.T) {
	tests := []struct {
		name, body string
		want       uint64
		wantErr    bool
	}{
		{name: "success", want: stateSuccess,
			body: `{"ftQueueID":"q","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Data":"_R1-AT100_x"}],"ftState":4707422694881099776}`},
		{name: "state data follows", want: stateSuccess | 8,
			body: `{"ftSignatures":[],"ftState":4707422694881099784,"ftStateData":{"due":["daily"]}}`},
		{name: "quoted look-alike in a string", want: 1,
			body: `{"cbReceiptReference":"\"ftState\":9","ftSignatures":[],"ftState":1}`},
		{name: "missing", body: `{"ftSignatures":[]}`, wantErr: true},
		{name: "not a number", body: `{"ftState":"x"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := responseState([]byte(tt.body))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("responseState = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestPOSReceiptBalances(t *testing.T) {
	term := &terminal{id: "B01-T1"}
	a := string(term.posReceipt(fixedNow))
	b := string(term.posReceipt(fixedNow))
	if a == b || !strings.Contains(a, `"cbReceiptReference":"bench-B01-T1-1"`) || !strings.Contains(b, `"bench-B01-T1-2"`) {
		t.Fatalf("receipt references not fresh:\n%s\n%s", a, b)
	}
	if strings.Count(b, `"Amount":3.2`) != 2 || !strings.Contains(b, `"cbReceiptMoment":"2026-03-14T12:31:02.000Z"`) {
		t.Fatalf("receipt does not balance or has the wrong moment: %s", b)
	}
}
