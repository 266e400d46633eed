package scriptcmd

import (
	"fmt"
	"net"
	"sync"
)

// Condition answers the conditions suites may test with [name], beyond
// testscript's own: ipv6 (this machine can listen on ::1) and otheruid
// (the checker can connect as another user: see unixdial -uid).
func Condition(cond string) (bool, error) {
	switch cond {
	case "ipv6":
		return hasIPv6(), nil
	case "otheruid":
		return canDialAs(), nil
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
