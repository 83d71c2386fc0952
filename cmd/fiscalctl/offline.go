package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/journal"
)

// offline is a read-only view of a stopped daemon's data directory.
type offline struct {
	db  *journal.DB
	svc *fiscal.Service
}

// openOffline opens DIR's journal read-only. A running daemon holds the
// directory lock; that is reported plainly instead of as a storage error.
func openOffline(dir string) (*offline, error) {
	if dir == "" {
		return nil, errUsage
	}
	jdir := filepath.Join(dir, "journal")
	if _, err := os.Stat(jdir); err != nil {
		return nil, fmt.Errorf("%s holds no fiscald journal (%s is missing)", dir, jdir)
	}
	db, err := journal.Open(jdir, journal.Options{ReadOnly: true})
	if errors.Is(err, journal.ErrLocked) {
		return nil, fmt.Errorf("fiscald is running on %s: offline commands read a stopped daemon's data; stop fiscald first (or use the API, e.g. POST /v2/journal)", dir)
	}
	if err != nil {
		return nil, err
	}
	// Markets without signers: registers open for reading and exporting.
	svc, err := fiscal.NewService(fiscal.Options{DB: db, Markets: []fiscal.Market{at.New(at.Options{})}})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &offline{db: db, svc: svc}, nil
}

func (o *offline) Close() error { return o.db.Close() }

func (o *offline) cashbox(id string) (*fiscal.CashBox, error) {
	if id == "" {
		return nil, errUsage
	}
	cb := o.svc.CashBox(id)
	if cb == nil {
		return nil, fmt.Errorf("no CashBox %s in this data directory", id)
	}
	return cb, nil
}
