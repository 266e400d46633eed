// Command packet-sniffer is lesson 18's reference solution: it opens an
// AF_PACKET socket on one interface, receives every frame that arrives
// there, and prints one line per frame, decoding Ethernet, IPv4, IPv6, TCP,
// UDP, ICMP and ICMPv6 by hand.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	etherHeaderLen = 14 // destination MAC, source MAC, EtherType
	ipv4MinLen     = 20 // an IPv4 header without options (IHL 5)
	ipv6HeaderLen  = 40 // the fixed IPv6 header
	tcpMinLen      = 20 // a TCP header without options (data offset 5)
	udpHeaderLen   = 8
	icmpHeaderLen  = 8 // type, code, checksum, and 4 bytes that echo uses for id and seq

	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd

	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

func main() {
	iface := flag.String("i", "lo", "interface to capture on")
	flag.Parse()
	log.SetFlags(0)

	// Catch SIGINT and SIGTERM before saying we are ready: the checker may
	// stop us at any moment after that, and SIGTERM's default action is to
	// kill the process. The capture loop blocks in recvfrom, which Go
	// restarts after a signal, so the loop would never notice one: exit
	// from here. Each line is written with one unbuffered write, so
	// nothing already printed is lost.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		os.Exit(0)
	}()

	fd, err := openSniffer(*iface)
	if err != nil {
		log.Fatalf("sniffer: %v", err)
	}
	// Only now, bound to the interface, is every frame that arrives there
	// queued for us: the checker generates traffic after this line.
	fmt.Printf("sniffing on %s\n", *iface)

	// Loopback's MTU is 65536, and the kernel may hand us a TCP segment
	// that is bigger still before it is cut up (GSO): a large buffer
	// keeps every header whole.
	buf := make([]byte, 1<<17)
	for {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			log.Fatalf("sniffer: recvfrom: %v", err)
		}
		// On loopback every frame passes the capture point twice: once
		// leaving (PACKET_OUTGOING) and once arriving (PACKET_HOST).
		// sockaddr_ll tells them apart; we keep the arrivals only.
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		fmt.Println(decodeFrame(buf[:n]))
	}
}

// htons returns v as the kernel must find it in memory to read it in network
// byte order (big-endian), the order AF_PACKET wants its protocol number in:
// the two bytes swapped on a little-endian machine (amd64, arm64), v itself
// on a big-endian one.
func htons(v uint16) uint16 {
	return binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, v))
}

// openSniffer returns a packet socket that receives every frame, of every
// EtherType, that passes interface name.
func openSniffer(name string) (int, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return -1, fmt.Errorf("interface %s: %w", name, err)
	}
	// SOCK_RAW keeps the link-layer header in what we read (SOCK_DGRAM
	// would strip it). The protocol is compared with the frame's
	// EtherType as it sits on the wire, so it must be big-endian: without
	// htons, ETH_P_ALL (3) would mean EtherType 0x0300 and match nothing.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return -1, fmt.Errorf("packet socket (this needs CAP_NET_RAW): %w", err)
	}
	// Unbound, the socket sees every interface. Binding names one, by its
	// index, not its name.
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind to %s (index %d): %w", name, ifi.Index, err)
	}
	return fd, nil
}

// decodeFrame returns the line for one Ethernet frame.
func decodeFrame(f []byte) string {
	if len(f) < etherHeaderLen {
		return "ETHER malformed"
	}
	// Bytes 0-5 and 6-11 are the destination and source MACs (all zero on
	// loopback); 12-13 the EtherType, big-endian like every multi-byte
	// field on the wire.
	etherType := binary.BigEndian.Uint16(f[12:14])
	payload := f[etherHeaderLen:]
	switch etherType {
	case etherTypeIPv4:
		return decodeIPv4(payload)
	case etherTypeIPv6:
		return decodeIPv6(payload)
	}
	return fmt.Sprintf("ETHER type=0x%04x len=%d", etherType, len(payload))
}

// ipPacket is what the transport decoder needs from either IP version.
type ipPacket struct {
	version  string // "IPv4" or "IPv6"
	src, dst netip.Addr
	hops     string // "ttl=N" or "hlim=N"
	proto    byte
	payload  []byte // from the end of the IP header to the end of the packet
	// first is false for an IPv4 fragment other than the first: its
	// payload starts in the middle of the transport data, with no header.
	first bool
}

func decodeIPv4(p []byte) string {
	if len(p) < ipv4MinLen || p[0]>>4 != 4 {
		return "IPv4 malformed"
	}
	// IHL counts 32-bit words: 5 for a bare header, up to 15 when options
	// follow the fixed 20 bytes. The transport header starts after them,
	// so a fixed offset of 20 misreads every packet that has options.
	headerLen := int(p[0]&0x0f) * 4
	// Total length covers header and data; an Ethernet frame may carry
	// padding after it, which belongs to no one.
	total := int(binary.BigEndian.Uint16(p[2:4]))
	if headerLen < ipv4MinLen || total < headerLen || total > len(p) {
		return "IPv4 malformed"
	}
	fragOffset := binary.BigEndian.Uint16(p[6:8]) & 0x1fff
	return ipPacket{
		version: "IPv4",
		src:     netip.AddrFrom4([4]byte(p[12:16])),
		dst:     netip.AddrFrom4([4]byte(p[16:20])),
		hops:    fmt.Sprintf("ttl=%d", p[8]),
		proto:   p[9],
		payload: p[headerLen:total],
		first:   fragOffset == 0,
	}.String()
}

