package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "defaults", env: nil,
			want: config{phase: 10 * time.Second, cashBoxes: 16, terminals: 4, fiscald: "bin/fiscald", outDir: "bench-out", goCmd: "go"}},
		{name: "overrides", env: map[string]string{"BENCH_SECONDS": "5", "BENCH_CASHBOXES": "2", "BENCH_TERMINALS": "1", "GO": "go1.26"},
			want: config{phase: 5 * time.Second, cashBoxes: 2, terminals: 1, fiscald: "bin/fiscald", outDir: "bench-out", goCmd: "go1.26"}},
		{name: "seconds not a number", env: map[string]string{"BENCH_SECONDS": "5s"}, wantErr: "BENCH_SECONDS"},
		{name: "seconds zero", env: map[string]string{"BENCH_SECONDS": "0"}, wantErr: "BENCH_SECONDS"},
		{name: "too many cashboxes", env: map[string]string{"BENCH_CASHBOXES": "1001"}, wantErr: "BENCH_CASHBOXES"},
		{name: "too many terminals", env: map[string]string{"BENCH_TERMINALS": "65"}, wantErr: "BENCH_TERMINALS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.tempDir = "" // the system's
			if got != tt.want {
				t.Fatalf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPhaseDerivedDurations(t *testing.T) {
	tests := []struct {
		phase   time.Duration
		warmup  time.Duration
		profile int
	}{
		{time.Second, 500 * time.Millisecond, 1},
		{5 * time.Second, time.Second, 4},
		{10 * time.Second, 2 * time.Second, 9},
		{60 * time.Second, 2 * time.Second, 10},
	}
	for _, tt := range tests {
		c := config{phase: tt.phase}
		if got := c.warmup(); got != tt.warmup {
			t.Errorf("phase %v: warmup %v, want %v", tt.phase, got, tt.warmup)
		}
		if got := c.profileSeconds(); got != tt.profile {
			t.Errorf("phase %v: profile %ds, want %ds", tt.phase, got, tt.profile)
		}
	}
}
