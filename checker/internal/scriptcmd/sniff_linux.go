package scriptcmd

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// These commands make traffic for lesson 18's sniffer: options on the
// checker's UDP sockets, ICMP echoes, hand-made Ethernet frames, and a
// second interface. They need what a raw socket needs (CAP_NET_RAW, and
// CAP_NET_ADMIN for veth), which the checker has inside the lesson's own
// network namespace.

func cmdUDPSockopt(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpsockopt")
	const use = "udpsockopt NAME ttl=N|ipoptions=HEX..."
	usage(ts, len(args) >= 2, use)
	st := state(ts)
	p := st.udpPeer(ts, args[0])
	is6 := p.target.Addr().Is6() && !p.target.Addr().Is4In6()
	rc, err := p.conn.SyscallConn()
	ts.Check(err)
	for _, opt := range args[1:] {
		name, value, ok := strings.Cut(opt, "=")
		usage(ts, ok, use)
		var serr error
		switch name {
		case "ttl":
			n, err := strconv.Atoi(value)
			usage(ts, err == nil && n >= 1 && n <= 255, use+" (ttl from 1 to 255)")
			ts.Check(rc.Control(func(fd uintptr) {
				if is6 {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, n)
				} else {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, n)
				}
			}))
		case "ipoptions":
			// The kernel copies these bytes after the fixed 20 bytes of
			// every IPv4 header this socket sends, padded to a multiple of
			// 4, and raises IHL to match.
			b, err := hex.DecodeString(value)
			usage(ts, err == nil && len(b) <= 40 && !is6, use+" (at most 40 bytes of IPv4 options, in hex, on an IPv4 socket)")
			ts.Check(rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptString(int(fd), unix.IPPROTO_IP, unix.IP_OPTIONS, string(b))
			}))
		default:
			usage(ts, false, use)
		}
		if serr != nil {
			ts.Fatalf("udpsockopt %s: %v", opt, serr)
		}
	}
}

func cmdICMPEcho(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "icmpecho")
	usage(ts, len(args) == 3, "icmpecho ADDR ID SEQ")
	st := state(ts)
	dst, err := netip.ParseAddr(args[0])
	usage(ts, err == nil, "icmpecho ADDR ID SEQ (ADDR an IP address)")
	id, err1 := strconv.ParseUint(args[1], 10, 16)
	seq, err2 := strconv.ParseUint(args[2], 10, 16)
	usage(ts, err1 == nil && err2 == nil, "icmpecho ADDR ID SEQ (ID and SEQ from 0 to 65535)")

	network, listen, proto := "ip4:icmp", "0.0.0.0", 1
	var request, reply icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	if dst.Is6() {
		network, listen, proto = "ip6:ipv6-icmp", "::", 58
		request, reply = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply
	}
	c, err := icmp.ListenPacket(network, listen)
	if err != nil {
		ts.Fatalf("icmpecho: a raw ICMP socket needs CAP_NET_RAW: %v", err)
	}
	defer c.Close()
	// ICMPv6's checksum covers a pseudo-header; the kernel fills it in on
	// a raw ICMPv6 socket, so Marshal may leave it zero.
	body := &icmp.Echo{ID: int(id), Seq: int(seq), Data: []byte("socketlings")}
	msg, err := (&icmp.Message{Type: request, Body: body}).Marshal(nil)
	ts.Check(err)
	c.SetDeadline(st.deadline(idleTimeout))
	if _, err := c.WriteTo(msg, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		ts.Fatalf("icmpecho: send to %s: %v", dst, err)
	}
	// The raw socket sees every ICMP message, our own request included:
	// wait for the matching reply.
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			ts.Fatalf("icmpecho: no echo reply from %s (id %d, seq %d) within %s", dst, id, seq, idleTimeout)
		}
		ts.Check(err)
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != reply {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && e.ID == int(id) && e.Seq == int(seq) && from.String() == dst.String() {
			return
		}
	}
}

func cmdEtherSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "ethersend")
	const use = "ethersend IFACE TYPE SIZE"
	usage(ts, len(args) == 3, use)
	st := state(ts)
	ifi, err := net.InterfaceByName(args[0])
	ts.Check(err)
	etherType, err := strconv.ParseUint(args[1], 0, 16)
	usage(ts, err == nil && etherType >= 0x0600, use+" (TYPE an EtherType such as 0x88b5)")
	size, err := strconv.Atoi(args[2])
	usage(ts, err == nil && size >= 0 && size <= 1500, use+" (SIZE from 0 to 1500)")

	proto := sniffHtons(uint16(etherType))
	// A second packet socket, for this EtherType on every interface,
	// sees the frame arrive: the sniffer has had its chance by then.
	watch, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		ts.Fatalf("ethersend: a packet socket needs CAP_NET_RAW: %v", err)
	}
	defer unix.Close(watch)
	send, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	ts.Check(err)
	defer unix.Close(send)

	broadcast := [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	frame := make([]byte, 0, 14+size)
	frame = append(frame, broadcast[:6]...)
	src := make([]byte, 6)
	copy(src, ifi.HardwareAddr) // none on loopback: all zeros
	frame = append(frame, src...)
	frame = binary.BigEndian.AppendUint16(frame, uint16(etherType))
	frame = append(frame, pattern(size, etherType)...)
	to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: proto, Halen: 6, Addr: broadcast}
	if err := unix.Sendto(send, frame, 0, to); err != nil {
		ts.Fatalf("ethersend: send on %s: %v", ifi.Name, err)
	}

	deadline := st.deadline(idleTimeout)
	buf := make([]byte, 2048)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			ts.Fatalf("ethersend: the frame sent on %s did not arrive anywhere within %s (is the interface up?)", ifi.Name, idleTimeout)
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		ts.Check(unix.SetsockoptTimeval(watch, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv))
		n, from, err := unix.Recvfrom(watch, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		ts.Check(err)
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype != unix.PACKET_OUTGOING && bytes.Equal(buf[:n], frame) {
			return
		}
	}
}

func sniffHtons(v uint16) uint16 { return v<<8 | v>>8 }

func cmdEtherIP(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "etherip")
	const use = "etherip [-total=N] [-ihl=N] [-tcpoff=N] [-icmp=TYPE/CODE] IFACE FROM TO PROTO SIZE PAD"
	var e etherIP
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, value, _ := strings.Cut(args[0], "=")
		var err error
		switch name {
		case "-total":
			e.total, err = strconv.Atoi(value)
			usage(ts, err == nil && e.total > 0 && e.total <= 0xffff, use+" (-total from 1 to 65535)")
		case "-ihl":
			e.ihl, err = strconv.Atoi(value)
			usage(ts, err == nil && e.ihl > 0 && e.ihl <= 5, use+" (-ihl from 1 to 5)")
		case "-tcpoff":
			e.tcpOffset, err = strconv.Atoi(value)
			usage(ts, err == nil && e.tcpOffset > 0 && e.tcpOffset <= 15, use+" (-tcpoff from 1 to 15)")
		case "-icmp":
			t, c, _ := strings.Cut(value, "/")
			typ, err1 := strconv.ParseUint(t, 10, 8)
			code, err2 := strconv.ParseUint(c, 10, 8)
			usage(ts, err1 == nil && err2 == nil, use+" (-icmp=TYPE/CODE, each from 0 to 255)")
			e.icmp, e.icmpTC = true, [2]byte{byte(typ), byte(code)}
		default:
			usage(ts, false, use)
		}
		args = args[1:]
	}
	usage(ts, len(args) == 6, use)
	ifi, err := net.InterfaceByName(args[0])
	ts.Check(err)
	var err1, err2, err3, err4, err5 error
	e.from, err1 = netip.ParseAddrPort(args[1])
	e.to, err2 = netip.ParseAddrPort(args[2])
	e.proto, err3 = strconv.Atoi(args[3])
	e.size, err4 = strconv.Atoi(args[4])
	e.pad, err5 = strconv.Atoi(args[5])
	usage(ts, errors.Join(err1, err2, err3, err4, err5) == nil && e.from.Addr().Is4() == e.to.Addr().Is4() &&
		!e.from.Addr().Is4In6() && !e.to.Addr().Is4In6(), use+" (FROM and TO both IPv4:PORT or both [IPv6]:PORT)")
	usage(ts, e.proto > 0 && e.proto < 255 && e.size >= 0 && e.size <= 1400 && e.pad >= 0 && e.pad <= 64, use+" (PROTO 1-254, SIZE at most 1400, PAD at most 64)")
	usage(ts, e.ihl == 0 || e.from.Addr().Is4(), use+" (-ihl with IPv4 only)")
	usage(ts, e.tcpOffset == 0 || e.proto == 6, use+" (-tcpoff with PROTO 6 only)")
	usage(ts, !e.icmp || e.size >= 2 && e.proto != 6, use+" (-icmp with SIZE 2 or more, PROTO not 6)")
	etherType, payload := e.frame()

	send, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		ts.Fatalf("etherip: a packet socket needs CAP_NET_RAW: %v", err)
	}
	defer unix.Close(send)
	broadcast := [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	frame := append([]byte(nil), broadcast[:6]...)
	srcMAC := make([]byte, 6)
	copy(srcMAC, ifi.HardwareAddr) // none on loopback: all zeros
	frame = append(frame, srcMAC...)
	frame = binary.BigEndian.AppendUint16(frame, etherType)
	frame = append(frame, payload...)
	to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: sniffHtons(etherType), Halen: 6, Addr: broadcast}
	if err := unix.Sendto(send, frame, 0, to); err != nil {
		ts.Fatalf("etherip: send on %s: %v", ifi.Name, err)
	}
}

