package scriptcmd

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/proc"
)

// sniffPrefix starts the readiness line of a program that captures packets
// (lesson 18): it serves no address, so it names its interface instead.
const sniffPrefix = "sniffing on "

// sniffOutputLimit is how much a sniffer may print: a line per packet adds
// up, and every line must stay visible to sniffed.
const sniffOutputLimit = 4 << 20

func cmdSniff(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sniff")
	st := state(ts)
	signalsFirst, args := leadingFlag(args, "-signals-first")
	iface := st.startBackground(ts, args, background{
		role: "sniffer", prefix: sniffPrefix, line: sniffPrefix + "IFACE", limit: sniffOutputLimit,
		whenExited:   "a line `sniffing on IFACE` on stdout once the packet socket is bound to the interface, then to keep capturing until SIGTERM",
		whenTimeout:  "a line `sniffing on IFACE` on stdout (with a newline) as soon as the packet socket is bound",
		signalsFirst: signalsFirst,
	})
	if iface == "" {
		st.fail(ts, Failure{What: "the readiness line names no interface", Sent: "started: " + commandLine(args),
			Want: "`sniffing on IFACE`, IFACE being the interface given with -i"})
	}
	ts.Setenv("IFACE", iface)
}

func cmdSniffed(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sniffed")
	const use = "sniffed [-count=N] [-re] LINE..."
	count := -1 // at least once
	if len(args) > 0 {
		if v, ok := strings.CutPrefix(args[0], "-count="); ok {
			n, err := strconv.Atoi(v)
			usage(ts, err == nil && n >= 0, use)
			count, args = n, args[1:]
		}
	}
	var re *regexp.Regexp
	if len(args) > 0 && args[0] == "-re" {
		args = args[1:]
		var err error
		re, err = regexp.Compile(`^(?:` + strings.Join(args, " ") + `)$`)
		usage(ts, err == nil, use+" (with -re, LINE a regular expression)")
	}
	usage(ts, len(args) > 0, use)
	want := strings.Join(args, " ")
	st := state(ts)
	st.mu.Lock()
	p := st.server
	st.mu.Unlock()
	if p == nil {
		ts.Fatalf("sniffed: no sniffer was started (sniff first)")
	}

	// A line shows up a moment after its packet went by: wait for it. An
	// exact count is judged once that many copies are in, which is why a
	// script first waits for a later packet's line (a barrier), so every
	// copy of the earlier one has been printed by then.
	need := max(count, 1)
	deadline := st.deadline(idleTimeout)
	var lines []string
	n := 0
	for {
		lines = sniffLines(p)
		n = sniffCount(lines, want, re)
		if count == 0 || n >= need || p.Exited() || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling the program's output, not synchronising with it
	}

	wantDesc := fmt.Sprintf("the line %q, exactly as the README's line format says", want)
	if re != nil {
		wantDesc = fmt.Sprintf("a line that matches %q, as the README's line format says", want)
	}
	switch {
	case count < 0 && n > 0, count >= 0 && n == count:
		return
	case n == 0:
		st.fail(ts, Failure{What: fmt.Sprintf("the sniffer did not print the line %q within %s", want, idleTimeout),
			Got: sniffClosest(lines, want), Want: wantDesc})
	case count == 0:
		st.fail(ts, Failure{What: fmt.Sprintf("the sniffer printed the line %q (%s), which it must not", want, sniffTimes(n)),
			Want: "no such line: that packet is not one the sniffer should print"})
	case n > count:
		st.fail(ts, Failure{What: fmt.Sprintf("the sniffer printed the line %q %d times, not %d", want, n, count),
			Got: sniffClosest(lines, want), Want: fmt.Sprintf("%s, %s: one line per packet", wantDesc, sniffTimes(count))})
	default:
		st.fail(ts, Failure{What: fmt.Sprintf("the sniffer printed the line %q only %d times within %s, not %d", want, n, idleTimeout, count),
			Got: sniffClosest(lines, want), Want: fmt.Sprintf("%s, %s: one line per packet", wantDesc, sniffTimes(count))})
	}
}

