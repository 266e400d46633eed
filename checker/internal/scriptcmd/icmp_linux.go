package scriptcmd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

func cmdICMPTarget(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "icmptarget")
	usage(ts, len(args) >= 1, icmpTargetUsage)
	st := state(ts)
	addr, err := netip.ParseAddr(args[0])
	usage(ts, err == nil && addr.Is4() && !addr.IsLoopback() && !addr.IsUnspecified(), icmpTargetUsage+" (ADDR: IPv4, not loopback)")
	opts, err := parseICMPTargetOptions(args[1:])
	if err != nil {
		ts.Fatalf("icmptarget: %v; usage: %s", err, icmpTargetUsage)
	}
	if err := icmpPrivateNamespace(); err != nil {
		ts.Fatalf("icmptarget: %v", err)
	}
	t := &icmpTarget{addr: addr, opts: opts}
	if err := t.start(); err != nil {
		ts.Fatalf("icmptarget %s: %v", addr, err)
	}
	w := st.icmpWorld()
	w.Lock()
	w.targets = append(w.targets, t)
	w.Unlock()
	ts.Defer(t.close)
}

// icmpPrivateNamespace makes sure the checker is in a network namespace of
// its own, where lo is the only interface: icmptarget adds routes, and must
// never touch a real machine's.
func icmpPrivateNamespace() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	if len(names) != 1 || names[0] != "lo" {
		return fmt.Errorf("it changes routes, so it runs only in the checker's own network namespace, "+
			"where lo is the only interface (here: %s)", strings.Join(names, ", "))
	}
	return nil
}

// start makes the target's address reachable and answers for it. A route
// sends the address to lo with 127.0.0.1 as the source: a request to it
// then comes back in on lo like any local packet, and every raw ICMP
// socket (ours, the program's) receives it. The kernel itself does not
// answer, since it cannot send from an address that is not its own; we
// can, with a raw socket that writes whole IPv4 packets.
func (t *icmpTarget) start() error {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return err
	}
	c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return fmt.Errorf("raw ICMP socket: %w", err)
	}
	conn := c.(*net.IPConn)
	// The kernel stamps each request as it arrives: a gap between two
	// requests (icmpgaps) is then the program's doing, never a late read
	// of ours on a loaded machine.
	if rc, err := conn.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1) })
	}
	out, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		conn.Close()
		return fmt.Errorf("raw IP socket: %w", err)
	}
	if err := icmpRoute(unix.RTM_NEWROUTE, t.addr, lo.Index); err != nil {
		conn.Close()
		unix.Close(out)
		if errors.Is(err, unix.EEXIST) {
			return errors.New("the address is already a target: give each icmptarget (and each check) an address of its own")
		}
		return fmt.Errorf("route to lo: %w", err)
	}

	var wg sync.WaitGroup
	var timers []*time.Timer
	var held [][]byte // with previous: the replies to the last request
	// Everything comes from the target, except optErr's errors, which a
	// router on the way sends.
	src := t.addr
	if t.opts.optErr {
		src = icmpRouterAddr
	}
	// send writes one reply, unless the target was closed meanwhile.
	send := func(msg []byte, to netip.Addr) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.closed {
			return
		}
		unix.Sendto(out, icmpIPv4Packet(src, to, msg), 0, &unix.SockaddrInet4{Addr: to.As4()})
	}
	wg.Go(func() {
		buf, oob := make([]byte, 65536), make([]byte, 128)
		for {
			// ReadMsgIP, unlike ReadFrom, leaves the IPv4 header in:
			// it holds the destination, which says which target.
			n, oobn, _, _, err := conn.ReadMsgIP(buf, oob)
			if err != nil {
				return
			}
			at := icmpArrival(oob[:oobn])
			from, to, msg, ok := icmpSplitIPv4(buf[:n])
			if !ok || to != t.addr {
				continue
			}
			req, ok := parseEchoRequest(msg, at)
			if !ok {
				continue
			}
			t.mu.Lock()
			t.requests = append(t.requests, req)
			t.mu.Unlock()
			msgs, delays := t.opts.echoReplies(req, from, to)
			if t.opts.previous {
				// This request's replies wait for the next request; the
				// last request's leave now, at once.
				msgs, held = held, msgs
				delays = make([]time.Duration, len(msgs))
			}
			for i, m := range msgs {
				if delays[i] == 0 {
					send(m, from)
					continue
				}
				t.mu.Lock()
				timers = append(timers, time.AfterFunc(delays[i], func() { send(m, from) }))
				t.mu.Unlock()
			}
		}
	})
	t.close = func() {
		conn.Close()
		wg.Wait()
		t.mu.Lock()
		t.closed = true
		for _, tm := range timers {
			tm.Stop()
		}
		unix.Close(out)
		t.mu.Unlock()
		icmpRoute(unix.RTM_DELROUTE, t.addr, lo.Index)
	}
	return nil
}

