//go:build !linux

package scriptcmd

import (
	"errors"
	"net"
	"time"
)

func slowListener() (net.Listener, net.Conn, error) {
	return nil, nil, errors.New("fakeserver blackhole, slowconnect and slowsilent need Linux")
}

func waitSynSent(port int, stop <-chan struct{}, limit time.Duration, resends uint64) (time.Time, bool) {
	return time.Time{}, false
}
