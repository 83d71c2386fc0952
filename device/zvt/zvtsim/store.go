package zvtsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/fiscald/fiscald/internal/atomicfile"
	"io/fs"
	"os"
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
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return fmt.Errorf("zvtsim: save state: %w", err)
	}
	return nil
}