// sniffLineFormat is lesson 18's line grammar: the readiness line, or a
// line about one frame.
var sniffLineFormat = func() *regexp.Regexp {
	const (
		addr      = `(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*)`
		addrPort  = `(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9a-f:.]+\]):[0-9]+`
		transport = `(?:TCP flags=(?:[FSRP.UEW]+|none) len=[0-9]+|UDP len=[0-9]+|` +
			`ICMP(?:v6)? (?:echo-request id=[0-9]+ seq=[0-9]+|echo-reply id=[0-9]+ seq=[0-9]+|type=[0-9]+ code=[0-9]+)|proto=[0-9]+ len=[0-9]+)`
	)
	return regexp.MustCompile(`^(?:ETHER type=0x[0-9a-f]{4} len=[0-9]+|(?:ETHER|IPv4|IPv6)(?: .*)? malformed|` +
		`IPv[46] (?:` + addrPort + ` > ` + addrPort + `|` + addr + ` > ` + addr + `) (?:ttl|hlim)=[0-9]+ ` + transport + `)$`)
}()

// sniffBadLine returns why the sniffer's output is not its readiness line
// then packet lines, naming the first line that is neither, or "".
func sniffBadLine(lines []string) string {
	for i, l := range lines {
		switch {
		case i == 0 && strings.HasPrefix(l, sniffPrefix):
		case strings.HasPrefix(l, sniffPrefix):
			return fmt.Sprintf("line %d is a second readiness line: %q", i+1, l)
		case i == 0:
			return fmt.Sprintf("the first line is %q, not the readiness line", l)
		case !sniffLineFormat.MatchString(l):
			return fmt.Sprintf("line %d, %q, is neither the readiness line nor a packet line in the README's format", i+1, l)
		}
	}
	return ""
}

func cmdSniffLines(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "snifflines")
	usage(ts, len(args) == 0, "snifflines")
	st := state(ts)
	st.mu.Lock()
	p := st.server
	st.mu.Unlock()
	if p == nil {
		ts.Fatalf("snifflines: no sniffer was started (sniff first)")
	}
	lines := sniffLines(p)
	if what := sniffBadLine(lines); what != "" {
		st.fail(ts, Failure{What: what, Got: "its stdout:\n" + indent(tail(strings.Join(lines, "\n"), 20)),
			Want: "stdout: the line `sniffing on IFACE`, then one line per packet in the README's format, and nothing else: logs go to stderr"})
	}
}

