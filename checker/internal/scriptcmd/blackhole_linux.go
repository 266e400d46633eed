package scriptcmd

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// slowListener returns a listener whose accept queue is full, and the
// connection that fills it: until that connection is accepted, the kernel
// drops every SYN, so a connect made meanwhile gets through only when the
// client's kernel sends its SYN again (1s after the first on Linux).
func slowListener() (net.Listener, net.Conn, error) {
	fd, _, filler, err := fullQueue()
	if err != nil {
		return nil, nil, err
	}
	f := os.NewFile(uintptr(fd), "slowconnect")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		filler.Close()
		return nil, nil, fmt.Errorf("slowconnect listener: %w", err)
	}
	return ln, filler, nil
}

// fullQueue listens on a loopback port with a backlog of 0 and fills the
// accept queue with a connection of its own. It returns the listening
// socket, its address and that connection.
func fullQueue() (int, string, net.Conn, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, "", nil, fmt.Errorf("blackhole socket: %w", err)
	}
	closeFD := func() { unix.Close(fd) }
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		closeFD()
		return -1, "", nil, fmt.Errorf("blackhole bind: %w", err)
	}
	// A backlog of 0 queues one connection; the one below fills it.
	if err := unix.Listen(fd, 0); err != nil {
		closeFD()
		return -1, "", nil, fmt.Errorf("blackhole listen: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		closeFD()
		return -1, "", nil, fmt.Errorf("blackhole getsockname: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
	filler, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		closeFD()
		return -1, "", nil, fmt.Errorf("blackhole fill: %w", err)
	}
	return fd, addr, filler, nil
}

// waitSynSent waits for a socket of this network namespace in SYN_SENT
// towards port on 127.0.0.1, a client's connect under way, that has resent
// its SYN at least resends times, and returns when its first SYN left; ok
// is false when stop is closed or limit has passed first. The kernel's
// table gives the time left on the SYN's retransmit timer, which started
// with the first SYN (synRetransmit before it expires), so a poll that
// comes late, on a busy machine, still dates that SYN right (once the SYN
// was resent, the time of the poll stands for it).
func waitSynSent(port int, stop <-chan struct{}, limit time.Duration, resends uint64) (first time.Time, ok bool) {
	want := fmt.Sprintf("0100007F:%04X", port)
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		// A read that fails (a checker short of descriptors for a moment,
		// say) is tried again at the next poll.
		data, _ := os.ReadFile("/proc/thread-self/net/tcp")
		now := time.Now()
		for _, line := range strings.Split(string(data), "\n") {
			// sl local_address rem_address st tx:rx tr:tm->when retrnsmt ...
			f := strings.Fields(line)
			if len(f) <= 6 || f[2] != want || f[3] != tcpStates["SYN_SENT"] {
				continue
			}
			if n, err := strconv.ParseUint(f[6], 16, 32); err == nil && n >= resends {
				return firstSynAt(now, f[5], f[6]), true
			}
		}
		select {
		case <-stop:
			return time.Time{}, false
		case <-time.After(2 * time.Millisecond): // polling the kernel's table
		}
	}
	return time.Time{}, false
}

// synRetransmit is how long after a first SYN the kernel resends it
// (TCP_TIMEOUT_INIT).
const synRetransmit = time.Second

// firstSynAt dates the first SYN of a SYN_SENT socket seen at now, from
// its /proc/net/tcp fields "tr:tm->when" (timer 1 is the retransmit timer,
// the time left in clock ticks of 10ms) and retrnsmt (none yet). Where
// they do not say, now.
func firstSynAt(now time.Time, timer, retrans string) time.Time {
	kind, left, ok := strings.Cut(timer, ":")
	ticks, err := strconv.ParseUint(left, 16, 32)
	n, rerr := strconv.ParseUint(retrans, 16, 32)
	if !ok || kind != "01" || err != nil || rerr != nil || n != 0 {
		return now
	}
	remaining := time.Duration(ticks) * 10 * time.Millisecond
	if remaining > synRetransmit {
		return now
	}
	return now.Add(remaining - synRetransmit)
}
