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
//	go build -o /tmp/tr ./lessons/16-traceroute && sudo /tmp/tr -q 1 example.com
//
// Check it:   go run ./checker lesson16
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/net/icmp"
)

// basePort is the destination port of the first probe; each probe after it
// uses the next port, so the port quoted back names the probe.
const basePort = 33434

// protocolICMP is the IP protocol number of ICMP, for icmp.ParseMessage.
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

	// TODO: open a raw ICMP socket, icmp.ListenPacket("ip4:icmp",
	// "0.0.0.0"), before the first probe leaves, and close it at the end.
	// Opening it needs CAP_NET_RAW: say so in the error.
	var icmpConn *icmp.PacketConn

	// TODO: open the UDP socket the probes leave from, net.ListenUDP("udp4",
	// nil); note its local port (every answer quotes it), and wrap it in
	// ipv4.NewPacketConn to set its TTL.
	var udp *net.UDPConn

	if icmpConn == nil || udp == nil {
		return errors.New("lesson 16 is not done yet: run opens no sockets")
	}
	_ = dst

	for ttl := 1; ttl <= maxHops; ttl++ {
		results := make([]*answer, probes)
		// TODO: set the TTL of the probe socket to ttl, then send the
		// probes one at a time, each to the next port from basePort on,
		// and await each one's answer into results (nil: none in time).

		printHop(ttl, results)
		// TODO: stop after this line if an answer was final: return nil
		// for the destination's port unreachable, an error for any other
		// code.
	}
	// TODO: past maxHops, return an error: the destination was not reached.
	return nil
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
// sent, or the deadline passes (then it returns nil).
func await(c *icmp.PacketConn, dst net.IP, localPort, port int, sent, deadline time.Time) (*answer, error) {
	// TODO: set the read deadline once, for the whole wait: a message that
	// is not the answer must not start the wait again.

	// TODO: read messages in a loop (a 1500-byte buffer):
	//   - os.ErrDeadlineExceeded: no answer, return nil, nil;
	//   - icmp.ParseMessage(protocolICMP, ...); keep only *icmp.TimeExceeded
	//     and *icmp.DstUnreach, whose Data is the start of the datagram
	//     that caused them;
	//   - skip it unless isOurProbe(Data, ...);
	//   - return the answer: who sent it, the time since sent, and for a
	//     destination unreachable final = true (a note unless code 3).
	return nil, errors.New("lesson 16 is not done yet: await is not written")
}

// isOurProbe reads the headers that an ICMP error quotes: our probe is UDP,
// to the destination, from our port, to this probe's port.
func isOurProbe(quoted []byte, dst net.IP, localPort, port int) bool {
	// TODO: icmp.ParseIPv4Header(quoted) gives the quoted IP header (its
	// Len, Protocol, Dst); the UDP header follows it: source port, then
	// destination port, 2 bytes each, big-endian (encoding/binary).
	return false
}
