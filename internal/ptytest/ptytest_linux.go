//go:build linux

// Package ptytest opens kernel pseudo-terminal pairs for tests of serial
// protocols: the driver under test gets a real tty, the test (or a
// simulator) the other end. Only tests import it.
package ptytest

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// Open opens a kernel pseudo-terminal pair in raw mode, the way a
// USB-serial adapter looks to the driver: master and slave pass every byte
// value unchanged. Both are closed at the end of the test.
func Open(t testing.TB) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	unlock := int32(0)
	if err := ioctl(m, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	var n uint32
	if err := ioctl(m, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open slave: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := makeRaw(s); err != nil {
		t.Fatalf("raw mode: %v", err)
	}
	return m, s
}

// makeRaw switches off every translation of the line discipline (as
// cfmakeraw does): otherwise ETX (03) would raise SIGINT, 11/13 would be
// eaten as XON/XOFF and CR turned into LF.
func makeRaw(f *os.File) error {
	var tio syscall.Termios
	if err := ioctl(f, syscall.TCGETS, unsafe.Pointer(&tio)); err != nil {
		return fmt.Errorf("TCGETS: %w", err)
	}
	tio.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP |
		syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON | syscall.IXOFF
	tio.Oflag &^= syscall.OPOST
	tio.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	tio.Cflag &^= syscall.CSIZE | syscall.PARENB
	tio.Cflag |= syscall.CS8
	tio.Cc[syscall.VMIN] = 1
	tio.Cc[syscall.VTIME] = 0
	if err := ioctl(f, syscall.TCSETS, unsafe.Pointer(&tio)); err != nil {
		return fmt.Errorf("TCSETS: %w", err)
	}
	return nil
}

// ioctl runs an ioctl through SyscallConn, which (unlike Fd) leaves the
// file in non-blocking mode, so read deadlines keep working.
func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}
