// Command icmp-ping is lesson 15: ping over a raw socket. It sends ICMP echo
// requests that it builds by hand, checksum included, matches each reply to
// its request by type, identifier and sequence number, reports the ICMP
// errors that routers send about its requests, waits a bounded time for
// each, and prints statistics in ping's style. Read README.md first; it
// states exactly what the checker expects.
//
// A raw socket needs CAP_NET_RAW. Try it:
//
//	unshare -rn sh -c 'ip link set lo up; go run ./lessons/15-icmp-ping -c 3 127.0.0.1'
//
// Check it:   go run ./checker lesson15
package main

import (
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
		// One line on stderr, and exit status 2: the program could not
		// do its work.
		fmt.Fprintf(os.Stderr, "ping: %v\n", err)
		os.Exit(exitError)
	}
	if received == 0 {
		// It did its work, and nobody answered: status 1.
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
		// TODO: choose the identifier that tells your replies from
		// everyone else's: the process ID, cut to 16 bits, as ping does.
		id:   0,
		data: make([]byte, size),
		buf:  make([]byte, 65536),
	}
	for i := range p.data {
		p.data[i] = byte(i)
	}
	// TODO: open the raw socket: net.ListenPacket("ip4:icmp", "0.0.0.0")
	// for IPv4, ("ip6:ipv6-icmp", "::") for IPv6. On error return it
	// wrapped, saying that a raw socket needs CAP_NET_RAW. Close it when
	// done.
	var conn net.PacketConn
	p.conn = conn
	// TODO: ask for a 1 MiB receive buffer (SO_RCVBUF): every ICMP packet
	// that reaches the host queues in it, not only yours. conn is a
	// *net.IPConn, whose SetReadBuffer does it.

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
			st.errors++
			fmt.Printf("From %s icmp_seq=%d %s\n", a.from, seq, a.problem)
		default:
			st.rtts = append(st.rtts, a.rtt)
			fmt.Printf("%d bytes from %s: icmp_seq=%d time=%.3f ms\n", a.size, dst, seq, millis(a.rtt))
		}
		// Probes start an interval apart, never closer.
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
	// TODO: build the request (p.request), note the time, and send it
	// with WriteTo to &net.IPAddr{IP: p.dst.AsSlice()}.

	// TODO: set ONE read deadline, wait after the send, for the whole
	// probe; then read in a loop: the reply (p.isReply) returns its
	// length and the time since the send; an error about this probe
	// (p.isError) returns its text and the address it came from (from
	// ReadFrom: the router's, not p.dst); anything else is skipped; a
	// read's error (the deadline's included) is returned as it is.
	return answer{}, errors.New("lesson 15 is not done yet: probe is not written")
}

// request builds the echo request seq: the 8-byte header, then p.data.
func (p *pinger) request(seq uint16) []byte {
	// TODO: type (echoRequest4, or echoRequest6 for IPv6), code 0,
	// checksum, identifier p.id, sequence number seq, all big-endian
	// (encoding/binary). For IPv4, compute the checksum over the whole
	// message with its field at zero, then write it in; for IPv6 the
	// kernel does it.
	return nil
}

// isReply reports whether msg, from from, is the reply to our echo request
// seq.
func (p *pinger) isReply(msg []byte, from net.Addr, seq uint16) bool {
	// TODO: at least 8 bytes; type echoReply4 (echoReply6 for IPv6),
	// code 0; for IPv4 a checksum that adds up (checksum(msg) == 0);
	// our identifier, this probe's sequence number.
	return false
}

// isError returns, when msg is an ICMP error about our echo request seq,
// what ping prints for it; "" for anything else (and for IPv6).
func (p *pinger) isError(msg []byte, seq uint16) string {
	// TODO: IPv4 only; type destUnreachable4 or timeExceeded4, a
	// checksum that adds up. After the 8-byte header comes the quoted
	// IPv4 header (IHL*4 bytes: the low 4 bits of its first byte, times
	// 4), protocol 1 (ICMP) and destination p.dst, then the quoted echo
	// request's first 8 bytes: type echoRequest4, p.id, seq. Word it
	// with errorText.
	return ""
}

// errorText is ping's wording of an ICMP error's type and code.
func errorText(typ, code byte) string {
	// TODO: the words of "When a router answers instead".
	return fmt.Sprintf("type %d, code %d", typ, code)
}

// checksum is the Internet checksum of RFC 1071.
func checksum(b []byte) uint16 {
	// TODO: add b up as 16-bit big-endian words (an odd last byte is the
	// high half of a word), fold every carry back in, and return the
	// complement.
	return 0
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
	// TODO: print an empty line, "--- DST ping statistics ---",
	// "N packets transmitted, M received, L% packet loss" (L in whole
	// numbers; with errors, ", +E errors" after "M received"), and when
	// M > 0 "rtt min/avg/max = MIN/AVG/MAX ms" (%.3f).
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
