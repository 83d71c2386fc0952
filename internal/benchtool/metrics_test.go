package main

import (
	"testing"
	"time"
)

func TestParseHistSums(t *testing.T) {
	before := []byte(`# HELP fiscald_http_request_duration_seconds HTTP request latency by route template.
fiscald_http_request_duration_seconds_bucket{route="/v2/sign",le="0.1"} 3
fiscald_http_request_duration_seconds_sum{route="/v2/sign"} 1
fiscald_http_request_duration_seconds_count{route="/v2/sign"} 100
fiscald_http_request_duration_seconds_sum{route="/v2/echo"} 50
fiscald_http_request_duration_seconds_count{route="/v2/echo"} 1
fiscald_journal_sync_duration_seconds_sum 0.5
fiscald_journal_sync_duration_seconds_count 100
fiscald_device_sign_duration_seconds_sum{device="a"} 0.01
fiscald_device_sign_duration_seconds_count{device="a"} 50
fiscald_device_sign_duration_seconds_sum{device="b"} 0.01
fiscald_device_sign_duration_seconds_count{device="b"} 50
go_gc_duration_seconds_sum 7
`)
	after := []byte(`fiscald_http_request_duration_seconds_sum{route="/v2/sign"} 3
fiscald_http_request_duration_seconds_count{route="/v2/sign"} 200
fiscald_journal_sync_duration_seconds_sum 1.5
fiscald_journal_sync_duration_seconds_count 200
fiscald_device_sign_duration_seconds_sum{device="a"} 0.02
fiscald_device_sign_duration_seconds_count{device="a"} 100
fiscald_device_sign_duration_seconds_sum{device="b"} 0.02
fiscald_device_sign_duration_seconds_count{device="b"} 100
`)
	b, err := parseHistSums(before)
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseHistSums(after)
	if err != nil {
		t.Fatal(err)
	}
	got := serverTimesBetween(b, a, nil)
	want := serverTimes{handler: 20 * time.Millisecond, sync: 10 * time.Millisecond, sign: 200 * time.Microsecond}
	if got != want {
		t.Fatalf("server times = %+v, want %+v", got, want)
	}
	if got := serverTimesBetween(b, b, nil); got.err == nil {
		t.Fatal("no observations between scrapes: want an error")
	}
}
