//go:build !linux

package scriptcmd

import (
	"errors"
	"net"
)

// runUnixPeerIfAsked does nothing where unixdial -uid is not supported.
func runUnixPeerIfAsked() {}

func (st *State) dialAs(uid int, path string) (*net.UnixConn, int, error) {
	return nil, 0, errors.New("connecting as another user is done on Linux only")
}

// shortSocketPath returns path: other systems have no /proc/self/fd to
// shorten a long one through.
func shortSocketPath(path string) (string, func(), error) { return path, func() {}, nil }

// canDialAs is false: unixdial -uid is done on Linux only.
func canDialAs() bool { return false }
