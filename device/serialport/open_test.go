//go:build linux

package serialport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fiscald/fiscald/device"
)

func TestOpenMissingPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttyUSB9")
	_, err := Open(t.Context(), Config{Path: path})
	for _, want := range []error{ErrNotFound, device.ErrUnavailable, fs.ErrNotExist} {
		if !errors.Is(err, want) {
			t.Errorf("err = %v, want it to wrap %v", err, want)
		}
	}
	if err != nil && !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want it to name %s", err, path)
	}
}

func TestOpenNotSerial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), Config{Path: path})
	if !errors.Is(err, ErrNotSerial) {
		t.Fatalf("err = %v, want ErrNotSerial", err)
	}
	// The lock taken before the library refused must be gone.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		t.Errorf("lock left behind: %v", err)
	}
}

func TestOpenCancelled(t *testing.T) {
	_, slave := newPTY(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Open(ctx, Config{Path: slave}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestOpenInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no selector", Config{}},
		{"path and USB", Config{Path: "/dev/ttyS0", USB: USBID{VID: 0x0403, PID: 0x6001}}},
		{"USB without PID", Config{USB: USBID{VID: 0x0403}}},
		{"USB serial only", Config{USB: USBID{Serial: "A1"}}},
		{"negative baud", Config{Path: "/dev/ttyS0", BaudRate: -1}},
		{"9 data bits", Config{Path: "/dev/ttyS0", DataBits: 9}},
		{"bad parity", Config{Path: "/dev/ttyS0", Parity: ParitySpace + 1}},
		{"bad stop bits", Config{Path: "/dev/ttyS0", StopBits: StopBitsTwo + 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(t.Context(), tc.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// TestLineSettings checks that the configured settings reach the terminal.
// A Linux pty stores speed and stop bits but forces CS8 without parity
// (drivers/tty/pty.c), so data bits and parity are checked by TestMode.
func TestLineSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		speed   uint32
		stopTwo bool
	}{
		{"defaults are 9600 with two stop bits", Config{}, unix.B9600, true},
		{"19200 one stop bit", Config{BaudRate: 19200, StopBits: StopBitsOne}, unix.B19200, false},
		{"115200 two stop bits", Config{BaudRate: 115200, StopBits: StopBitsTwo}, unix.B115200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, slave := newPTY(t)
			cfg := tc.cfg
			cfg.Path = slave
			p, err := Open(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			tio := termios(t, p)
			if got := tio.Cflag & unix.CBAUD; got != tc.speed {
				t.Errorf("speed bits %o, want %o", got, tc.speed)
			}
			if got := tio.Cflag&unix.CSTOPB != 0; got != tc.stopTwo {
				t.Errorf("two stop bits = %v, want %v", got, tc.stopTwo)
			}
		})
	}
}

// termios reads the terminal settings of p's line.
func termios(t *testing.T, p *Port) *unix.Termios {
	t.Helper()
	raw, err := p.file.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var tio *unix.Termios
	var ioErr error
	if err := raw.Control(func(fd uintptr) { tio, ioErr = unix.IoctlGetTermios(int(fd), unix.TCGETS) }); err != nil || ioErr != nil {
		t.Fatalf("TCGETS: %v %v", err, ioErr)
	}
	return tio
}

// TestLockSameProcess opens one port twice: as root TIOCEXCL lets the
// second open through, so only the flock stops it.
func TestLockSameProcess(t *testing.T) {
	master, slave := newPTY(t)
	first := openPort(t, slave)

	_, err := Open(t.Context(), Config{Path: slave})
	if !errors.Is(err, ErrBusy) || !errors.Is(err, device.ErrUnavailable) {
		t.Fatalf("second Open: %v, want ErrBusy and device.ErrUnavailable", err)
	}
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to name %q", err, want)
	}

	// The refused Open must not have disturbed the first Port.
	if _, err := master.Write([]byte{0x80}); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, first, 1); got[0] != 0x80 {
		t.Errorf("first port read % x, want 80", got)
	}

	// Close releases the lock.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openPort(t, slave)
}

// TestLockOtherProcess holds the port's lock in another process with
// flock(1): Open must refuse and name that process.
func TestLockOtherProcess(t *testing.T) {
	bin, err := exec.LookPath("flock")
	if err != nil {
		msg := "flock(1) from util-linux is not installed"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	_, slave := newPTY(t)
	cmd := exec.Command(bin, "--exclusive", slave, "sh", "-c", "echo locked; exec cat")
	stdin, err := cmd.StdinPipe() // closing it ends cat, and with it flock
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// flock prints nothing itself; "locked" comes once the lock is held.
	// Reading a line is bounded: flock exits (EOF) if it cannot lock.
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("flock(1) did not take the lock: %q", line)
	}

	_, err = Open(t.Context(), Config{Path: slave})
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Open: %v, want ErrBusy", err)
	}
	if want := fmt.Sprintf("pid %d (flock)", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to name %q", err, want)
	}
}
