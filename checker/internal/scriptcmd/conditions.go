package scriptcmd

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Condition answers the conditions suites may test with [name], beyond
// testscript's own: ipv6 (this machine can listen on ::1), otheruid
// (the checker can connect as another user: see unixdial -uid) and
// nofile:N (the checker and the server it starts next can hold N
// connections: see hold).
func Condition(cond string) (bool, error) {
	switch cond {
	case "ipv6":
		return hasIPv6(), nil
	case "otheruid":
		return canDialAs(), nil
	}
	if n, ok := strings.CutPrefix(cond, "nofile:"); ok {
		need, err := strconv.Atoi(n)
		if err != nil {
			return false, fmt.Errorf("condition %q: %w", cond, err)
		}
		return canHold(need), nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

var hasIPv6 = sync.OnceValue(func() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
})
