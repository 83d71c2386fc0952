// Command fiscald is the fiscalization daemon: it serves the POS System API
// v2 to the POS terminals of a store, signs receipts with the configured
// signature devices and journals them durably.
//
//	fiscald --config /etc/fiscald/fiscald.yaml
//	fiscald --demo --data DIR --listen 127.0.0.1:8480 [--demo-cashboxes N] [--sim-time-scale F]
//	        [--pkcs11-module PATH --pkcs11-token LABEL --pkcs11-key LABEL --pkcs11-pin-file FILE]
//	[--pay-limit DURATION] [--pay-resolve-wait DURATION] (both modes)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/Vienna must load on hosts without zoneinfo

	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/internal/config"
)

// version is set by the build (-ldflags "-X main.version=…").
var version = "0.1.0-dev"

// flags are the command line. The configuration file holds everything
// else; the demo needs only these.
type flags struct {
	configPath    string
	demo          bool
	data          string
	listen        string
	metricsListen string
	demoCashboxes int
	logLevel      string
	authFailures  int
	debugListen   string
	// simTimeScale multiplies the delays of the demo's ZVT simulator and
	// sandbox provider (0: 1).
	simTimeScale float64
	// payLimit overrides payment_limit; payResolveWait is how long /v2/pay
	// waits for a terminal to settle an unknown outcome (0: defaults).
	payLimit       time.Duration
	payResolveWait time.Duration
	// The demo's PKCS#11 token (all four or none).
	pkcs11 config.PKCS11
	// faults wraps the PKCS#11 libraries; only in-process tests set it.
	faults func(cryptoki.API) cryptoki.API
}

func main() {
	var f flags
	fs := flag.NewFlagSet("fiscald", flag.ExitOnError)
	fs.StringVar(&f.configPath, "config", "", "configuration file (YAML)")
	fs.BoolVar(&f.demo, "demo", false, "run the demo: simulated devices and demo CashBoxes in --data")
	fs.StringVar(&f.data, "data", "", "data directory (demo)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8480", "API listen address (demo)")
	fs.StringVar(&f.metricsListen, "metrics-listen", "", "separate /metrics listen address")
	fs.IntVar(&f.demoCashboxes, "demo-cashboxes", 1, "demo CashBoxes per market (demo)")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error")
	fs.IntVar(&f.authFailures, "auth-fail-limit", 0, "failed authentications per minute that block a source address (default 10)")
	fs.StringVar(&f.debugListen, "debug-listen", "", "serve Go's pprof profiles on this address (loopback only; for make bench)")
	fs.Float64Var(&f.simTimeScale, "sim-time-scale", 1, "demo: factor for every delay of the simulated payment terminal and sandbox provider (> 0)")
	fs.DurationVar(&f.payLimit, "pay-limit", 0, "longest /v2/pay transaction (overrides payment_limit; default 600s)")
	fs.DurationVar(&f.payResolveWait, "pay-resolve-wait", 0, "how long /v2/pay waits for a terminal to settle a payment of unknown outcome before answering 503 (default 5s)")
	fs.StringVar(&f.pkcs11.Module, "pkcs11-module", "", "demo: sign through this PKCS#11 library instead of the simulator")
	fs.StringVar(&f.pkcs11.TokenLabel, "pkcs11-token", "", "demo: label of the token")
	fs.StringVar(&f.pkcs11.KeyLabel, "pkcs11-key", "", "demo: label of the signing key on the token")
	fs.StringVar(&f.pkcs11.PINFile, "pkcs11-pin-file", "", "demo: file holding the token's user PIN")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Parse(os.Args[1:])
	if *showVersion {
		fmt.Println("fiscald", version)
		return
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// Pebble's log writer blocks in fdatasync for every group commit.
		// When it returns, its goroutine needs a free P; with one P per
		// core and every P busy it waits in the global run queue for
		// milliseconds, and every receipt waits with it. Spare Ps let it
		// run at once (the kernel still shares the same cores).
		runtime.GOMAXPROCS(2 * runtime.GOMAXPROCS(0)) // twice the (cgroup-aware) default
	}
	if os.Getenv("GOGC") == "" {
		// Requests allocate short-lived buffers; collecting half as often
		// saves CPU on a small box for a few MB of heap.
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, f); err != nil {
		fmt.Fprintln(os.Stderr, "fiscald:", err)
		os.Exit(1)
	}
}

// run builds the daemon from the flags and serves until ctx ends.
func run(ctx context.Context, f flags) error {
	var cfg *config.Config
	switch {
	case !(f.simTimeScale > 0) || math.IsInf(f.simTimeScale, 0):
		return errors.New("--sim-time-scale must be a number greater than 0")
	case f.payLimit < 0 || f.payResolveWait < 0:
		return errors.New("--pay-limit and --pay-resolve-wait must not be negative")
	case f.demo && f.configPath != "":
		return errors.New("--demo and --config exclude each other")
	case f.demo:
		if f.data == "" {
			return errors.New("--demo needs --data DIR")
		}
		if f.demoCashboxes < 1 || f.demoCashboxes > 1000 {
			return errors.New("--demo-cashboxes must be between 1 and 1000")
		}
		if err := f.checkPKCS11(); err != nil {
			return err
		}
		cfg = &config.Config{Listen: f.listen, Data: f.data, LogLevel: "info", PaymentLimit: config.DefaultPaymentLimit}
	case f.configPath != "":
		if f.pkcs11 != (config.PKCS11{}) {
			return errors.New("the --pkcs11-* flags are for the demo; a configuration file names its signers itself")
		}
		if f.simTimeScale != 1 {
			return errors.New("--sim-time-scale is for the demo's simulated terminals")
		}
		c, err := config.Load(f.configPath)
		if err != nil {
			return err
		}
		cfg = c
	default:
		return config.ErrNoConfig
	}
	if f.metricsListen != "" {
		cfg.MetricsListen = f.metricsListen
	}
	if f.logLevel != "" {
		cfg.LogLevel = f.logLevel
	}
	if f.authFailures > 0 {
		cfg.Auth.Failures = f.authFailures
	}
	if f.payLimit > 0 {
		cfg.PaymentLimit = f.payLimit
	}
	log := newLogger(cfg.LogLevel)
	d, err := build(cfg, f, log)
	if err != nil {
		return err
	}
	return d.serve(ctx)
}

// checkPKCS11 requires the demo's token flags all together or not at all.
func (f *flags) checkPKCS11() error {
	p := f.pkcs11
	set := 0
	for _, v := range []string{p.Module, p.TokenLabel, p.KeyLabel, p.PINFile} {
		if v != "" {
			set++
		}
	}
	switch {
	case set == 0:
		return nil
	case set < 4:
		return errors.New("a demo token needs all of --pkcs11-module, --pkcs11-token, --pkcs11-key and --pkcs11-pin-file")
	case !filepath.IsAbs(p.Module):
		return fmt.Errorf("--pkcs11-module %s: give the library's absolute path", p.Module)
	}
	return nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
