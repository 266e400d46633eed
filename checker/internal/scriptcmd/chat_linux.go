package scriptcmd

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// slowControl prepares slow's socket before it connects: a small maximum
// segment, which the server's kernel sizes its send buffer for slow from,
// and a small receive buffer. Few lines then fit between the server's
// writer for slow and slow, so that writer blocks long before any queue
// fills, and slow is dropped while its writer is stuck: only a server that
// closes the socket itself gets it unstuck, which slowClosed sees.
func slowControl(network, address string, c syscall.RawConn) error {
	var err error
	cerr := c.Control(func(fd uintptr) {
		err = errors.Join(
			unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_MAXSEG, slowMSS),
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, slowRecvBuf))
	})
	return errors.Join(cerr, err)
}

// slowMSS is the segment size slow announces: the smallest that IPv4
// promises to carry.
const slowMSS = 536

// slowRecvBuf is the receive buffer slow asks its kernel for (Linux
// doubles it); drainSlow makes it large again before slow reads.
const slowRecvBuf = 4 << 10
