//go:build !linux

package scriptcmd

import (
	"net"
	"time"
)

// stampArrivals does nothing: only Linux stamps datagrams here.
func stampArrivals(c *net.UDPConn) {}

// arrivalTime returns now: a datagram is stamped when it is read.
func arrivalTime(oob []byte) time.Time { return time.Now() }
