// Command packet-sniffer is lesson 18: a small tcpdump. It opens an
// AF_PACKET socket on one interface, receives every frame that arrives
// there, and prints one line per frame, decoding Ethernet, IPv4, IPv6, TCP,
// UDP, ICMP and ICMPv6 by hand. Read README.md first; it states the line
// format exactly.
//
// A packet socket needs CAP_NET_RAW. Run it in a network namespace of your
// own, where you have it:
//
//	unshare -rn sh -c 'ip link set lo up; go run ./lessons/18-packet-sniffer -i lo'
//
// Check it: go run ./checker lesson18
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Header sizes and the numbers that name protocols, from the RFCs.
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
	fmt.Printf("sniffing on %s\n", *iface)

	if err := capture(fd); err != nil {
		log.Fatalf("sniffer: %v", err)
	}
}

// htons returns v as the kernel must find it in memory to read it in network
// byte order (big-endian).
func htons(v uint16) uint16 {
	// TODO: write v's big-endian bytes (binary.BigEndian.AppendUint16)
	// and read them back in this machine's order (binary.NativeEndian):
	// on amd64 and arm64 that swaps the two bytes.
	return v
}

// openSniffer returns a packet socket that receives every frame, of every
// EtherType, that passes interface name.
func openSniffer(name string) (int, error) {
	// TODO: look the interface up by name (net.InterfaceByName); an
	// unknown name is an error.
	// TODO: open the socket: unix.Socket(unix.AF_PACKET, unix.SOCK_RAW,
	// protocol ETH_P_ALL in network byte order).
	// TODO: bind it to the interface's index with a
	// unix.SockaddrLinklayer (its Protocol in network byte order too).
	return -1, errors.New("lesson 18 is not done yet: open the packet socket in openSniffer")
}

// capture receives frames for ever and prints one line per frame that
// arrived (not one that left).
func capture(fd int) error {
	// TODO: loop: unix.Recvfrom(fd, buf, 0) into a buffer of 1<<17 bytes
	// (retry on EINTR, return other errors); the address it returns is a
	// *unix.SockaddrLinklayer: skip the frame when its Pkttype is
	// unix.PACKET_OUTGOING; print decodeFrame(buf[:n]) for the others.
	return errors.New("lesson 18 is not done yet: receive frames in capture")
}

// decodeFrame returns the line for one Ethernet frame.
func decodeFrame(f []byte) string {
	// TODO: a frame shorter than the Ethernet header is "ETHER malformed".
	// Read the EtherType (bytes 12 and 13, big-endian: encoding/binary)
	// and pass what follows the header to decodeIPv4 or decodeIPv6; any
	// other EtherType gives "ETHER type=0x%04x len=%d".
	return "ETHER malformed"
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
	// TODO: check the version (4) and the lengths: the header is IHL*4
	// bytes, at least 20; Total Length covers header and data, and may be
	// less than len(p). Fill an ipPacket (addresses with
	// netip.AddrFrom4, TTL, protocol, the payload after the header, first
	// when the fragment offset is 0) and return its String().
	return "IPv4 malformed"
}

func decodeIPv6(p []byte) string {
	// TODO: check the version (6) and that Payload Length fits; the header
	// is always 40 bytes. Fill an ipPacket (netip.AddrFrom16, hop limit,
	// Next Header as proto) and return its String().
	return "IPv6 malformed"
}

// String returns the line for the packet: addresses (with ports for TCP and
// UDP), the hop count, and the transport part.
func (ip ipPacket) String() string {
	// TODO: TCP and UDP: ports first (netip.AddrPortFrom writes
	// [addr]:port for IPv6), then flags and payload length (TCP) or
	// payload length (UDP). ICMP (IPv4) and ICMPv6 (IPv6): icmpDetail.
	// Anything else, and later fragments: "proto=P len=N".
	return fmt.Sprintf("%s %s > %s %s proto=%d len=%d", ip.version, ip.src, ip.dst, ip.hops, ip.proto, len(ip.payload))
}

// icmpDetail describes an ICMP or ICMPv6 message: echo messages by name
// with their identifier and sequence number, any other by type and code.
func icmpDetail(p []byte, echoRequest, echoReply byte) string {
	// TODO: "echo-request id=I seq=S", "echo-reply id=I seq=S" or
	// "type=T code=C"; "malformed" when shorter than 8 bytes.
	return "malformed"
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
