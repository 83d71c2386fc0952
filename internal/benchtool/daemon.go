package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// startTimeout bounds the wait for demo-credentials.json.
	startTimeout = 30 * time.Second
	// stopTimeout is how long fiscald may take to exit after SIGTERM.
	stopTimeout = 10 * time.Second
	// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times on Linux.
	clockTicks = 100
)

// credentials is demo-credentials.json.
type credentials struct {
	BaseURL   string    `json:"baseUrl"`
	CashBoxes []cashBox `json:"cashboxes"`
}

// cashBox is one demo CashBox as the daemon lists it.
type cashBox struct {
	Market      string `json:"market"`
	CashBoxID   string `json:"cashboxId"`
	AccessToken string `json:"accessToken"`
	PosSystemID string `json:"posSystemId"`
	QueueID     string `json:"queueId"`
}

// daemon is a running fiscald under test.
type daemon struct {
	cmd      *exec.Cmd
	log      *os.File
	data     string
	debugURL string
	creds    credentials
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // valid after exited is closed
}

// startDaemon starts fiscald in demo mode with n CashBoxes on loopback and
// waits until it has written its credentials; extra are further flags.
func startDaemon(ctx context.Context, bin, data, logPath string, n int, extra ...string) (*daemon, error) {
	debugAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("daemon log: %w", err)
	}
	args := append([]string{"--demo", "--data", data, "--listen", "127.0.0.1:0",
		"--demo-cashboxes", strconv.Itoa(n), "--debug-listen", debugAddr}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	d := &daemon{cmd: cmd, log: logf, data: data, debugURL: "http://" + debugAddr, exited: make(chan struct{})}
	go func() {
		d.waitErr = cmd.Wait()
		close(d.exited)
	}()
	if d.creds, err = d.awaitCredentials(ctx, n); err != nil {
		d.kill()
		return nil, err
	}
	return d, nil
}

// awaitCredentials polls for demo-credentials.json until it holds n AT
// CashBoxes on a loopback address.
func (d *daemon) awaitCredentials(ctx context.Context, n int) (credentials, error) {
	path := filepath.Join(d.data, "demo-credentials.json")
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		var c credentials
		if raw, err := os.ReadFile(path); err == nil && json.Unmarshal(raw, &c) == nil {
			return c, c.check(n)
		}
		select {
		case <-ctx.Done():
			return credentials{}, ctx.Err()
		case <-d.exited:
			return credentials{}, fmt.Errorf("fiscald exited before listening (%v); see %s", d.waitErr, d.log.Name())
		case <-tick.C:
		}
	}
	return credentials{}, fmt.Errorf("fiscald wrote no %s within %v; see %s", path, startTimeout, d.log.Name())
}

// check refuses credentials that would send load anywhere but loopback.
func (c credentials) check(n int) error {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return fmt.Errorf("demo credentials: baseUrl: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("demo credentials: baseUrl %s is not a loopback address", c.BaseURL)
	}
	at := 0
	for _, b := range c.CashBoxes {
		if b.Market == "AT" {
			at++
		}
	}
	if at < n {
		return fmt.Errorf("demo credentials: %d AT CashBoxes, want %d", at, n)
	}
	return nil
}

// memory reads the resident set size and its peak, in KiB.
func (d *daemon) memory() (rssKiB, hwmKiB int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("daemon memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("daemon memory: %s: %w", k, err)
		}
		if k == "VmRSS" {
			rssKiB = n
		} else {
			hwmKiB = n
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("daemon memory: %w", err)
	}
	return rssKiB, hwmKiB, nil
}

// cpuTime is the user and system CPU time the daemon has used so far.
func (d *daemon) cpuTime() (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("daemon cpu: %w", err)
	}
	// The command name (field 2) may hold spaces; fields after it follow
	// the last ')'. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return 0, errors.New("daemon cpu: unexpected /proc stat format")
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("daemon cpu: unexpected /proc stat format")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("daemon cpu: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// stop sends SIGTERM and waits up to stopTimeout for exit status 0.
func (d *daemon) stop() (time.Duration, error) {
	defer d.log.Close()
	start := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, fmt.Errorf("SIGTERM fiscald: %w", err)
	}
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-d.exited:
		if d.waitErr != nil {
			return time.Since(start), fmt.Errorf("fiscald exited with %v after SIGTERM; see %s", d.waitErr, d.log.Name())
		}
		return time.Since(start), nil
	case <-t.C:
		_ = d.cmd.Process.Kill()
		<-d.exited
		return stopTimeout, fmt.Errorf("fiscald did not exit within %v of SIGTERM (killed); see %s", stopTimeout, d.log.Name())
	}
}

// kill ends the daemon at once and waits for it; for error paths.
func (d *daemon) kill() {
	_ = d.cmd.Process.Kill()
	<-d.exited
	d.log.Close()
}

// freeLoopbackAddr picks a free TCP port on 127.0.0.1 for --debug-listen.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