func cmdUDPFrags(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpfrags")
	const use = "udpfrags FROM TO SIZE PIECE"
	usage(ts, len(args) == 4, use)
	from, err1 := netip.ParseAddrPort(args[0])
	to, err2 := netip.ParseAddrPort(args[1])
	size, err3 := strconv.Atoi(args[2])
	piece, err4 := strconv.Atoi(args[3])
	usage(ts, errors.Join(err1, err2, err3, err4) == nil && from.Addr().Is4() && to.Addr().Is4(), use+" (FROM and TO IPv4:PORT)")
	usage(ts, size >= 0 && size <= 8000 && piece >= 8 && piece%8 == 0 && piece < 8+size, use+" (SIZE at most 8000, PIECE a multiple of 8 below 8+SIZE)")
	src, dst := from.Addr().As4(), to.Addr().As4()

	// The whole datagram, then cut: only the first piece holds its header.
	udp := make([]byte, 8, 8+size)
	binary.BigEndian.PutUint16(udp[0:], from.Port())
	binary.BigEndian.PutUint16(udp[2:], to.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(8+size))
	udp = append(udp, pattern(size, uint64(size)^0xf4a6)...)
	sum := udpChecksum(src, dst, udp)
	if sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], sum)

	// IPPROTO_RAW: the header is ours (IP_HDRINCL), and Linux sends each
	// fragment as it is, filling in only the total length and checksum.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		ts.Fatalf("udpfrags: a raw socket needs CAP_NET_RAW: %v", err)
	}
	defer unix.Close(fd)
	id := uint16(0x5f00 | size&0xff)
	for off := 0; off < len(udp); off += piece {
		end := min(off+piece, len(udp))
		pkt := make([]byte, 20, 20+end-off)
		pkt[0] = 0x45
		binary.BigEndian.PutUint16(pkt[2:], uint16(20+end-off))
		binary.BigEndian.PutUint16(pkt[4:], id)
		frag := uint16(off / 8)
		if end < len(udp) {
			frag |= 0x2000 // more fragments
		}
		binary.BigEndian.PutUint16(pkt[6:], frag)
		pkt[8], pkt[9] = 64, 17
		copy(pkt[12:], src[:])
		copy(pkt[16:], dst[:])
		binary.BigEndian.PutUint16(pkt[10:], ipChecksum(pkt))
		pkt = append(pkt, udp[off:end]...)
		if err := unix.Sendto(fd, pkt, 0, &unix.SockaddrInet4{Addr: dst}); err != nil {
			ts.Fatalf("udpfrags: send the fragment at offset %d: %v", off, err)
		}
	}
}