func decodeIPv6(p []byte) string {
	if len(p) < ipv6HeaderLen || p[0]>>4 != 6 {
		return "IPv6 malformed"
	}
	// The IPv6 header has no length field of its own: it is always 40
	// bytes, and Payload Length counts what follows it.
	payloadLen := int(binary.BigEndian.Uint16(p[4:6]))
	if ipv6HeaderLen+payloadLen > len(p) {
		return "IPv6 malformed"
	}
	// Next Header names what follows: a transport protocol, or an
	// extension header, which we do not walk (see the README).
	return ipPacket{
		version: "IPv6",
		src:     netip.AddrFrom16([16]byte(p[8:24])),
		dst:     netip.AddrFrom16([16]byte(p[24:40])),
		hops:    fmt.Sprintf("hlim=%d", p[7]),
		proto:   p[6],
		payload: p[ipv6HeaderLen : ipv6HeaderLen+payloadLen],
		first:   true,
	}.String()
}

// String returns the line for the packet: addresses (with ports for TCP and
// UDP), the hop count, and the transport part.
func (ip ipPacket) String() string {
	plain := fmt.Sprintf("%s %s > %s %s", ip.version, ip.src, ip.dst, ip.hops)
	withPorts := func(p []byte) string {
		// Ports are the first two 16-bit fields of both TCP and UDP.
		// AddrPort's String writes [addr]:port for IPv6.
		src := netip.AddrPortFrom(ip.src, binary.BigEndian.Uint16(p[0:2]))
		dst := netip.AddrPortFrom(ip.dst, binary.BigEndian.Uint16(p[2:4]))
		return fmt.Sprintf("%s %s > %s %s", ip.version, src, dst, ip.hops)
	}
	p := ip.payload
	if !ip.first {
		return fmt.Sprintf("%s proto=%d len=%d", plain, ip.proto, len(p))
	}
	switch {
	case ip.proto == protoTCP:
		if len(p) < tcpMinLen {
			return plain + " TCP malformed"
		}
		// Data offset, like IHL, counts 32-bit words; Linux's segments
		// carry options (timestamps, and more in a SYN), so the header is
		// rarely 20 bytes.
		dataOffset := int(p[12]>>4) * 4
		if dataOffset < tcpMinLen || dataOffset > len(p) {
			return plain + " TCP malformed"
		}
		return fmt.Sprintf("%s TCP flags=%s len=%d", withPorts(p), tcpFlags(p[13]), len(p)-dataOffset)
	case ip.proto == protoUDP:
		if len(p) < udpHeaderLen {
			return plain + " UDP malformed"
		}
		// UDP's length field counts its own 8-byte header.
		length := int(binary.BigEndian.Uint16(p[4:6]))
		if length < udpHeaderLen {
			return plain + " UDP malformed"
		}
		return fmt.Sprintf("%s UDP len=%d", withPorts(p), length-udpHeaderLen)
	case ip.proto == protoICMP && ip.version == "IPv4":
		return plain + " ICMP " + icmpDetail(p, 8, 0)
	case ip.proto == protoICMPv6 && ip.version == "IPv6":
		return plain + " ICMPv6 " + icmpDetail(p, 128, 129)
	}
	return fmt.Sprintf("%s proto=%d len=%d", plain, ip.proto, len(p))
}

// icmpDetail describes an ICMP or ICMPv6 message: echo messages by name
// with their identifier and sequence number, any other by type and code.
// ICMP and ICMPv6 share this layout; only the echo type numbers differ.
func icmpDetail(p []byte, echoRequest, echoReply byte) string {
	if len(p) < icmpHeaderLen {
		return "malformed"
	}
	typ, code := p[0], p[1]
	id, seq := binary.BigEndian.Uint16(p[4:6]), binary.BigEndian.Uint16(p[6:8])
	switch {
	case typ == echoRequest && code == 0:
		return fmt.Sprintf("echo-request id=%d seq=%d", id, seq)
	case typ == echoReply && code == 0:
		return fmt.Sprintf("echo-reply id=%d seq=%d", id, seq)
	}
	return fmt.Sprintf("type=%d code=%d", typ, code)
}

// tcpFlags names the flags set in TCP's flags byte the way tcpdump does:
// F S R P, then "." for ACK, then U E W; "none" when none is set.
func tcpFlags(b byte) string {
	var s strings.Builder
	for _, f := range []struct {
		bit  byte
		name string
	}{{0x01, "F"}, {0x02, "S"}, {0x04, "R"}, {0x08, "P"}, {0x10, "."}, {0x20, "U"}, {0x40, "E"}, {0x80, "W"}} {
		if b&f.bit != 0 {
			s.WriteString(f.name)
		}
	}
	if s.Len() == 0 {
		return "none"
	}
	return s.String()
}
