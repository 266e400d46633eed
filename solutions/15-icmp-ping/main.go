// Command icmp-ping is lesson 15's reference solution: ping over a raw
// socket. It builds each ICMP echo request by hand, checksum included,
// matches replies to requests by type, identifier and sequence number,
// reports the ICMP errors that routers send about its own requests,
// waits a bounded time for each, and prints statistics in ping's style.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// ICMP message types (RFC 792 for IPv4, RFC 4443 for IPv6).
const (
	echoReply4       = 0
	destUnreachable4 = 3
	echoRequest4     = 8
	timeExceeded4    = 11
	echoRequest6     = 128
	echoReply6       = 129
)

// Exit statuses, as ping's: 1 when no reply came, 2 when the program could
// not do its work at all (Go's flag package uses 2 for a usage error too).
const (
	exitNoReply = 1
	exitError   = 2
)

func main() {
	count := flag.Int("c", 4, "number of echo requests to send")
	interval := flag.Duration("i", time.Second, "time between the start of one probe and the next")
	wait := flag.Duration("W", time.Second, "how long to wait for each reply")
	size := flag.Int("s", 56, "bytes of data after the 8-byte ICMP header")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: icmp-ping [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE] HOST")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *count < 1 || *interval < 0 || *wait <= 0 || *size < 0 || *size > 65000 {
		flag.Usage()
		os.Exit(exitError)
	}
	host := flag.Arg(0)
	dst, err := resolve(host)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ping: %v\n", err)
		os.Exit(exitError)
	}
	received, err := run(dst, *count, *interval, *wait, *size)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ping: %v\n", err)
		os.Exit(exitError)
	}
	// The run went as planned, but nobody answered: not the program's
	// failure, the network's, and ping says so with its own status.
	if received == 0 {
		fmt.Fprintf(os.Stderr, "ping: no reply from %s\n", dst)
		os.Exit(exitNoReply)
	}
}

// resolve turns HOST into one address: an IP address as it is, a name
// through the system's resolver.
func resolve(host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), nil
	}
	ip, err := net.ResolveIPAddr("ip", host)
	if err != nil {
		return netip.Addr{}, err
	}
	a, _ := netip.AddrFromSlice(ip.IP)
	return a.Unmap(), nil
}

// run sends count probes to dst, one at a time, prints a line for each and
// the statistics, and returns how many replies came.
func run(dst netip.Addr, count int, interval, wait time.Duration, size int) (int, error) {
	p := &pinger{dst: dst, v6: dst.Is6(),
		// The identifier tells our replies from those of every other ping
		// on the machine: a raw socket receives them all. The process ID
		// is what ping has always used; it is unique among running
		// programs, and it fits once cut to 16 bits.
		id:   uint16(os.Getpid()),
		data: make([]byte, size),
		buf:  make([]byte, 65536),
	}
	for i := range p.data {
		p.data[i] = byte(i)
	}
	// A raw socket: the kernel hands us every ICMP packet that arrives
	// and sends what we write after an IP header of its own. Opening
	// one needs CAP_NET_RAW (root, or a namespace of our own).
	network, wildcard := "ip4:icmp", "0.0.0.0"
	if p.v6 {
		network, wildcard = "ip6:ipv6-icmp", "::"
	}
	conn, err := net.ListenPacket(network, wildcard)
	if err != nil {
		return 0, fmt.Errorf("open a raw ICMP socket (it needs CAP_NET_RAW: run as root, or in a network namespace of your own): %w", err)
	}
	defer conn.Close()
	p.conn = conn
	// Every ICMP packet that reaches the host lands in this socket's
	// receive buffer, not only ours: on a busy host the default (some
	// 200 KiB, a few hundred packets) fills up while we are not reading,
	// and the kernel drops what does not fit, our reply maybe. Ask for
	// more; the kernel caps the request at net.core.rmem_max (and then
	// doubles it), so failing to get all of it is no error.
	if c, ok := conn.(*net.IPConn); ok {
		c.SetReadBuffer(1 << 20)
	}

	fmt.Printf("PING %s: %d data bytes\n", dst, size)
	var st stats
	for seq := 1; seq <= count; seq++ {
		start := time.Now()
		a, err := p.probe(uint16(seq), wait)
		st.sent++
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			fmt.Printf("Request timeout for icmp_seq %d\n", seq)
		case err != nil:
			return st.received(), err
		case a.problem != "":
			// A router (or the host) says why the request went no
			// further: from its own address, not the one we pinged.
			st.errors++
			fmt.Printf("From %s icmp_seq=%d %s\n", a.from, seq, a.problem)
		default:
			st.rtts = append(st.rtts, a.rtt)
			fmt.Printf("%d bytes from %s: icmp_seq=%d time=%.3f ms\n", a.size, dst, seq, millis(a.rtt))
		}
		// Probes start an interval apart, never closer: a reply that came
		// quickly does not make the next probe leave sooner.
		if seq < count {
			time.Sleep(time.Until(start.Add(interval)))
		}
	}
	st.print(dst)
	return st.received(), nil
}

