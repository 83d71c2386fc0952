// Package sdnotify sends systemd service notifications (READY=1,
// STOPPING=1, STATUS=…) over the socket systemd names in NOTIFY_SOCKET, so
// that a Type=notify unit knows when fiscald accepts requests.
package sdnotify

import (
	"net"
	"os"
)

// Notify sends one notification. Without NOTIFY_SOCKET (not run by systemd)
// it does nothing and reports false.
func Notify(state string) (bool, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return false, nil
	}
	if path[0] == '@' {
		path = "\x00" + path[1:] // abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, err
	}
	return true, nil
}