func sniffTimes(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// sniffLines returns the complete lines a program has printed on stdout.
func sniffLines(p *proc.Process) []string {
	out := string(p.Stdout.Bytes())
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		out = out[:i]
	} else {
		return nil
	}
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// sniffCount counts the lines equal to want, or with re, those that
// match re.
func sniffCount(lines []string, want string, re *regexp.Regexp) int {
	n := 0
	for _, l := range lines {
		if l == want || re != nil && re.MatchString(l) {
			n++
		}
	}
	return n
}

// sniffClosest describes what a sniffer printed by the few lines most like
// the one wanted: its other lines are about other traffic.
func sniffClosest(lines []string, want string) string {
	var packets []string
	for _, l := range lines {
		if !strings.HasPrefix(l, sniffPrefix) {
			packets = append(packets, l)
		}
	}
	if len(packets) == 0 {
		return "no line about any packet at all: does the socket receive frames? (its protocol, ETH_P_ALL, in network byte order; bound to the interface named by -i)"
	}
	// The last lines are the ones about this check's traffic; an edit
	// distance over a bounded window keeps this cheap.
	window := packets[max(0, len(packets)-400):]
	type scored struct {
		line string
		dist int
		pos  int
	}
	var all []scored
	for i, l := range window {
		all = append(all, scored{l, sniffDistance(l, want), i})
	}
	slices.SortStableFunc(all, func(a, b scored) int { return a.dist - b.dist })
	all = all[:min(5, len(all))]
	slices.SortFunc(all, func(a, b scored) int { return a.pos - b.pos })
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines about packets; the nearest to the one expected:\n", len(packets))
	for _, s := range all {
		l := s.line
		if len(l) > 160 {
			l = l[:160] + "…"
		}
		fmt.Fprintf(&b, "  %s\n", l)
	}
	return b.String()
}

// sniffDistance is the Levenshtein distance between a and b, by bytes, with
// both cut to 200 bytes.
func sniffDistance(a, b string) int {
	a, b = a[:min(len(a), 200)], b[:min(len(b), 200)]
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func cmdUDPEcho(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpecho")
	usage(ts, len(args) == 1, "udpecho ADDR")
	addr, err := netip.ParseAddrPort(args[0])
	if err != nil {
		ts.Fatalf("udpecho: %q is not an IP:port: %v", args[0], err)
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	ts.Check(err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, maxDatagram+1)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			c.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	ts.Defer(func() {
		c.Close()
		<-done
	})
	ts.Setenv("UDPECHO", c.LocalAddr().String())
}

// etherIP describes the IP packet that etherip puts in a frame, and the
// ways it may lie about itself.
type etherIP struct {
	from, to  netip.AddrPort // both IPv4 or both IPv6
	proto     int            // IPv4's protocol or IPv6's next header
	size, pad int            // the bytes of data, and of padding after the packet
	total     int            // IPv4's total length (IPv6's payload length) field, if not 0 (else the true one)
	ihl       int            // IPv4's IHL field, if not 0 (else 5); the header stays 20 bytes
	tcpOffset int            // TCP's data offset in words, if not 0 (else 5)
	icmp      bool           // the data starts with ICMP type and code:
	icmpTC    [2]byte        // these two
}

// frame returns the frame's EtherType (0x0800 or 0x86dd) and what follows
// the Ethernet header: the IP packet, then the padding.
func (e etherIP) frame() (etherType uint16, payload []byte) {
	// What follows the IP header: for TCP a 20-byte header (ACK and PSH,
	// no options) and SIZE bytes of data; for any other protocol, SIZE
	// bytes.
	var body []byte
	if e.proto == 6 {
		body = make([]byte, 20)
		binary.BigEndian.PutUint16(body[0:], e.from.Port())
		binary.BigEndian.PutUint16(body[2:], e.to.Port())
		binary.BigEndian.PutUint32(body[4:], 1)
		binary.BigEndian.PutUint32(body[8:], 1)
		off := 5
		if e.tcpOffset != 0 {
			off = e.tcpOffset
		}
		body[12] = byte(off) << 4
		body[13] = 0x18 // PSH, ACK
		binary.BigEndian.PutUint16(body[14:], 1024)
	}
	body = append(body, pattern(e.size, uint64(e.size)^0xe7)...)
	if e.icmp && len(body) >= 2 {
		body[0], body[1] = e.icmpTC[0], e.icmpTC[1]
	}

	var ip []byte
	if e.from.Addr().Is4() {
		etherType = 0x0800
		ip = make([]byte, 20, 20+len(body)+e.pad)
		ip[0] = 0x45
		if e.ihl != 0 {
			ip[0] = 0x40 | byte(e.ihl)
		}
		total := 20 + len(body)
		if e.total != 0 {
			total = e.total
		}
		binary.BigEndian.PutUint16(ip[2:], uint16(total))
		binary.BigEndian.PutUint16(ip[6:], 0x4000)
		ip[8], ip[9] = 64, byte(e.proto)
		src, dst := e.from.Addr().As4(), e.to.Addr().As4()
		copy(ip[12:], src[:])
		copy(ip[16:], dst[:])
		binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
	} else {
		etherType = 0x86dd
		ip = make([]byte, 40, 40+len(body)+e.pad)
		ip[0] = 0x60
		payloadLen := len(body)
		if e.total != 0 {
			payloadLen = e.total
		}
		binary.BigEndian.PutUint16(ip[4:], uint16(payloadLen))
		ip[6], ip[7] = byte(e.proto), 64
		src, dst := e.from.Addr().As16(), e.to.Addr().As16()
		copy(ip[8:], src[:])
		copy(ip[24:], dst[:])
	}
	ip = append(ip, body...)
	// Bytes after the IP packet, as Ethernet pads a short frame: they
	// belong to no header.
	return etherType, append(ip, make([]byte, e.pad)...)
}
