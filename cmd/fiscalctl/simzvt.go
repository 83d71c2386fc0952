package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/device/zvt/zvtsim"
	"github.com/fiscald/fiscald/internal/pty"
)

// simZVT runs the ZVT terminal simulator on TCP and/or a pseudo-terminal
// until SIGINT or SIGTERM, for demos and for trying a cash register
// without hardware. Both transports share one terminal and one ledger.
func simZVT(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("sim zvt", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	tcpAddr := flags.String("tcp", "", "TCP address to listen on, e.g. 127.0.0.1:20007")
	ptyPath := flags.String("pty", "", "symlink to create to the slave of a new pseudo-terminal")
	state := flags.String("state", "", "ledger state file (empty: in memory)")
	scale := flags.Float64("time-scale", 1, "factor for every simulated delay")
	tid := flags.String("terminal-id", "", "eight-digit terminal ID (default 12345678)")
	table := flags.Bool("table", false, "print the amount table and exit")
	if err := flags.Parse(args); err != nil || flags.NArg() > 0 {
		return errUsage
	}
	if *table {
		return printOutcomes(stdout)
	}
	if *tcpAddr == "" && *ptyPath == "" {
		return errUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	term, err := zvtsim.New(zvtsim.Options{StateFile: *state, TimeScale: *scale, TerminalID: *tid, Log: log})
	if err != nil {
		return err
	}
	if *tcpAddr != "" {
		l, err := term.ListenTCP(ctx, *tcpAddr)
		if err != nil {
			return err
		}
		defer l.Close()
		fmt.Fprintf(stdout, "zvt simulator: tcp %s\n", l.Addr())
	}
	if *ptyPath != "" {
		p, err := openPTY(*ptyPath)
		if err != nil {
			return err
		}
		done := make(chan struct{})
		// Deferred before the wait below, so the server has let go of
		// the master before the pty is closed and the symlink removed.
		defer p.close(log)
		defer func() { <-done }()
		go func() {
			defer close(done)
			p.serve(ctx, term, log)
		}()
		fmt.Fprintf(stdout, "zvt simulator: pty %s -> %s\n", p.link, p.slave.Name())
	}
	<-ctx.Done()
	return nil
}

// simPTY is a pseudo-terminal an ECR reaches through a symlink.
type simPTY struct {
	master, slave *os.File
	link          string
}

// openPTY opens a raw pty and points link at its slave. An existing
// symlink is taken for a leftover of an earlier run and replaced; any
// other file is refused rather than destroyed.
func openPTY(link string) (*simPTY, error) {
	fi, err := os.Lstat(link)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink == 0:
		return nil, fmt.Errorf("--pty %s exists and is not a symlink", link)
	case err == nil:
		if err := os.Remove(link); err != nil {
			return nil, fmt.Errorf("replace stale symlink: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("--pty: %w", err)
	}
	m, s, err := pty.Open()
	if err != nil {
		return nil, err
	}
	if err := os.Symlink(s.Name(), link); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("--pty: %w", err)
	}
	return &simPTY{master: m, slave: s, link: link}, nil
}

// serve serves the master for the process lifetime. The slave stays open
// here, so an ECR closing and reopening it does not hang up the master;
// when a connection ends in error (an ECR that vanished mid-sequence),
// a fresh link on the same master takes over.
func (p *simPTY) serve(ctx context.Context, term *zvtsim.Terminal, log *slog.Logger) {
	for ctx.Err() == nil {
		link, err := zvt.NewSerialLink(keepOpen{p.master}, zvt.DefaultSerialOptions())
		if err != nil {
			log.Error("zvt simulator: pty link", "err", err)
			return
		}
		err = term.Serve(ctx, link)
		if ctx.Err() != nil {
			return
		}
		log.Info("zvt simulator: pty sequence ended, serving on", "err", err)
		// Paces a persistent failure instead of spinning on it.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// close removes the symlink, if it still points at this pty, and closes
// both ends.
func (p *simPTY) close(log *slog.Logger) {
	if target, err := os.Readlink(p.link); err == nil && target == p.slave.Name() {
		if err := os.Remove(p.link); err != nil {
			log.Error("zvt simulator: remove symlink", "err", err)
		}
	}
	p.slave.Close()
	p.master.Close()
}

// keepOpen hands the master to a link without letting the link close it:
// a link ends with its connection, the pty lives as long as the process.
type keepOpen struct{ *os.File }

func (keepOpen) Close() error { return nil }

// printOutcomes prints the amount table the simulator answers by.
func printOutcomes(stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "AMOUNT\tRESULT\tCHARGED\tDELAY\tDESCRIPTION")
	for _, o := range zvtsim.Outcomes() {
		fmt.Fprintf(w, "%s\t%02X\t%s\t%s\t%s\n", euros(o.Amount), byte(o.Result), euros(o.Charged), o.Delay, o.Description)
	}
	fmt.Fprintln(w, "other\t00\tas requested\t0s\tapproved")
	return w.Flush()
}

// euros formats cents as 12.50.
func euros(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
