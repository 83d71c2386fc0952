//go:build linux

package pty

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// TestRawRoundTrip checks that every byte value passes unchanged both ways,
// the property serial protocols rely on.
func TestRawRoundTrip(t *testing.T) {
	m, s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	defer s.Close()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, dir := range []struct {
		name     string
		from, to interface {
			io.ReadWriter
			SetReadDeadline(time.Time) error
		}
	}{{"master to slave", m, s}, {"slave to master", s, m}} {
		if _, err := dir.from.Write(all); err != nil {
			t.Fatalf("%s: write: %v", dir.name, err)
		}
		if err := dir.to.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(all))
		if _, err := io.ReadFull(dir.to, got); err != nil {
			t.Fatalf("%s: read: %v", dir.name, err)
		}
		if !bytes.Equal(got, all) {
			t.Errorf("%s: bytes changed: % x", dir.name, got)
		}
	}
}
