package serialport

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/fiscald/fiscald/device"
)

// lockPort opens path a second time and takes an exclusive flock on it,
// before the library changes any line setting: a port another process
// uses must not even have its baud rate touched.
//
// The lock lives on the device node's inode, so it binds every process,
// root included, that opens the same node or any link to it (by-id links,
// socat links). It is released when the returned file is closed, or when
// the process dies, so a crashed daemon never leaves a stale lock behind,
// unlike the /var/lock LCK..ttyS0 files of older tools.
//
// The file is also the Port's write descriptor (see Port.Write).
func lockPort(path string) (*os.File, error) {
	// O_NONBLOCK: a real port without CLOCAL would otherwise block the open
	// until carrier detect; it also puts the file in Go's poller, which
	// gives writes deadlines. O_NOCTTY: a daemon without a controlling
	// terminal must not acquire the payment terminal as one.
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, notFoundError(path, err)
	case errors.Is(err, syscall.EBUSY):
		// Another process opened the port with TIOCEXCL and we are not
		// root: the same situation as a held flock.
		return nil, busyError(path, holderOf(path), err)
	case err != nil:
		return nil, fmt.Errorf("serialport: open %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, busyError(path, holderOf(path), err)
		}
		return nil, fmt.Errorf("serialport: lock %s: %w", path, err)
	}
	return f, nil
}

// lockFile takes a non-blocking exclusive flock on f. Non-blocking because
// a port held by someone else is a configuration problem to report, not a
// resource to queue for.
func lockFile(f *os.File) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lockErr error
	err = raw.Control(func(fd uintptr) {
		for {
			lockErr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
			if lockErr != unix.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return lockErr
}

// busyError reports that path is held, naming the holder if known.
func busyError(path, holder string, err error) error {
	if holder == "" {
		holder = "another process (holder unknown)"
	}
	return fmt.Errorf("serialport: open %s: %w by %s (%w): %w", path, ErrBusy, holder, device.ErrUnavailable, err)
}
