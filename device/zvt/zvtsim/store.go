package zvtsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// loadLedger reads the state file; a missing file is a fresh terminal.
func loadLedger(path string) (ledger, error) {
	l := ledger{Version: ledgerVersion}
	if path == "" {
		return l, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("zvtsim: read state: %w", err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("zvtsim: decode state %s: %w", path, err)
	}
	if l.Version != ledgerVersion {
		return l, fmt.Errorf("zvtsim: state %s has version %d, want %d", path, l.Version, ledgerVersion)
	}
	return l, nil
}

// saveLedger replaces the state file atomically: write a temporary file
// in the same directory, fsync it, rename it over the old one and fsync
// the directory, so a crash leaves either the old or the new ledger,
// never a torn one.
func saveLedger(path string, l *ledger) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("zvtsim: encode state: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("zvtsim: save state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("zvtsim: save state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		// Makes the rename itself durable; not every file system
		// supports syncing a directory, so a failure is not fatal.
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
