// Command traceroute is lesson 16: it finds the routers on the way to a
// host. It sends UDP probes with TTL 1, 2, 3... to unlikely ports of the
// destination; the router where a probe's TTL runs out answers with ICMP
// time exceeded, and the destination itself with ICMP port unreachable.
// Read README.md first; it states exactly what the checker expects.
//
// A raw socket needs CAP_NET_RAW. Try it on the real network (build first:
// sudo may not find your go), or through the chain of routers that
// README.md builds under "Try it by hand":
//
//	go build -o /tmp/tr ./solutions/16-traceroute && sudo /tmp/tr -q 1 example.com
//
// Check it:   go run ./checker --dir solutions lesson16
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// basePort is the destination port of the first probe; each probe after it
// uses the next port, so the port quoted back names the probe. Nothing
// listens that high, which is why the destination answers "port
// unreachable" (the classic traceroute's choice, since 1987).
const basePort = 33434

// protocolICMP is the IP protocol number of ICMP, which icmp.ParseMessage
// needs to know that it reads ICMP for IPv4 and not ICMPv6.
const protocolICMP = 1

func main() {
	maxHops := flag.Int("m", 30, "the largest TTL to try")
	probes := flag.Int("q", 3, "probes per TTL")
	wait := flag.Duration("w", time.Second, "how long to wait for the answer to each probe")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: traceroute [-m MAXTTL] [-q PROBES] [-w WAIT] HOST")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *maxHops, *probes, *wait); err != nil {
		// One line on stderr, and exit status 1.
		fmt.Fprintf(os.Stderr, "traceroute: %v\n", err)
		os.Exit(1)
	}
}

// answer is what came back for one probe.
type answer struct {
	from  net.IP
	rtt   time.Duration
	final bool   // destination unreachable: the trace is over
	note  string // why, when it is not the destination's port unreachable
}

func run(host string, maxHops, probes int, wait time.Duration) error {
	if maxHops < 1 || maxHops > 255 || probes < 1 || wait <= 0 {
		return fmt.Errorf("-m must be 1 to 255, -q at least 1 and -w positive (got %d, %d, %s)", maxHops, probes, wait)
	}
	dst, err := net.ResolveIPAddr("ip4", host)
	if err != nil {
		return err
	}

	// The raw ICMP socket sees a copy of every ICMP message that reaches
	// this host, whoever it is for: opening one needs CAP_NET_RAW. Open it
	// before the first probe leaves, or its answer could come too early.
	icmpConn, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return fmt.Errorf("open a raw ICMP socket (run as root, or in a namespace of your own: see the README): %w", err)
	}
	defer icmpConn.Close()

	// The probes leave from one ordinary UDP socket. It is not connected:
	// each probe goes to another port. Its local port, chosen by the
	// kernel, is in every header that a router quotes back, which tells
	// our probes from those of anyone else tracing at the same time.
	udp, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return err
	}
	defer udp.Close()
	localPort := udp.LocalAddr().(*net.UDPAddr).Port
	ttlConn := ipv4.NewPacketConn(udp)

	seq := 0
	for ttl := 1; ttl <= maxHops; ttl++ {
		// The TTL is a socket option, so it must be set again before the
		// probes of each new TTL: it stays what it was last set to.
		if err := ttlConn.SetTTL(ttl); err != nil {
			return fmt.Errorf("set TTL %d: %w", ttl, err)
		}
		results := make([]*answer, probes)
		var final *answer
		for i := range results {
			port := basePort + seq
			seq++
			sent := time.Now()
			if _, err := udp.WriteToUDP([]byte("socketlings traceroute"), &net.UDPAddr{IP: dst.IP, Port: port}); err != nil {
				return fmt.Errorf("send probe to %s port %d: %w", dst.IP, port, err)
			}
			// One probe at a time, each waiting its full -w at most: the
			// lines come out in TTL order by construction.
			a, err := await(icmpConn, dst.IP, localPort, port, sent, sent.Add(wait))
			if err != nil {
				return err
			}
			results[i] = a
			if a != nil && a.final {
				final = a
			}
		}
		printHop(ttl, results)
		if final != nil && final.note != "" {
			return fmt.Errorf("%s not reached: %s answered destination unreachable%s", dst.IP, final.from, final.note)
		}
		if final != nil {
			return nil // the destination answered: this was the last line
		}
	}
	return fmt.Errorf("%s not reached in %d hops", dst.IP, maxHops)
}

// printHop prints the line for one TTL, like traceroute -n: the TTL, then
// for each probe its round-trip time, or * when nothing answered in time;
// an answer's address before its time, unless the answer before came from
// the same address.
func printHop(ttl int, results []*answer) {
	line := fmt.Sprintf("%2d ", ttl)
	var last net.IP
	for _, a := range results {
		if a == nil {
			line += " *"
			continue
		}
		if !a.from.Equal(last) {
			line += " " + a.from.String()
			last = a.from
		}
		line += fmt.Sprintf("  %.3f ms%s", float64(a.rtt.Microseconds())/1000, a.note)
	}
	fmt.Println(line)
}

// await reads ICMP messages until one answers the probe sent to port at
// sent, or the deadline passes (then it returns nil). Messages about other
// probes, other programs' traffic, pings... are skipped without moving the
// deadline.
func await(c *icmp.PacketConn, dst net.IP, localPort, port int, sent, deadline time.Time) (*answer, error) {
	if err := c.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read ICMP: %w", err)
		}
		rtt := time.Since(sent)
		msg, err := icmp.ParseMessage(protocolICMP, buf[:n])
		if err != nil {
			continue // not even ICMP we can read: not ours
		}
		// Both errors carry the start of the datagram that caused them:
		// its IP header and at least 8 bytes after it, our UDP header.
		var quoted []byte
		switch body := msg.Body.(type) {
		case *icmp.TimeExceeded:
			quoted = body.Data
		case *icmp.DstUnreach:
			quoted = body.Data
		default:
			continue // echo requests and replies, and the like
		}
		if !isOurProbe(quoted, dst, localPort, port) {
			continue
		}
		a := &answer{from: from.(*net.IPAddr).IP, rtt: rtt}
		if msg.Type == ipv4.ICMPTypeDestinationUnreachable {
			// Port unreachable means the probe got there: the end. Any
			// other code ends the trace too, noted as traceroute(8) does:
			// some router could not take it further.
			a.final = true
			if msg.Code != 3 {
				a.note = " " + unreachNotes[msg.Code]
				if unreachNotes[msg.Code] == "" {
					a.note = fmt.Sprintf(" !<%d>", msg.Code)
				}
			}
		}
		return a, nil
	}
}

// unreachNotes are traceroute(8)'s marks for the other destination
// unreachable codes (RFC 792, RFC 1812): network, host, protocol,
// administratively prohibited.
var unreachNotes = map[int]string{0: "!N", 1: "!H", 2: "!P", 13: "!X"}

// isOurProbe reads the quoted IP and UDP headers: our probe is UDP, to the
// destination, from our port, to this probe's port.
func isOurProbe(quoted []byte, dst net.IP, localPort, port int) bool {
	h, err := icmp.ParseIPv4Header(quoted)
	if err != nil || h.Protocol != 17 || !h.Dst.Equal(dst) || len(quoted) < h.Len+4 {
		return false
	}
	udp := quoted[h.Len:]
	return int(binary.BigEndian.Uint16(udp[0:2])) == localPort && int(binary.BigEndian.Uint16(udp[2:4])) == port
}
