//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/device/zvt"
)

// TestSimZVTProcess runs `fiscalctl sim zvt` on TCP and a pty at once and
// pays through the production ECR driver over both: the pty through its
// symlink and device/serialport, as fiscald would open a terminal.
func TestSimZVTProcess(t *testing.T) {
	dir := t.TempDir()
	ptyLink := filepath.Join(dir, "zvt0")
	ledger := filepath.Join(dir, "ledger.json")
	cmd := exec.Command(filepath.Join(binDir, "fiscalctl"), "sim", "zvt", "--tcp", "127.0.0.1:0",
		"--pty", ptyLink, "--state", ledger, "--time-scale", "0.001")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := false
	t.Cleanup(func() {
		if !exited {
			cmd.Process.Kill()
			<-done
		}
	})

	// The ready lines, one per listener.
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var tcpAddr, ptsName string
	deadline := time.After(15 * time.Second)
	for tcpAddr == "" || ptsName == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("simulator stdout closed before it was ready\n%s", stderr)
			}
			if a, found := strings.CutPrefix(l, "zvt simulator: tcp "); found {
				tcpAddr = a
			} else if p, found := strings.CutPrefix(l, "zvt simulator: pty "+ptyLink+" -> "); found {
				ptsName = p
			} else {
				t.Fatalf("unexpected line %q", l)
			}
		case <-deadline:
			t.Fatalf("simulator not ready within 15 s\n%s", stderr)
		}
	}
	if target, err := os.Readlink(ptyLink); err != nil || target != ptsName {
		t.Fatalf("symlink %s -> %q, %v; want %s", ptyLink, target, err, ptsName)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// (a) over TCP: approved.
	tcpECR := zvt.NewECR(func(ctx context.Context) (zvt.Link, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", tcpAddr)
		if err != nil {
			return nil, err
		}
		return zvt.NewTCPLink(c), nil
	}, zvt.ECROptions{Name: "tcp"})
	defer tcpECR.Close()
	res, err := tcpECR.Pay(ctx, device.PayRequest{Amount: 1250})
	if err != nil || res.Outcome != device.PayApproved || res.Amount != 1250 {
		t.Fatalf("TCP Pay(12.50) = %+v, %v\n%s", res, err, stderr)
	}

	// (b) over the pty symlink: 30000.10 is declined by the host.
	serialECR := zvt.NewECR(func(ctx context.Context) (zvt.Link, error) {
		p, err := serialport.Open(ctx, serialport.Config{Path: ptyLink})
		if err != nil {
			return nil, err
		}
		return zvt.NewSerialLink(p, zvt.DefaultSerialOptions())
	}, zvt.ECROptions{Name: "pty"})
	defer serialECR.Close()
	res, err = serialECR.Pay(ctx, device.PayRequest{Amount: 3000010})
	if err != nil || res.Outcome != device.PayDeclined {
		t.Fatalf("pty Pay(30000.10) = %+v, %v\n%s", res, err, stderr)
	}
	tcpECR.Close()
	serialECR.Close()

	// (c) SIGTERM: exit 0, symlink removed.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Fatalf("simulator exit: %v\n%s", err, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("simulator did not exit within 10 s of SIGTERM\n%s", stderr)
	}
	if _, err := os.Lstat(ptyLink); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("symlink %s still there after exit: %v", ptyLink, err)
	}

	// (d) the ledger: one booked payment of 12.50, the decline not charged.
	raw, err := os.ReadFile(ledger)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Transactions []struct {
			Kind      string `json:"kind"`
			State     string `json:"state"`
			Requested int64  `json:"requested"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatalf("ledger: %v\n%s", err, raw)
	}
	booked := 0
	for _, tx := range state.Transactions {
		if tx.State == "booked" {
			booked++
			if tx.Kind != "payment" || tx.Requested != 1250 {
				t.Errorf("booked %+v, want the 12.50 payment", tx)
			}
		}
	}
	if booked != 1 || len(state.Transactions) != 2 {
		t.Errorf("ledger holds %d booked of %d transactions, want 1 of 2:\n%s", booked, len(state.Transactions), raw)
	}
}
