//go:build linux

package serialport

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testWait bounds every wait in these tests: long enough for a loaded CI
// machine running -race, short enough that a bug fails instead of hanging.
const testWait = 5 * time.Second

// newPTY creates an in-process pseudo-terminal and returns its master (the
// simulated device; closing it is an unplug) and the slave path a Port
// opens, exactly as it would open /dev/ttyS0.
func newPTY(t *testing.T) (master *os.File, slave string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	raw, err := m.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ctlErr error
	err = raw.Control(func(fd uintptr) {
		if ctlErr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ctlErr != nil {
			return
		}
		if n, ctlErr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN); ctlErr != nil {
			return
		}
		// The master's own line discipline must not translate bytes either.
		var tio *unix.Termios
		if tio, ctlErr = unix.IoctlGetTermios(int(fd), unix.TCGETS); ctlErr != nil {
			return
		}
		makeRaw(tio)
		ctlErr = unix.IoctlSetTermios(int(fd), unix.TCSETS, tio)
	})
	if err != nil || ctlErr != nil {
		t.Fatalf("set up pty: %v %v", err, ctlErr)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// makeRaw is cfmakeraw(3).
func makeRaw(tio *unix.Termios) {
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
}

// socatPair is a running socat joining two pty slaves, the setup
// DEVELOPERS.md names for testing against an external process.
type socatPair struct {
	cmd  *exec.Cmd
	a, b string
}

// kill unplugs both ends and waits for socat to exit.
func (s *socatPair) kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

var socatPTY = regexp.MustCompile(`PTY is (/dev/\S+)`)

// startSocat starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and waits
// until it relays. Without socat the test fails in CI (make test installs
// it) and is skipped elsewhere.
func startSocat(t *testing.T) *socatPair {
	t.Helper()
	bin, err := exec.LookPath("socat")
	if err != nil {
		msg := "socat is not installed; `make test` installs it (make deps, as root), or run apt-get install socat"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	s := &socatPair{cmd: cmd}
	t.Cleanup(s.kill)

	// socat logs both pty names, then "starting data transfer loop" once
	// it relays; the scanner ends when socat exits (kill closes stderr).
	paths := make(chan []string, 1)
	go func() {
		var found []string
		var log strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := socatPTY.FindStringSubmatch(sc.Text()); m != nil {
				found = append(found, m[1])
			}
			if strings.Contains(sc.Text(), "starting data transfer loop") && len(found) == 2 {
				paths <- found
				// Keep draining so socat never blocks on a full pipe.
				_, _ = io.Copy(io.Discard, stderr)
				return
			}
		}
		paths <- []string{"socat did not start:\n" + log.String()}
	}()
	select {
	case p := <-paths:
		if len(p) != 2 {
			t.Fatal(p[0])
		}
		s.a, s.b = p[0], p[1]
	case <-time.After(testWait):
		t.Fatal("socat did not report its ptys in time")
	}
	return s
}

// openPort opens path with the default line settings and closes it at cleanup.
func openPort(t *testing.T, path string) *Port {
	t.Helper()
	p, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// deadliner is what both a Port and a pty master offer.
type deadliner interface {
	io.Reader
	SetReadDeadline(time.Time) error
}

// readN reads exactly n bytes from r within testWait.
func readN(t *testing.T, r deadliner, n int) []byte {
	t.Helper()
	if err := r.SetReadDeadline(time.Now().Add(testWait)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	defer r.SetReadDeadline(time.Time{})
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return buf
}

// allBytes is every byte value once, 0x00 to 0xFF.
func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}
