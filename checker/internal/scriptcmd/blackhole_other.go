//go:build !linux

package scriptcmd

import (
	"errors"
	"net"
	"time"
)

func blackhole() (string, func(), error) {
	return "", nil, errors.New("fakeserver blackhole needs Linux")
}

func slowListener() (net.Listener, net.Conn, error) {
	return nil, nil, errors.New("fakeserver slowconnect needs Linux")
}

func waitSynSent(port int, stop <-chan struct{}, limit time.Duration) (time.Time, bool) {
	return time.Time{}, false
}
