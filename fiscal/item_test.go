package fiscal

import (
	"encoding/json"
	"testing"
	"time"
)

func TestQueueStateJSONRoundTrip(t *testing.T) {
	st := queueState{Row: 7, Numerator: 5, Started: true, LateSigning: true, LastMoment: time.Date(2026, 11, 30, 7, 13, 20, 123456789, time.UTC)}
	var back queueState
	if err := json.Unmarshal(st.appendJSON(nil), &back); err != nil || back != st {
		t.Fatalf("round trip: %+v, %v; want %+v", back, err, st)
	}
	want, _ := json.Marshal(st)
	if string(st.appendJSON(nil)) != string(want) {
		t.Fatalf("appendJSON = %s, encoding/json = %s", st.appendJSON(nil), want)
	}
}
