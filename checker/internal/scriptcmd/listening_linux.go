package scriptcmd

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// listening reports whether some socket on this machine listens on TCP port
// port, from /proc/net/tcp and /proc/net/tcp6. It opens no connection, so
// asking does not disturb a server that counts its clients.
func listening(port int) (bool, error) {
	want := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			if table == "/proc/net/tcp6" {
				continue // no IPv6 on this machine
			}
			return false, fmt.Errorf("read socket table: %w", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st ...; state 0A is LISTEN.
			fields := strings.Fields(sc.Text())
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
				f.Close()
				return true, nil
			}
		}
		f.Close()
	}
	return false, nil
}
