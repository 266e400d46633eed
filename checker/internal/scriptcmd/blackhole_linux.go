package scriptcmd

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// blackhole returns the address of a listening socket whose accept queue is
// full and never drained: the kernel drops further SYNs, so a connect there
// hangs until the client's own timeout. It returns a function that closes
// everything.
func blackhole() (string, func(), error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", nil, fmt.Errorf("blackhole socket: %w", err)
	}
	closeFD := func() { unix.Close(fd) }
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		closeFD()
		return "", nil, fmt.Errorf("blackhole bind: %w", err)
	}
	// A backlog of 0 queues one connection; the one below fills it.
	if err := unix.Listen(fd, 0); err != nil {
		closeFD()
		return "", nil, fmt.Errorf("blackhole listen: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		closeFD()
		return "", nil, fmt.Errorf("blackhole getsockname: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
	filler, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		closeFD()
		return "", nil, fmt.Errorf("blackhole fill: %w", err)
	}
	return addr, func() { filler.Close(); closeFD() }, nil
}
