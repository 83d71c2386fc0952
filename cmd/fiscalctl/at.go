package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
)

// atContainer prints the crypto-material container of a CashBox's AT
// register (rksv.md §6.2): the AES key and every device's certificate.
func atContainer(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("at container", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "data directory")
	id := fs.String("cashbox", "", "CashBox id")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	o, err := openOffline(*data)
	if err != nil {
		return err
	}
	defer o.Close()
	cb, err := o.cashbox(*id)
	if err != nil {
		return err
	}
	q := cb.QueueFor(fiscal.AT)
	if q == nil {
		return fmt.Errorf("CashBox %s has no AT queue", cb.ID)
	}
	raw, err := o.svc.QueueConfig(q.ID)
	if err != nil {
		return err
	}
	c, err := at.Container(raw)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
