package at

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// Export writes the DEP7 export of the items (rksv.md §6.1): one group per
// run of receipts made with the same device certificate.
func (r *register) Export(ctx context.Context, w io.Writer, journalType uint64, items fiscal.ItemSource) (string, string, error) {
	if journalType != JournalDEP7 {
		return "", "", fmt.Errorf("at: journal type %d is not an AT export", journalType)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	dep := rksv.NewDEPWriter(bw)
	err := items(func(it fiscal.MarketItem) error {
		if len(it.Data) == 0 {
			return nil // an item the market made no receipt for
		}
		var d itemData
		if err := json.Unmarshal(it.Data, &d); err != nil {
			return fmt.Errorf("at: row %d: %w", it.Row, err)
		}
		if d.JWS == "" {
			return nil
		}
		return dep.Add(r.cfg.Devices[d.Device].Cert, d.JWS)
	})
	if err != nil {
		return "", "", err
	}
	if err := dep.Close(); err != nil {
		return "", "", err
	}
	if err := bw.Flush(); err != nil {
		return "", "", err
	}
	return "dep7-" + safeName(r.cfg.KassenID) + ".json", "application/json; charset=utf-8", nil
}

// safeName keeps a Kassen-ID usable as a file name.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b)
}