// pinger sends echo requests to one address over one raw socket.
type pinger struct {
	conn net.PacketConn
	dst  netip.Addr
	v6   bool
	id   uint16
	data []byte
	buf  []byte
}

// answer is what came back for a probe: its echo reply, or an ICMP error
// about its request.
type answer struct {
	size    int           // the reply's ICMP length
	rtt     time.Duration // from the send to the reply's read
	from    netip.Addr    // who sent the error
	problem string        // the error, as ping words it; "" for a reply
}

// probe sends the echo request seq and waits at most wait for its reply or
// an ICMP error about it. It returns what came, or an error that wraps
// os.ErrDeadlineExceeded when nothing did in time.
func (p *pinger) probe(seq uint16, wait time.Duration) (answer, error) {
	msg := p.request(seq)
	to := &net.IPAddr{IP: p.dst.AsSlice()}
	sent := time.Now()
	if _, err := p.conn.WriteTo(msg, to); err != nil {
		return answer{}, fmt.Errorf("send to %s: %w", p.dst, err)
	}
	// One deadline for the whole probe, an instant and not a duration:
	// the packets that are not our reply must not stretch the wait.
	p.conn.SetReadDeadline(sent.Add(wait))
	for {
		n, from, err := p.conn.ReadFrom(p.buf)
		if err != nil {
			return answer{}, err
		}
		got := time.Now()
		if p.isReply(p.buf[:n], from, seq) {
			return answer{size: n, rtt: got.Sub(sent)}, nil
		}
		if problem := p.isError(p.buf[:n], seq); problem != "" {
			return answer{from: addrOf(from), problem: problem}, nil
		}
		// Someone else's ICMP: our own request looped back, another
		// ping's reply, an earlier probe's late reply, a duplicate, a
		// damaged packet, an error about someone else's packet. Keep
		// reading until the deadline.
	}
}

// request builds the echo request seq: the 8-byte header by hand, then the
// data.
//
//	 0       8       16              31
//	+-------+-------+---------------+
//	| type  | code  |   checksum    |
//	+-------+-------+---------------+
//	|  identifier   |   sequence    |
//	+---------------+---------------+
//	|  data ...
func (p *pinger) request(seq uint16) []byte {
	msg := make([]byte, 8+len(p.data))
	msg[0] = echoRequest4
	if p.v6 {
		msg[0] = echoRequest6
	}
	msg[1] = 0 // code
	// Every field of the header is big-endian, "network byte order".
	binary.BigEndian.PutUint16(msg[4:], p.id)
	binary.BigEndian.PutUint16(msg[6:], seq)
	copy(msg[8:], p.data)
	if !p.v6 {
		// The checksum covers the whole message, computed while its own
		// field is zero. For ICMPv6 the kernel computes it, because it
		// also covers a pseudo-header of IPv6 addresses that the
		// program does not choose; anything we wrote there is replaced.
		binary.BigEndian.PutUint16(msg[2:], checksum(msg))
	}
	return msg
}

// isReply reports whether msg, from from, is the reply to our echo request
// seq.
func (p *pinger) isReply(msg []byte, from net.Addr, seq uint16) bool {
	if len(msg) < 8 || msg[1] != 0 {
		return false
	}
	// Our own request comes back on loopback too (type 8 or 128), with
	// our identifier and sequence number: only the type tells it apart.
	want := byte(echoReply4)
	if p.v6 {
		want = echoReply6
	} else if checksum(msg) != 0 {
		// Summed with its checksum in place, an undamaged message gives
		// 0xffff, whose complement is 0. (The kernel checks ICMPv6
		// checksums for us, and drops bad ones before we see them.)
		return false
	}
	if msg[0] != want || binary.BigEndian.Uint16(msg[4:]) != p.id || binary.BigEndian.Uint16(msg[6:]) != seq {
		return false
	}
	// The reply comes from the address we pinged.
	a, ok := from.(*net.IPAddr)
	if !ok {
		return false
	}
	src, _ := netip.AddrFromSlice(a.IP)
	return src.Unmap() == p.dst
}

