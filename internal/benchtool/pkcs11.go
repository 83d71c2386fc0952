package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fiscald/fiscald/device/cryptoki"
)

// The PKCS#11 phase signs through SoftHSM2 instead of the simulator: how
// many receipts/s fiscald gets out of one token shared by several
// CashBoxes, against the token's raw sign rate on the same number of
// sessions measured in the same run (pkcs11_ratio).
const (
	pkcs11CashBoxes = 8
	pkcs11Token     = "fiscald-bench"
	pkcs11Key       = "rksv-sig"
	pkcs11PIN       = "bench-4711"
)

// pkcs11Result is what the PKCS#11 phase measured.
type pkcs11Result struct {
	cashBoxes, terminals, sessions int
	receipts                       float64 // signed receipts/s through fiscald
	raw                            float64 // SoftHSM's own sign rate
	busy                           float64 // the driver's busy share during the load
	busyErr                        error
	errors                         int
}

func (r pkcs11Result) ratio() float64 { return r.receipts / r.raw }

func (r pkcs11Result) write(w io.Writer) {
	fmt.Fprintf(w, "== PKCS#11 (SoftHSM2): %d CashBoxes × %d terminals sharing one token, %d sessions\n", r.cashBoxes, r.terminals, r.sessions)
	fmt.Fprintf(w, "receipts through the token:  %.0f/s (%d failed requests)\n", r.receipts, r.errors)
	fmt.Fprintf(w, "SoftHSM raw sign rate:       %.0f/s (bare C_SignInit+C_Sign, same sessions)\n", r.raw)
	if r.busyErr != nil {
		fmt.Fprintf(w, "device busy (driver):        n/a (%v)\n", r.busyErr)
	} else {
		fmt.Fprintf(w, "device busy (driver):        %.0f%%\n", 100*r.busy)
	}
}

// runPKCS11 provisions a throw-away SoftHSM2 token, measures its raw sign
// rate, then drives fiscald signing through it.
func runPKCS11(ctx context.Context, cfg config, parent string, progress func(string, ...any)) (res pkcs11Result, err error) {
	module, err := softHSMModule()
	if err != nil {
		return res, err
	}
	pinFile, err := provisionSoftHSM(filepath.Join(parent, "softhsm"), module)
	if err != nil {
		return res, err
	}
	res.cashBoxes, res.terminals, res.sessions = pkcs11CashBoxes, cfg.terminals, cryptoki.DefaultSessions
	progress("pkcs11: SoftHSM raw sign rate, %d sessions, for %v", res.sessions, cfg.phase)
	if res.raw, err = rawSignRate(ctx, module, res.sessions, cfg.phase); err != nil {
		return res, err
	}
	data := filepath.Join(parent, "pkcs11-data")
	d, err := startDaemon(ctx, cfg.fiscald, data, filepath.Join(cfg.outDir, "daemon-pkcs11.log"), res.cashBoxes,
		"--pkcs11-module", module, "--pkcs11-token", pkcs11Token, "--pkcs11-key", pkcs11Key, "--pkcs11-pin-file", pinFile)
	if err != nil {
		return res, fmt.Errorf("pkcs11: %w", err)
	}
	defer d.kill()
	terms := newTerminals(d.creds.BaseURL, atCashBoxes(d.creds, res.cashBoxes), cfg.terminals, "P")
	defer closeTerminals(terms)
	if err := startQueues(ctx, terms, cfg.terminals); err != nil {
		return res, fmt.Errorf("pkcs11: %w", err)
	}
	drive(ctx, terms, cfg.warmup())
	progress("pkcs11: %d CashBoxes × %d terminals on one token for %v", res.cashBoxes, cfg.terminals, cfg.phase)
	metricsURL := strings.TrimSuffix(d.creds.BaseURL, "/v2") + "/metrics"
	busy0, err0 := busySeconds(ctx, metricsURL)
	counts, elapsed := drive(ctx, terms, cfg.phase)
	busy1, err1 := busySeconds(ctx, metricsURL)
	res.receipts, res.errors = float64(counts.ok)/elapsed.Seconds(), counts.errors()
	res.busy, res.busyErr = (busy1-busy0)/elapsed.Seconds(), errors.Join(err0, err1)
	return res, ctx.Err()
}

// softHSMModule finds libsofthsm2.so the way the tests do: through dpkg.
func softHSMModule() (string, error) {
	out, err := exec.Command("dpkg", "-L", "libsofthsm2").Output()
	if err != nil {
		return "", fmt.Errorf("pkcs11: SoftHSM2 is not installed (dpkg -L libsofthsm2: %w); make bench installs it", err)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasSuffix(line, "/libsofthsm2.so") {
			return strings.TrimSpace(line), nil
		}
	}
	return "", errors.New("pkcs11: dpkg lists no libsofthsm2.so")
}

// provisionSoftHSM makes a private token directory (SOFTHSM2_CONF, which
// the daemon inherits), a token with a P-256 key and a self-signed
// certificate, and the PIN file.
func provisionSoftHSM(dir, module string) (pinFile string, err error) {
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		return "", err
	}
	os.Setenv("SOFTHSM2_CONF", conf)
	pinFile = filepath.Join(dir, "pin")
	if err := os.WriteFile(pinFile, []byte(pkcs11PIN), 0o600); err != nil {
		return "", err
	}
	m, err := cryptoki.Load(module, cryptoki.ModuleOptions{})
	if err != nil {
		return "", err
	}
	defer m.Close()
	tok, key := cryptoki.TokenSelector{TokenLabel: pkcs11Token}, cryptoki.KeySelector{KeyLabel: pkcs11Key}
	if _, err := cryptoki.InitToken(m, pkcs11Token, pkcs11PIN+"-so", pkcs11PIN); err != nil {
		return "", err
	}
	if _, _, err := cryptoki.EnsureKey(m, tok, key, pkcs11PIN); err != nil {
		return "", err
	}
	s, err := m.Open(cryptoki.Config{Name: "bench", TokenSelector: tok, KeySelector: key, PIN: pkcs11PIN, Sessions: 1})
	if err != nil {
		return "", err
	}
	defer s.Close()
	der, err := cryptoki.SelfSignedCertificate(s.CryptoSigner(), "fiscald bench token")
	if err != nil {
		return "", err
	}
	return pinFile, cryptoki.WriteCertificate(m, tok, key, pkcs11PIN, der)
}

// rawSignRate is SoftHSM's bare sign rate; the module is unloaded before
// the daemon loads its own.
func rawSignRate(ctx context.Context, module string, sessions int, d time.Duration) (float64, error) {
	m, err := cryptoki.Load(module, cryptoki.ModuleOptions{})
	if err != nil {
		return 0, err
	}
	defer m.Close()
	return cryptoki.RawSignRate(ctx, m, cryptoki.TokenSelector{TokenLabel: pkcs11Token}, cryptoki.KeySelector{KeyLabel: pkcs11Key}, pkcs11PIN, sessions, d)
}

// busySeconds reads fiscald_device_busy_seconds_total of the demo token.
func busySeconds(ctx context.Context, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	const name = `fiscald_device_busy_seconds_total{device="demo-pkcs11"} `
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("metrics: %s not found", strings.TrimSpace(name))
}
