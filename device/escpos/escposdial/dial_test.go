package escposdial

import "testing"

func TestWithDefaultPort(t *testing.T) {
	tests := map[string]string{
		"printer.local":      "printer.local:9100",
		"192.168.1.50":       "192.168.1.50:9100",
		"192.168.1.50:9101":  "192.168.1.50:9101",
		"[fe80::1]":          "[fe80::1]:9100",
		"[fe80::1]:9100":     "[fe80::1]:9100",
		"printer.local:9100": "printer.local:9100",
	}
	for in, want := range tests {
		if got := withDefaultPort(in); got != want {
			t.Errorf("withDefaultPort(%q) = %q, want %q", in, got, want)
		}
	}
}
