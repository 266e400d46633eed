package scriptcmd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// startWire starts recording the IPv4 packets that arrive on the loopback
// interface, through an AF_PACKET socket, for the listener on port. Each
// packet on lo passes the capture twice, going out and coming in: only the
// copy coming in is kept. stop ends the capture.
func startWire(port uint16) (*udpWire, error) {
	proto := uint16(unix.ETH_P_IP<<8&0xff00 | unix.ETH_P_IP>>8) // in network byte order
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		return nil, fmt.Errorf("capture on lo: socket(AF_PACKET): %w", err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("capture on lo: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: lo.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("capture on lo: bind: %w", err)
	}
	// Room for a few of the largest datagrams, in case the reader lags:
	// SO_RCVBUFFORCE passes rmem_max where the worker may (real root).
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	}
	f := os.NewFile(uintptr(fd), "capture on lo")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("capture on lo: %w", err)
	}
	w := &udpWire{port: port}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1<<16+64)
		for {
			var n int
			var from unix.Sockaddr
			var rerr error
			err := rc.Read(func(fd uintptr) bool {
				n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
				return !errors.Is(rerr, unix.EAGAIN)
			})
			if err != nil {
				return // closed
			}
			if errors.Is(rerr, unix.EINTR) {
				continue
			}
			if rerr != nil {
				return
			}
			if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
				continue
			}
			w.add(time.Now(), buf[:n])
		}
	}()
	w.stop = func() {
		f.Close()
		<-done
	}
	return w, nil
}