// icmpArrival returns the kernel's receive timestamp in oob
// (SO_TIMESTAMPNS), or now if there is none.
func icmpArrival(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Now()
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts := *(*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
			return time.Unix(ts.Unix())
		}
	}
	return time.Now()
}

// icmpSplitIPv4 returns an IPv4 packet's source, destination and ICMP
// message.
func icmpSplitIPv4(p []byte) (from, to netip.Addr, msg []byte, ok bool) {
	if len(p) < 20 || p[0]>>4 != 4 || p[9] != unix.IPPROTO_ICMP {
		return from, to, nil, false
	}
	ihl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:]))
	if ihl < 20 || total < ihl || total > len(p) {
		return from, to, nil, false
	}
	from = netip.AddrFrom4([4]byte(p[12:16]))
	to = netip.AddrFrom4([4]byte(p[16:20]))
	return from, to, p[ihl:total], true
}

// icmpIPv4Packet wraps msg in an IPv4 header from src to dst, TTL 64. The
// kernel fills in the header's checksum and identification.
func icmpIPv4Packet(src, dst netip.Addr, msg []byte) []byte {
	p := make([]byte, 20+len(msg))
	p[0] = 0x45 // version 4, 5 words of header
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8] = 64
	p[9] = unix.IPPROTO_ICMP
	s, d := src.As4(), dst.As4()
	copy(p[12:16], s[:])
	copy(p[16:20], d[:])
	copy(p[20:], msg)
	return p
}

// icmpRoute adds (RTM_NEWROUTE) or deletes (RTM_DELROUTE) the host route
// "ADDR/32 dev lo src 127.0.0.1" over rtnetlink, which is what
// `ip route add ADDR/32 dev lo src 127.0.0.1` sends.
func icmpRoute(op uint16, addr netip.Addr, loIndex int) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return os.NewSyscallError("netlink socket", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(2 * time.Second))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return os.NewSyscallError("netlink bind", err)
	}

	attr := func(b []byte, typ uint16, data []byte) []byte {
		l := unix.SizeofRtAttr + len(data)
		b = binary.NativeEndian.AppendUint16(b, uint16(l))
		b = binary.NativeEndian.AppendUint16(b, typ)
		b = append(b, data...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	dst, src := addr.As4(), [4]byte{127, 0, 0, 1}
	body := []byte{unix.AF_INET, 32, 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_LINK, unix.RTN_UNICAST, 0, 0, 0, 0}
	body = attr(body, unix.RTA_DST, dst[:])
	body = attr(body, unix.RTA_OIF, binary.NativeEndian.AppendUint32(nil, uint32(loIndex)))
	body = attr(body, unix.RTA_PREFSRC, src[:])
	flags := uint16(unix.NLM_F_REQUEST | unix.NLM_F_ACK)
	if op == unix.RTM_NEWROUTE {
		flags |= unix.NLM_F_CREATE | unix.NLM_F_EXCL
	}
	msg := binary.NativeEndian.AppendUint32(nil, uint32(unix.SizeofNlMsghdr+len(body)))
	msg = binary.NativeEndian.AppendUint16(msg, op)
	msg = binary.NativeEndian.AppendUint16(msg, flags)
	msg = binary.NativeEndian.AppendUint32(msg, 1) // sequence number
	msg = binary.NativeEndian.AppendUint32(msg, 0) // port: the kernel
	msg = append(msg, body...)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return os.NewSyscallError("netlink send", err)
	}

	// The answer is an NLMSG_ERROR message; error 0 is the ACK.
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return os.NewSyscallError("netlink receive", err)
	}
	if n < unix.SizeofNlMsghdr+4 || binary.NativeEndian.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		return errors.New("netlink: unexpected answer")
	}
	if e := int32(binary.NativeEndian.Uint32(buf[unix.SizeofNlMsghdr:])); e != 0 {
		return unix.Errno(-e)
	}
	return nil
}
