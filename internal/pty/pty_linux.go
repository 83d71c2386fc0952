//go:build linux

// Package pty opens kernel pseudo-terminal pairs in raw mode: the simulator
// of a serial device keeps the master, the driver under test (or in a demo)
// opens the slave as it would a USB-serial adapter.
package pty

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// Open opens a kernel pseudo-terminal pair in raw mode, the way a
// USB-serial adapter looks to a driver: master and slave pass every byte
// value unchanged. The caller closes both.
func Open() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("pty: open /dev/ptmx: %w", err)
	}
	s, err := openSlave(m)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// openSlave unlocks and opens the slave of master m and makes it raw.
func openSlave(m *os.File) (*os.File, error) {
	unlock := int32(0)
	if err := ioctl(m, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		return nil, fmt.Errorf("pty: unlockpt: %w", err)
	}
	var n uint32
	if err := ioctl(m, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		return nil, fmt.Errorf("pty: ptsname: %w", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("pty: open slave: %w", err)
	}
	if err := makeRaw(s); err != nil {
		s.Close()
		return nil, fmt.Errorf("pty: raw mode: %w", err)
	}
	return s, nil
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
