package cryptoki_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
)

// tokenDirs lists the token subdirectories SoftHSM keeps in the rig.
func tokenDirs(t *testing.T, r *rig) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(r.tokenDir)
	if err != nil {
		t.Fatal(err)
	}
	dirs := make(map[string]bool)
	for _, e := range entries {
		dirs[filepath.Join(r.tokenDir, e.Name())] = true
	}
	return dirs
}

// tokenFiles returns the directory SoftHSM keeps the rig's one token in.
func tokenFiles(t *testing.T, r *rig) string {
	t.Helper()
	return newTokenDir(t, r, nil)
}

// newTokenDir returns the one token directory not in before.
func newTokenDir(t *testing.T, r *rig, before map[string]bool) string {
	t.Helper()
	var found []string
	for dir := range tokenDirs(t, r) {
		if !before[dir] {
			found = append(found, dir)
		}
	}
	if len(found) != 1 {
		t.Fatalf("found token directories %v, want exactly one new one", found)
	}
	return found[0]
}

// signUntilError signs in a loop until a signature fails and returns that
// error; it fails the test if none does within 20s.
func signUntilError(t *testing.T, s *cryptoki.Signer) <-chan error {
	out := make(chan error, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	go func() {
		defer cancel()
		for {
			_, err := s.Sign(ctx, digestOf("receipt"))
			if err != nil {
				out <- err
				return
			}
		}
	}()
	return out
}

func TestTokenLossAndReturn(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	mustSign(t, s, r.tok.Public, "before the loss")
	up := s.Health()

	files := tokenFiles(t, r)
	away := filepath.Join(t.TempDir(), "unplugged")
	failed := signUntilError(t, s)
	if err := os.Rename(files, away); err != nil {
		t.Fatal(err)
	}
	err := <-failed
	if !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("Sign after the token vanished = %v, want ErrUnavailable", err)
	}
	if !changed(up) {
		t.Fatal("Health().Changed was not closed when the device failed")
	}
	if h := s.Health(); h.State != device.StateFailed || !errors.Is(h.LastError, device.ErrUnavailable) {
		t.Fatalf("Health = %v, %v; want failed, unavailable", h.State, h.LastError)
	}

	if err := os.Rename(away, files); err != nil {
		t.Fatal(err)
	}
	h := waitState(t, s, device.StateUp, 20*time.Second)
	if h.LastError != nil || h.Failures != 0 {
		t.Fatalf("recovered Health = %v with error %v and %d failures", h.State, h.LastError, h.Failures)
	}
	mustSign(t, s, r.tok.Public, "after the return")
}

func TestAnotherTokenWithTheSameLabelStaysFailed(t *testing.T) {
	r := newRig(t)
	s := r.open(t, r.config(t, "at-1"))
	mustSign(t, s, r.tok.Public, "original card")

	if err := os.Rename(tokenFiles(t, r), filepath.Join(t.TempDir(), "original")); err != nil {
		t.Fatal(err)
	}
	// Let the module see the slot empty, then put a new token with the
	// same label, key label and PIN in: someone inserted another card.
	if err := r.m.Reinitialize(); err != nil {
		t.Fatal(err)
	}
	other := provisionAnother(t, r, r.tok.Label)
	if other.Public.Equal(r.tok.Public) {
		t.Fatal("the replacement token has the same key")
	}

	deadline := time.After(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := s.Sign(ctx, digestOf("receipt"))
		cancel()
		if err == nil {
			t.Fatal("signed with the replacement token's key")
		}
		if errors.Is(err, cryptoki.ErrKeyMismatch) {
			if !errors.Is(err, device.ErrUnavailable) {
				t.Fatalf("key mismatch error %v does not wrap ErrUnavailable", err)
			}
			break
		}
		select {
		case <-deadline:
			t.Fatalf("no key mismatch reported; last error %v", err)
		default:
		}
	}
	// Several more reconnect attempts later it is still failed, still for
	// the same reason.
	time.Sleep(10 * 100 * time.Millisecond)
	if h := s.Health(); h.State != device.StateFailed || !errors.Is(h.LastError, cryptoki.ErrKeyMismatch) {
		t.Fatalf("Health = %v, %v; want failed with ErrKeyMismatch", h.State, h.LastError)
	}
}
