// Command ip-crafting is lesson 17: it builds an IPv4 header and a UDP header
// by hand, byte by byte, sends the packet through a raw socket that takes it
// whole (IP_HDRINCL), and prints the packet in hex. Read README.md first; it
// states exactly what the checker expects.
//
// Raw sockets need CAP_NET_RAW. Try it in a network namespace of your own:
//
//	unshare -rn sh -c 'ip link set lo up; go run ./lessons/17-ip-crafting -dst 127.0.0.1:9999'
//
// Check it:   go run ./checker lesson17
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
)

// Sizes of the two headers, as this program writes them: an IPv4 header
// without options, and UDP's fixed header.
const (
	ipv4HeaderLen = 20
	udpHeaderLen  = 8
	maxPayload    = 0xffff - ipv4HeaderLen - udpHeaderLen // 65507
)

const protoUDP = 17 // IANA's number for UDP, in the IPv4 protocol field

func main() {
	src := flag.String("src", "127.0.0.1", "source IPv4 address, written into the IPv4 header")
	dst := flag.String("dst", "127.0.0.1:65432", "destination IPv4 address and UDP port")
	sport := flag.Int("sport", 4242, "UDP source port")
	ttl := flag.Int("ttl", 64, "time to live of the packet (1-255)")
	msg := flag.String("msg", "Hello, world", "the UDP payload")
	file := flag.String("file", "", "read the UDP payload from this file instead of -msg")
	flag.Parse()

	payload := []byte(*msg)
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ip-crafting: %v\n", err)
			os.Exit(1)
		}
		payload = b
	}
	if err := run(*src, *dst, *sport, *ttl, payload); err != nil {
		// One line on stderr, and exit status 1.
		fmt.Fprintf(os.Stderr, "ip-crafting: %v\n", err)
		os.Exit(1)
	}
}

// run checks the flags, builds the packet, sends it and prints it.
func run(srcFlag, dstFlag string, sport, ttl int, payload []byte) error {
	src, err := netip.ParseAddr(srcFlag)
	if err != nil || !src.Is4() {
		return fmt.Errorf("-src %q is not an IPv4 address", srcFlag)
	}
	dst, err := netip.ParseAddrPort(dstFlag)
	if err != nil || !dst.Addr().Is4() {
		return fmt.Errorf("-dst %q is not an IPv4 address and port", dstFlag)
	}
	// TODO: refuse what does not fit its field, with an error: -sport
	// outside 1-65535, a -dst port of 0, -ttl outside 1-255, and a payload
	// longer than maxPayload. A conversion such as uint8(256) does not
	// fail: it silently gives 0.

	pkt := buildPacket(src.As4(), dst.Addr().As4(), uint16(sport), dst.Port(), uint8(ttl), payload)
	if err := send(pkt, dst.Addr().As4()); err != nil {
		return err
	}
	// TODO: print the packet, as built, on stdout: one line of lowercase
	// hex (fmt's %x verb does it).
	return nil
}

// buildPacket returns an IPv4 packet carrying one UDP datagram. Every
// multi-byte field goes in big-endian, the network byte order.
func buildPacket(src, dst [4]byte, sport, dport uint16, ttl uint8, payload []byte) []byte {
	// TODO: make one slice for the whole packet: the IPv4 header, the UDP
	// header, the payload.

	// TODO: the IPv4 header, with encoding/binary's BigEndian for the
	// 16-bit fields: version 4 and IHL 5 in the first byte; TOS 0; the
	// total length; ID 0 (Linux picks one); flags DF, offset 0; the TTL;
	// the protocol, 17; the addresses. The header checksum comes last,
	// computed over the 20 bytes with the checksum field still 0.

	// TODO: the UDP header: source port, destination port, length (header
	// and payload), checksum; then the payload. The checksum covers the
	// pseudo-header, then the UDP header (checksum field 0) and the
	// payload. A computed 0 is sent as 0xffff.
	return nil
}

// pseudoHeaderSum returns the one's-complement sum (not yet folded) of
// UDP's pseudo-header: source, destination, a zero byte, the protocol and
// the UDP length. It is summed, never sent.
func pseudoHeaderSum(src, dst [4]byte, udpLen int) uint32 {
	// TODO: lay out the 12 bytes and add them up with sum16.
	return 0
}

// checksum returns the Internet checksum (RFC 1071) of b, starting from an
// earlier sum: the one's complement of the one's-complement sum of its
// 16-bit words.
func checksum(initial uint32, b []byte) uint16 {
	// TODO: add b to initial with sum16, fold the carries above 16 bits
	// back in until none are left, and return the complement (^).
	return 0
}

// sum16 adds b to s as big-endian 16-bit words.
func sum16(s uint32, b []byte) uint32 {
	// TODO: add each pair of bytes as one big-endian word; an odd last
	// byte is the HIGH byte of a word whose low byte is 0.
	return s
}

// send hands the whole packet to the kernel through a raw socket.
func send(pkt []byte, dst [4]byte) error {
	// TODO: with golang.org/x/sys/unix: a socket(AF_INET, SOCK_RAW,
	// IPPROTO_RAW), which turns IP_HDRINCL on; sendto the packet to dst
	// (port 0); close the socket. Wrap each error with what failed.
	return errors.New("lesson 17 is not done yet: send is not written")
}
