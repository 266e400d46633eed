package scriptcmd

import (
	"encoding/binary"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// stampOOB is room for the control message that carries a receive time.
const stampOOB = 64

// enableStamps asks the kernel to stamp each datagram c receives with the
// time it arrived (SO_TIMESTAMPNS), so that a busy checker, reading late,
// still knows when a datagram came. Best effort.
func enableStamps(c *net.UDPConn) {
	if raw, err := c.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		})
	}
}

// kernelStamp is the arrival time in a datagram's control messages.
func kernelStamp(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SCM_TIMESTAMPNS {
			continue
		}
		// A struct timespec: two longs, in the machine's own byte order.
		switch len(m.Data) {
		case 16:
			return time.Unix(int64(binary.NativeEndian.Uint64(m.Data)), int64(binary.NativeEndian.Uint64(m.Data[8:]))), true
		case 8:
			return time.Unix(int64(int32(binary.NativeEndian.Uint32(m.Data))), int64(int32(binary.NativeEndian.Uint32(m.Data[4:])))), true
		}
	}
	return time.Time{}, false
}

// waiting reports whether a datagram is queued at c (SIOCINQ: the size of
// the next one), without reading it: a drain that asks this does not stop
// early when a busy checker calls a read after its deadline has passed.
// ok is false where the kernel does not say.
func waiting(c *net.UDPConn) (queued, ok bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return false, false
	}
	n, ierr := 0, error(nil)
	if err := raw.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); err != nil || ierr != nil {
		return false, false
	}
	return n > 0, true
}
