// Command ip-crafting is lesson 17's reference solution: it builds an IPv4
// header and a UDP header by hand, byte by byte, and sends the packet through
// a raw socket that takes it whole (IP_HDRINCL). Then it prints the packet in
// hex, so that what it built can be compared with what went out.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// Sizes of the two headers, as this program writes them: an IPv4 header
// without options, and UDP's fixed header.
const (
	ipv4HeaderLen = 20
	udpHeaderLen  = 8
	// The total length field has 16 bits, so a packet is at most 65535
	// bytes, headers included.
	maxPayload = 0xffff - ipv4HeaderLen - udpHeaderLen // 65507
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
	// Each value must fit its field: a byte(256) or uint16(70000) would
	// silently wrap to something else.
	if sport < 1 || sport > 0xffff {
		return fmt.Errorf("-sport %d is not a port (1-65535)", sport)
	}
	if dst.Port() == 0 {
		return fmt.Errorf("-dst %s: port 0 is not a port to send to", dstFlag)
	}
	if ttl < 1 || ttl > 0xff {
		return fmt.Errorf("-ttl %d does not fit the 8-bit TTL field (1-255)", ttl)
	}
	if len(payload) > maxPayload {
		return fmt.Errorf("the payload has %d bytes: at most %d fit in one IPv4 packet", len(payload), maxPayload)
	}

	pkt := buildPacket(src.As4(), dst.Addr().As4(), uint16(sport), dst.Port(), uint8(ttl), payload)
	if err := send(pkt, dst.Addr().As4()); err != nil {
		return err
	}
	// The packet as it left this program: Linux rewrites some IPv4 fields
	// on the way out, so this is the only place to see ours.
	fmt.Printf("%x\n", pkt)
	return nil
}

// buildPacket returns an IPv4 packet carrying one UDP datagram. Every
// multi-byte field goes in big-endian, the network byte order, whatever the
// machine's own order is.
func buildPacket(src, dst [4]byte, sport, dport uint16, ttl uint8, payload []byte) []byte {
	udpLen := udpHeaderLen + len(payload)
	total := ipv4HeaderLen + udpLen
	pkt := make([]byte, total)

	// The IPv4 header (RFC 791, section 3.1).
	ip := pkt[:ipv4HeaderLen]
	ip[0] = 4<<4 | ipv4HeaderLen/4 // version 4; IHL counts 32-bit words
	ip[1] = 0                      // type of service (DSCP and ECN): ordinary
	binary.BigEndian.PutUint16(ip[2:4], uint16(total))
	binary.BigEndian.PutUint16(ip[4:6], 0) // identification: 0 lets Linux pick one
	// Flags and fragment offset: Don't Fragment, offset 0. The datagram is
	// whole, and the ID only matters to reassemble fragments (RFC 6864).
	binary.BigEndian.PutUint16(ip[6:8], 0x4000)
	ip[8] = ttl
	ip[9] = protoUDP
	copy(ip[12:16], src[:])
	copy(ip[16:20], dst[:])
	// The checksum covers the header only, and is computed last, over a
	// header whose checksum field is still 0.
	binary.BigEndian.PutUint16(ip[10:12], checksum(0, ip))

	// The UDP header (RFC 768), then the payload.
	udp := pkt[ipv4HeaderLen:]
	binary.BigEndian.PutUint16(udp[0:2], sport)
	binary.BigEndian.PutUint16(udp[2:4], dport)
	binary.BigEndian.PutUint16(udp[4:6], uint16(udpLen)) // header and payload
	copy(udp[udpHeaderLen:], payload)
	// UDP's checksum also covers a pseudo-header taken from the IP layer,
	// so a datagram delivered to the wrong address or protocol is caught.
	sum := checksum(pseudoHeaderSum(src, dst, udpLen), udp)
	if sum == 0 {
		// 0 in this field means "no checksum" (RFC 768): a computed 0 is
		// sent as 0xffff, its other form in one's-complement arithmetic.
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:8], sum)
	return pkt
}

// pseudoHeaderSum returns the one's-complement sum (not yet folded) of
// UDP's pseudo-header: source, destination, a zero byte, the protocol and
// the UDP length. It is summed, never sent.
func pseudoHeaderSum(src, dst [4]byte, udpLen int) uint32 {
	var ph [12]byte
	copy(ph[0:4], src[:])
	copy(ph[4:8], dst[:])
	ph[8] = 0
	ph[9] = protoUDP
	binary.BigEndian.PutUint16(ph[10:12], uint16(udpLen))
	return sum16(0, ph[:])
}

// checksum returns the Internet checksum (RFC 1071) of b, starting from an
// earlier sum: the one's complement of the one's-complement sum of its
// 16-bit words.
func checksum(initial uint32, b []byte) uint16 {
	s := sum16(initial, b)
	// Fold the carries out of the top 16 bits back into the bottom: that
	// is what makes the addition one's-complement. Folding can carry
	// again, hence the loop.
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// sum16 adds b to s as big-endian 16-bit words. An odd last byte is the
// high byte of a word whose low byte is 0: the padding is only summed, never
// sent. A uint32 holds the sum of any IPv4 packet without overflowing.
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// send hands the whole packet to the kernel through a raw socket.
func send(pkt []byte, dst [4]byte) error {
	// IPPROTO_RAW means "I bring my own IP header": it turns IP_HDRINCL
	// on, and such a socket can only send. Raw sockets need CAP_NET_RAW.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("raw socket: %w (it needs CAP_NET_RAW: run as root, or in `unshare -rn`)", err)
	}
	if err != nil {
		return fmt.Errorf("raw socket: %w", err)
	}
	defer unix.Close(fd)
	// The address only chooses the route; the port means nothing to a raw
	// socket, so it stays 0. A datagram goes out whole or not at all.
	if err := unix.Sendto(fd, pkt, 0, &unix.SockaddrInet4{Addr: dst}); err != nil {
		return fmt.Errorf("sendto %s: %w", netip.AddrFrom4(dst), err)
	}
	return nil
}