// addrOf returns the IP address in a, the source that ReadFrom gave.
func addrOf(a net.Addr) netip.Addr {
	ip, ok := a.(*net.IPAddr)
	if !ok {
		return netip.Addr{}
	}
	addr, _ := netip.AddrFromSlice(ip.IP)
	return addr.Unmap()
}

// isError returns, when msg is an ICMP error about our echo request seq,
// what ping prints for it; "" for anything else. Only IPv4 errors are
// read (ICMPv6 has its own types and codes, which this lesson leaves out).
//
// An error quotes the packet it is about: after its own 8-byte header
// (type, code, checksum, 4 unused bytes) comes that packet's IPv4 header,
// then at least its first 8 bytes of data, here our echo request's header:
//
//	| type 3/11 | code | checksum | unused (4)    |
//	| quoted IPv4 header (IHL × 4 bytes)          |
//	| 8 | 0 | checksum | identifier | sequence    |
func (p *pinger) isError(msg []byte, seq uint16) string {
	if p.v6 || len(msg) < 8+20+8 || checksum(msg) != 0 {
		return ""
	}
	if msg[0] != destUnreachable4 && msg[0] != timeExceeded4 {
		return ""
	}
	ip := msg[8:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl+8 || ip[9] != 1 {
		return "" // not an IPv4 packet carrying ICMP
	}
	if dst, _ := netip.AddrFromSlice(ip[16:20]); dst != p.dst {
		return ""
	}
	// The quoted request must be ours, and this probe's: errors about
	// other pings' requests, or about our earlier probes, reach this
	// socket too.
	req := ip[ihl:]
	if req[0] != echoRequest4 || binary.BigEndian.Uint16(req[4:]) != p.id || binary.BigEndian.Uint16(req[6:]) != seq {
		return ""
	}
	return errorText(msg[0], msg[1])
}

// errorText is ping's wording of an ICMP error's type and code.
func errorText(typ, code byte) string {
	if typ == timeExceeded4 {
		if code == 1 {
			return "Frag reassembly time exceeded"
		}
		return "Time to live exceeded"
	}
	switch code {
	case 0:
		return "Destination Net Unreachable"
	case 1:
		return "Destination Host Unreachable"
	case 2:
		return "Destination Protocol Unreachable"
	case 3:
		return "Destination Port Unreachable"
	case 13:
		return "Packet filtered"
	}
	return fmt.Sprintf("Destination Unreachable, code %d", code)
}

// checksum is the Internet checksum of RFC 1071: add the message up as
// 16-bit big-endian words in one's complement arithmetic, and complement
// the sum.
func checksum(b []byte) uint16 {
	var sum uint32
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	// An odd last byte is the high half of a word whose low half is 0.
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	// One's complement addition: a carry out of the top bit is added
	// back in at the bottom. Adding once can carry again, so loop.
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// stats is what a run counts for its summary.
type stats struct {
	sent   int
	errors int             // probes answered by an ICMP error
	rtts   []time.Duration // one per reply received
}

func (s *stats) received() int { return len(s.rtts) }

// print writes the statistics in ping's style.
func (s *stats) print(dst netip.Addr) {
	fmt.Printf("\n--- %s ping statistics ---\n", dst)
	// Multiply before dividing: (sent-received)/sent in integers is 0
	// for anything short of total loss.
	loss := (s.sent - s.received()) * 100 / s.sent
	// An error is no reply: it counts as lost, and gets its own count.
	errs := ""
	if s.errors > 0 {
		errs = fmt.Sprintf(", +%d errors", s.errors)
	}
	fmt.Printf("%d packets transmitted, %d received%s, %d%% packet loss\n", s.sent, s.received(), errs, loss)
	if s.received() == 0 {
		return
	}
	lo, hi, sum := s.rtts[0], s.rtts[0], time.Duration(0)
	for _, r := range s.rtts {
		lo, hi, sum = min(lo, r), max(hi, r), sum+r
	}
	// The average is over the replies: a lost probe has no time.
	avg := sum / time.Duration(len(s.rtts))
	fmt.Printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", millis(lo), millis(avg), millis(hi))
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
