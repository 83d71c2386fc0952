package serialport

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// holderOf names the process holding an flock on path, e.g.
// "pid 1234 (fiscald)", or returns "" if it cannot tell. It is best-effort
// and only feeds an error message: /proc/locks names the process that took
// the lock, which after a fork may no longer be the one using the port.
func holderOf(path string) string {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return ""
	}
	// /proc/locks identifies a file as MAJOR:MINOR:INODE of the filesystem
	// holding the inode, majors and minors in hex, e.g.
	//   1: FLOCK  ADVISORY  WRITE 1234 00:18:3 0 EOF
	// and lists waiters as "1: -> FLOCK ...".
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != want {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil {
			continue
		}
		return describeProcess(pid)
	}
	return ""
}

// describeProcess formats pid with its command name.
func describeProcess(pid int) string {
	s := "pid " + strconv.Itoa(pid)
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		s += " (" + strings.TrimSpace(string(comm)) + ")"
	}
	if pid == os.Getpid() {
		s += ", this process"
	}
	return s
}
