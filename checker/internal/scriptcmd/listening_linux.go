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
	inodes, err := listenInodes(port)
	if err != nil || len(inodes) == 0 {
		return false, err
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // pid is gone, and its sockets with it
	}
	if err != nil {
		return true, nil
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

// listenInodes are the inodes of the listening TCP sockets on port.
func listenInodes(port int) (map[string]bool, error) {
	want := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			if table == "/proc/net/tcp6" {
				continue
			}
			return nil, fmt.Errorf("read socket table: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) > 9 && strings.HasSuffix(f[1], want) && f[3] == tcpStates["LISTEN"] {
				inodes[f[9]] = true
			}
		}
	}
	return inodes, nil
}

// listensAny reports whether process pid holds a listening TCP socket on
// any port (in its own network namespace).
func listensAny(pid int) (bool, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			if table == "tcp6" {
				continue
			}
			return false, fmt.Errorf("read socket table: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 9 && f[3] == tcpStates["LISTEN"] {
				inodes[f[9]] = true
			}
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, fmt.Errorf("list descriptors: %w", err)
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
