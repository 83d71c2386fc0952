package main

import "testing"

func TestCredentialsCheckAllowsOnlyLoopback(t *testing.T) {
	at := []cashBox{{Market: "AT"}, {Market: "AT"}}
	tests := []struct {
		base string
		n    int
		ok   bool
	}{
		{"http://127.0.0.1:8480/v2", 2, true},
		{"http://[::1]:8480/v2", 1, true},
		{"http://10.0.0.5:8480/v2", 1, false},
		{"http://localhost:8480/v2", 1, false}, // a name could resolve anywhere
		{"http://127.0.0.1:8480/v2", 3, false}, // fewer CashBoxes than asked for
	}
	for _, tt := range tests {
		err := credentials{BaseURL: tt.base, CashBoxes: at}.check(tt.n)
		if (err == nil) != tt.ok {
			t.Errorf("check(%s, %d) = %v, want ok %v", tt.base, tt.n, err, tt.ok)
		}
	}
}
