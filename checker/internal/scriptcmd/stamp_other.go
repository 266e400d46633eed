//go:build !linux

package scriptcmd

import (
	"net"
	"time"
)

const stampOOB = 0

func enableStamps(c *net.UDPConn) {}

func kernelStamp(oob []byte) (time.Time, bool) { return time.Time{}, false }

func waiting(c *net.UDPConn) (queued, ok bool) { return false, false }
