package at

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The hand-written encoders must agree with encoding/json byte for byte and
// decode back to the same values.
func TestHandWrittenJSON(t *testing.T) {
	states := []state{
		{},
		{Chain: Chain{Counter: -123456, Chain: "cg8hNU5ihto=", LastDate: "2026-11-30T08:13:20"}, Numbers: 42, LastMonthly: "2026-11", LastYearly: 2026, DailyAnchor: "2026-11-30"},
		{Failed: true, FailedSince: time.Date(2026, 11, 30, 7, 0, 0, 5, time.UTC), FirstFailed: "ft1A#23", FailedCount: 3,
			LastFailed: "ft1C#25", FailedTotal: 1 << 40, Reported48h: true},
		{FailedTotal: 7, Notices: []notice{{Type: sigTypeStorage, Format: formatText, Caption: "Sammelbeleg", Data: "Von ft1#2 bis ft3#4 \"x\""}}},
	}
	for _, st := range states {
		want, _ := json.Marshal(st)
		if got := st.appendJSON(nil); string(got) != string(want) {
			t.Errorf("state:\n got %s\nwant %s", got, want)
		}
		var back state
		if err := json.Unmarshal(st.appendJSON(nil), &back); err != nil || !reflect.DeepEqual(back, st) {
			t.Errorf("state round trip: %+v %v", back, err)
		}
	}
	d := itemData{Kind: "standard", Number: "ft1A#23", JWS: "eyJ.abc.def", Signed: true, Device: "demo \"1\""}
	want, _ := json.Marshal(d)
	if got := d.appendJSON(nil); string(got) != string(want) {
		t.Errorf("itemData:\n got %s\nwant %s", got, want)
	}
}
