package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// journalVerify walks every chain and reports the first broken link.
func journalVerify(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("journal verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "data directory")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	o, err := openOffline(*data)
	if err != nil {
		return err
	}
	defer o.Close()
	reports, err := o.db.Verify()
	if err != nil {
		return err
	}
	broken := 0
	for _, r := range reports {
		if r.Err != nil {
			broken++
			fmt.Fprintf(stdout, "BROKEN  chain %s: first broken link at entry %d: %s\n", r.Chain, r.Err.Seq, r.Err.Reason)
			continue
		}
		fmt.Fprintf(stdout, "ok      chain %s: %d entries, head %x\n", r.Chain, r.Entries, r.Head)
	}
	if broken > 0 {
		return fmt.Errorf("%d of %d chains are broken", broken, len(reports))
	}
	fmt.Fprintf(stdout, "all %d chains intact\n", len(reports))
	return nil
}

// journalExport writes what POST /v2/journal would answer to a file.
func journalExport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("journal export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "data directory")
	id := fs.String("cashbox", "", "CashBox id")
	typ := fs.Uint64("type", 0, "ftJournalType (decimal or 0x hex)")
	queue := fs.String("queue", "", "queue id (when the CashBox has several)")
	fromRow := fs.Int64("from-row", 0, "first ftQueueRow")
	toRow := fs.Int64("to-row", 0, "last ftQueueRow")
	from := fs.Int64("from", 0, "start, .NET ticks")
	to := fs.Int64("to", 0, "end, .NET ticks (negative: at most -N items)")
	out := fs.String("out", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || !set(fs, "type") {
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
	req := &wire.JournalRequest{JournalType: *typ, From: *from, To: *to, QueueID: strings.ToLower(*queue)}
	if set(fs, "from-row") {
		req.FromQueueRow = fromRow
	}
	if set(fs, "to-row") {
		req.ToQueueRow = toRow
	}
	e, err := o.svc.Export(cb, req)
	if err != nil {
		return describe(err)
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	if err := e.WriteTo(context.Background(), bw); err != nil {
		return err
	}
	return bw.Flush()
}

func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// describe turns a fiscal error into a sentence.
func describe(err error) error {
	if fe, ok := err.(*fiscal.Error); ok {
		return fmt.Errorf("%s: %s", fe.Code, fe.Detail)
	}
	return err
}

// hashToken prints the stored form of an access token for the config file.
func hashToken(args []string, stdout io.Writer) error {
	var token string
	switch len(args) {
	case 0:
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read token from stdin: %w", err)
		}
		token = strings.TrimRight(line, "\r\n")
	case 1:
		token = args[0]
	default:
		return errUsage
	}
	if token == "" {
		return errUsage
	}
	_, err := fmt.Fprintln(stdout, fiscal.HashToken(token))
	return err
}
