package scriptcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// listeningBy reports whether process pid itself holds a listening TCP
// socket on port: another program's listener, which may have taken the
// port once pid's closed, is not pid's. Where pid's descriptors cannot be
// read (not for want of pid), any listener on the port counts.
func listeningBy(pid, port int) (bool, error) {
	inodes, err := listenInodes("/proc/thread-self/net", port)
	if err != nil || len(inodes) == 0 {
		return false, err
	}
	held, err := holdsSocket(pid, inodes)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // pid is gone, and its sockets with it
	}
	if err != nil {
		return true, nil
	}
	return held, nil
}

// listensAny reports whether process pid holds a listening TCP socket on
// any port (in its own network namespace).
func listensAny(pid int) (bool, error) {
	inodes, err := listenInodes(fmt.Sprintf("/proc/%d/net", pid), 0)
	if err != nil {
		return false, err
	}
	held, err := holdsSocket(pid, inodes)
	if err != nil {
		return false, fmt.Errorf("list descriptors: %w", err)
	}
	return held, nil
}

// listenInodes are the inodes of the listening TCP sockets on port (any
// port, for 0) in the socket tables of dir: /proc/net, or /proc/PID/net
// for the tables of PID's network namespace.
func listenInodes(dir string, port int) (map[string]bool, error) {
	want := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(dir + "/" + table)
		if err != nil {
			if table == "tcp6" {
				continue // no IPv6 on this machine
			}
			return nil, fmt.Errorf("read socket table: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) > 9 && (port == 0 || strings.HasSuffix(f[1], want)) && f[3] == tcpStates["LISTEN"] {
				inodes[f[9]] = true
			}
		}
	}
	return inodes, nil
}

// holdsSocket reports whether one of process pid's descriptors is a socket
// with one of these inodes; the error is that of listing its descriptors.
func holdsSocket(pid int, inodes map[string]bool) (bool, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, err
	}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err != nil {
			continue
		}
		if ino, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(ino, "]")] {
			return true, nil
		}
	}
	return false, nil
}