func cmdIPProto(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "ipproto")
	const use = "ipproto ADDR PROTO SIZE"
	usage(ts, len(args) == 3, use)
	dst, err1 := netip.ParseAddr(args[0])
	proto, err2 := strconv.Atoi(args[1])
	size, err3 := strconv.Atoi(args[2])
	usage(ts, errors.Join(err1, err2, err3) == nil && proto > 0 && proto < 255 && size >= 0 && size <= 1400, use+" (PROTO from 1 to 254, SIZE at most 1400)")
	network, listen := fmt.Sprintf("ip4:%d", proto), "0.0.0.0"
	if dst.Is6() {
		network, listen = fmt.Sprintf("ip6:%d", proto), "::"
	}
	c, err := net.ListenPacket(network, listen)
	if err != nil {
		ts.Fatalf("ipproto: a raw IP socket needs CAP_NET_RAW: %v", err)
	}
	defer c.Close()
	if _, err := c.WriteTo(pattern(size, uint64(proto)), &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		ts.Fatalf("ipproto: send to %s: %v", dst, err)
	}
}

func cmdVeth(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "veth")
	usage(ts, len(args) == 2 && args[0] != args[1], "veth NAME PEER")
	for _, name := range args {
		usage(ts, len(name) > 0 && len(name) < unix.IFNAMSIZ, "veth NAME PEER (names of at most 15 bytes)")
	}
	if err := vethAdd(args[0], args[1]); err != nil {
		ts.Fatalf("veth: %v", err)
	}
	// Deleting one end deletes both.
	ts.Defer(func() { vethDel(args[0]) })
	for _, name := range args {
		if err := vethUp(name); err != nil {
			ts.Fatalf("veth: %v", err)
		}
	}
}

// vethAdd asks the kernel, over rtnetlink, for a pair of virtual Ethernet
// interfaces: a frame sent on one arrives on the other.
func vethAdd(name, peer string) error {
	peerInfo := append(make([]byte, unix.SizeofIfInfomsg), vethAttr(unix.IFLA_IFNAME, vethString(peer))...)
	const vethInfoPeer = 1 // VETH_INFO_PEER in linux/veth.h
	linkInfo := append(vethAttr(unix.IFLA_INFO_KIND, vethString("veth")),
		vethAttr(unix.IFLA_INFO_DATA, vethAttr(vethInfoPeer, peerInfo))...)
	body := append(make([]byte, unix.SizeofIfInfomsg), vethAttr(unix.IFLA_IFNAME, vethString(name))...)
	body = append(body, vethAttr(unix.IFLA_LINKINFO, linkInfo)...)
	if err := vethRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("create veth pair %s and %s: %w", name, peer, err)
	}
	return nil
}

func vethDel(name string) error {
	body := append(make([]byte, unix.SizeofIfInfomsg), vethAttr(unix.IFLA_IFNAME, vethString(name))...)
	return vethRequest(unix.RTM_DELLINK, 0, body)
}

// vethUp sets IFF_UP on an interface.
func vethUp(name string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("flags of %s: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	return nil
}

// vethAttr encodes one netlink attribute: length, type, value, padding to 4.
func vethAttr(typ uint16, value []byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, uint16(unix.SizeofRtAttr+len(value)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func vethString(s string) []byte { return append([]byte(s), 0) }

// vethRequest sends one request and waits (at most 3s) for its acknowledgement.
func vethRequest(typ uint16, flags uint16, body []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	tv := unix.NsecToTimeval(int64(idleTimeout))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	const seq = 1
	msg := binary.NativeEndian.AppendUint32(nil, uint32(unix.SizeofNlMsghdr+len(body)))
	msg = binary.NativeEndian.AppendUint16(msg, typ)
	msg = binary.NativeEndian.AppendUint16(msg, flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	msg = binary.NativeEndian.AppendUint32(msg, seq)
	msg = binary.NativeEndian.AppendUint32(msg, 0)
	msg = append(msg, body...)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Header.Seq != seq || m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			if code := int32(binary.NativeEndian.Uint32(m.Data[:4])); code != 0 {
				return unix.Errno(-code)
			}
			return nil
		}
	}
}
