package scriptcmd

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// topologyOpts is what `topology HOPS [silent=K] [noise] [dup] [options]
// [otherhost] [slow=D] [drop=K] [relay] [errors]` asks for.
type topologyOpts struct {
	hops, silent int
	noise, dup   bool
	options      bool          // every quoted header gets an IPv4 option
	otherHost    bool          // a decoy answer about each probe, sent to another host
	slow         time.Duration // every answer held this long
	drop         int           // no answer to every drop-th probe
	relay        bool          // relayed, for probeports, with nothing else asked
	errs         bool          // routes that end in ICMP errors (lesson 15)
}

// relayed reports whether what router 1 sends the source goes through the
// checker's relay (startRelay).
func (o topologyOpts) relayed() bool {
	return o.dup || o.options || o.otherHost || o.slow > 0 || o.drop > 0 || o.relay
}

const topologyUsage = "topology HOPS [silent=K] [noise] [dup] [options] [otherhost] [slow=D] [drop=K] [relay] [errors]"

// topologyArgs reads `topology HOPS [silent=K] [noise] [dup] [options]
// [otherhost] [slow=D] [drop=K] [relay] [errors]`.
func topologyArgs(args []string) (o topologyOpts, ok bool) {
	if len(args) == 0 {
		return o, false
	}
	hops, err := strconv.Atoi(args[0])
	if err != nil || hops < 1 || hops > 20 {
		return o, false
	}
	o.hops = hops
	for _, a := range args[1:] {
		slow, isSlow := strings.CutPrefix(a, "slow=")
		drop, isDrop := strings.CutPrefix(a, "drop=")
		switch v, isSilent := strings.CutPrefix(a, "silent="); {
		case isDrop:
			o.drop, err = strconv.Atoi(drop)
			if err != nil || o.drop < 2 || o.drop > 100 {
				return topologyOpts{}, false
			}
		case a == "relay":
			o.relay = true
		case isSlow:
			o.slow, err = time.ParseDuration(slow)
			if err != nil || o.slow <= 0 || o.slow > time.Second {
				return topologyOpts{}, false
			}
		case isSilent:
			o.silent, err = strconv.Atoi(v)
			if err != nil || o.silent < 1 || o.silent > hops {
				return topologyOpts{}, false
			}
		case a == "noise":
			o.noise = true
		case a == "dup":
			o.dup = true
		case a == "options":
			o.options = true
		case a == "otherhost":
			o.otherHost = true
		case a == "errors" && hops >= 2:
			// The loop runs between routers 1 and 2.
			o.errs = true
		default:
			return topologyOpts{}, false
		}
	}
	return o, true
}

// traceLine is one line of a traceroute's output, read field by field:
// the TTL, then for each probe either `*` or a time `N ms`, each answer's
// address before its time when it differs from the one before.
type traceLine struct {
	ttl    string
	addrs  []string
	probes int    // times and stars
	times  int    // answered probes
	bad    string // a field that is none of these
}

func parseTraceLine(s string) traceLine {
	f := strings.Fields(s)
	var l traceLine
	if len(f) == 0 {
		return l
	}
	l.ttl = f[0]
	for i := 1; i < len(f); i++ {
		switch {
		case f[i] == "*":
			l.probes++
		case strings.HasPrefix(f[i], "!"):
			// traceroute's note after a time: !H, !N... (unreachable)
		case net.ParseIP(f[i]) != nil:
			l.addrs = append(l.addrs, f[i])
		case i+1 < len(f) && f[i+1] == "ms" && isTime(f[i]):
			l.probes++
			l.times++
			i++
		default:
			if l.bad == "" {
				l.bad = f[i]
			}
		}
	}
	return l
}

func isTime(s string) bool {
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && v >= 0
}

// cmdTraceroute runs the lesson's program like run, but leaves its exit
// status to hops, which judges the lines first: what the program printed
// tells more about a wrong traceroute than how it ended.
func cmdTraceroute(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "traceroute")
	st := state(ts)
	usage(ts, len(args) > 0, "traceroute [-within=DURATION] ARGS...")
	// The exit status is judged by hops, after the lines it explains.
	st.runToEnd(ts, args, "the program to finish on its own: each probe waits at most -w (one deadline per probe, that other traffic does not push back), "+
		"and the trace ends at the destination's answer or after TTL -m")
}

// cmdHops checks the traceroute output of the last `run`: one line per
// TTL, in order, line K naming the K-th wanted address, or only stars.
func cmdHops(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "hops")
	const hopsUsage = "hops [-q=N] [-answered] ADDR|*..."
	probes, answered := 0, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if v, ok := strings.CutPrefix(args[0], "-q="); ok {
			n, err := strconv.Atoi(v)
			usage(ts, err == nil && n > 0, hopsUsage)
			probes = n
		} else {
			usage(ts, args[0] == "-answered", hopsUsage)
			answered = true
		}
		args = args[1:]
	}
	usage(ts, len(args) > 0, hopsUsage)
	st := state(ts)
	st.mu.Lock()
	p := st.lastRun
	st.mu.Unlock()
	if p == nil {
		ts.Fatalf("hops: no program was run")
	}
	out := strings.TrimRight(string(p.Stdout.Bytes()), "\n")
	var lines []string
	if out != "" {
		lines = strings.Split(out, "\n")
	}

	// Who is who, for the messages: the script's $HOPk and $DEST.
	names := map[string]string{}
	for k := 1; ; k++ {
		a := ts.Getenv(fmt.Sprintf("HOP%d", k))
		if a == "" {
			break
		}
		names[a] = fmt.Sprintf("router %d", k)
	}
	dest := ts.Getenv("DEST")
	if dest != "" {
		names[dest] = "the destination"
	}
	if other := ts.Getenv("OTHERHOST"); other != "" {
		names[other] = "another host: its answer quotes a probe sent to it, not to the destination"
	}
	got := "nothing on stdout"
	if out != "" {
		got = "its stdout:\n" + indent(tail(out, 40))
	}
	var output string
	if e := strings.TrimSpace(string(p.Stderr.Bytes())); e != "" {
		output = "its stderr:\n" + indent(tail(e, 10))
	}
	what := checkHops(lines, args, probes, dest, names)
	if what == "" && answered {
		what = checkAnswered(lines, args)
	}
	if what != "" {
		st.fail(ts, Failure{What: what, Got: got, Want: wantHops(args, probes, dest), Output: output})
	}

	// Then how it ended: 0 when the destination answered, else 1 with a
	// word on stderr.
	if !p.Exited() {
		ts.Fatalf("hops: the program is still running")
	}
	exit, _ := p.Wait(time.Second) // at once: it has exited
	switch reached := args[len(args)-1] == dest; {
	case reached && exit.Code != 0:
		st.fail(ts, Failure{What: fmt.Sprintf("every line is right, but the program ended with %s", exit),
			Want: "exit status 0: the destination was reached", Output: programOutput(p)})
	case !reached && exit.Code != 1:
		st.fail(ts, Failure{What: fmt.Sprintf("every line is right, but the program ended with %s", exit),
			Want: "exit status 1 and one line on stderr: the destination was not reached within -m hops", Output: programOutput(p)})
	case !reached && output == "":
		st.fail(ts, Failure{What: "the program exited 1 but said nothing on stderr",
			Want: "one line on stderr saying that the destination was not reached", Output: programOutput(p)})
	}
}

// checkAnswered says which line that names an address has a star, or
// returns "": every probe that reached an answering router got its answer.
func checkAnswered(lines, want []string) string {
	for i, w := range want {
		if l := parseTraceLine(lines[i]); w != "*" && l.times != l.probes {
			return fmt.Sprintf("line %d (TTL %d) has %d stars, but every probe at that TTL gets its answer, each well within -w of the probe's own departure: "+
				"does each probe wait its full -w from the moment it leaves, and not from the first probe of its line?", i+1, i+1, l.probes-l.times)
		}
	}
	return ""
}

// otherAddr returns the first of addrs that is not w, or "".
func otherAddr(addrs []string, w string) string {
	for _, a := range addrs {
		if a != w {
			return a
		}
	}
	return ""
}

// wantHops renders the lines that checkHops wants.
func wantHops(want []string, probes int, dest string) string {
	var b strings.Builder
	b.WriteString("one line per TTL, in TTL order, the times as they come:\n")
	for i, w := range want {
		fmt.Fprintf(&b, "%2d ", i+1)
		if w == "*" {
			b.WriteString(strings.Repeat(" *", max(probes, 1)))
		} else {
			b.WriteString(" " + w + strings.Repeat("  N.NNN ms", max(probes, 1)))
		}
		if w == dest {
			b.WriteString("   (the destination: the last line)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// checkHops compares a traceroute's lines with the addresses (or `*`)
// wanted at each TTL, and says what is wrong, or returns "". names tells
// who each address is; dest is the destination's address.
func checkHops(lines, want []string, probes int, dest string, names map[string]string) string {
	who := func(a string) string {
		if n, ok := names[a]; ok {
			return a + " (" + n + ")"
		}
		return a
	}
	for i, w := range want {
		ttl := i + 1
		if i >= len(lines) {
			what := "no router answers there"
			if w != "*" {
				what = who(w) + " answers there"
			}
			if len(lines) == 0 {
				return fmt.Sprintf("nothing came out on stdout, but TTL 1 should have its line: %s", what)
			}
			return fmt.Sprintf("the output stops after %d lines, but TTL %d should have its line: %s", len(lines), ttl, what)
		}
		l := parseTraceLine(lines[i])
		switch {
		case l.ttl != strconv.Itoa(ttl):
			return fmt.Sprintf("line %d starts with %q, not its TTL %d: one line per TTL, in order, each starting with its TTL", ttl, l.ttl, ttl)
		case l.bad != "":
			return fmt.Sprintf("line %d (TTL %d) has %q, which is neither an IPv4 address, a time `N ms` nor `*`", ttl, ttl, l.bad)
		case probes > 0 && l.probes != probes:
			return fmt.Sprintf("line %d (TTL %d) shows %d probe results, not %d (-q): one time `N ms` or one `*` per probe", ttl, ttl, l.probes, probes)
		case l.probes == 0:
			return fmt.Sprintf("line %d (TTL %d) shows no probe result: one time `N ms` or one `*` per probe", ttl, ttl)
		case w == "*" && len(l.addrs) > 0:
			return fmt.Sprintf("at TTL %d the output names %s, but router %d never answers, so the line should show only `*`, one per probe. "+
				"Either the probe did not leave with TTL %d, or an ICMP message about some other probe was taken for its answer (match each message by the header it quotes)",
				ttl, who(l.addrs[0]), ttl, ttl)
		case w == "*" && l.times > 0:
			return fmt.Sprintf("line %d (TTL %d) shows a time but no address, and router %d never answers", ttl, ttl, ttl)
		case w == "*":
			continue
		case len(l.addrs) == 0 && w == dest:
			return fmt.Sprintf("at TTL %d the output shows no answer, but the destination %s answers every probe that reaches it, with ICMP port unreachable "+
				"(an echo reply for an echo probe): that answer is the end of the trace", ttl, dest)
		case len(l.addrs) == 0:
			return fmt.Sprintf("at TTL %d the output shows no answer, but %s answers every probe whose TTL runs out there, with ICMP time exceeded: wait up to -w for it", ttl, who(w))
		case l.addrs[0] != w && l.addrs[0] == dest:
			return fmt.Sprintf("at TTL %d the destination %s answered, but a probe sent with TTL %d runs out before, at %s. "+
				"Is the TTL set on every probe before it is sent?", ttl, dest, ttl, who(w))
		case l.addrs[0] != w:
			return fmt.Sprintf("at TTL %d the output names %s, but a probe sent with TTL %d runs out at %s. "+
				"Is the TTL set on every probe before it is sent, and each answer matched to its own probe?", ttl, who(l.addrs[0]), ttl, who(w))
		case otherAddr(l.addrs, w) != "":
			// The same address again before each time is fine; another is not.
			return fmt.Sprintf("at TTL %d the output names %s and %s, but only %s is on the path", ttl, who(l.addrs[0]), who(otherAddr(l.addrs, w)), who(w))
		case l.times == 0:
			return fmt.Sprintf("line %d (TTL %d) names %s but gives no time `N ms`", ttl, ttl, w)
		}
	}
	if len(lines) > len(want) {
		if want[len(want)-1] == dest {
			return fmt.Sprintf("the output goes on after the destination answered at TTL %d: the destination's line is the last", len(want))
		}
		return fmt.Sprintf("the output has %d lines, more than the %d TTLs that -m allows", len(lines), len(want))
	}
	return ""
}

// traceRouterAlert is the IPv4 option (RFC 2113, Router Alert, 4 bytes)
// that `topology ... options` puts in every quoted header.
var traceRouterAlert = []byte{0x94, 0x04, 0x00, 0x00}

// traceQuoteWithOption returns the IPv4 packet p, an ICMP error (time
// exceeded or destination unreachable), with the header that it quotes
// grown by an option: its IHL one word more, the quoted packet's first
// bytes behind it. Every length and checksum is made right again. It
// returns nil when p is no such error.
func traceQuoteWithOption(p []byte) []byte {
	if len(p) < 20 || p[0]>>4 != 4 {
		return nil
	}
	ihl, total := int(p[0]&0x0f)*4, int(binary.BigEndian.Uint16(p[2:]))
	if ihl < 20 || total < ihl+8+20 || total > len(p) || p[9] != 1 {
		return nil
	}
	msg := p[ihl:total]
	if msg[0] != 3 && msg[0] != 11 {
		return nil
	}
	quoted := msg[8:]
	qihl := int(quoted[0]&0x0f) * 4
	if quoted[0]>>4 != 4 || qihl < 20 || qihl > len(quoted) || qihl+len(traceRouterAlert) > 60 {
		return nil
	}
	out := make([]byte, 0, total+len(traceRouterAlert))
	out = append(out, p[:ihl]...)
	out = append(out, msg[:8]...)
	q := len(out)
	out = append(out, quoted[:qihl]...)
	out = append(out, traceRouterAlert...)
	out = append(out, quoted[qihl:]...)
	// The quoted header: one word longer, and so is the packet it was.
	out[q] += byte(len(traceRouterAlert) / 4)
	binary.BigEndian.PutUint16(out[q+2:], binary.BigEndian.Uint16(quoted[2:])+uint16(len(traceRouterAlert)))
	out[q+10], out[q+11] = 0, 0
	binary.BigEndian.PutUint16(out[q+10:], icmpChecksum(out[q:q+qihl+len(traceRouterAlert)]))
	// The error's checksum, and the outer header.
	out[ihl+2], out[ihl+3] = 0, 0
	binary.BigEndian.PutUint16(out[ihl+2:], icmpChecksum(out[ihl:]))
	binary.BigEndian.PutUint16(out[2:], uint16(len(out)))
	out[10], out[11] = 0, 0
	binary.BigEndian.PutUint16(out[10:], icmpChecksum(out[:ihl]))
	return out
}

// traceOtherHostAnswer returns a port unreachable from other to the
// source of probe (an IPv4 packet, as it left), quoting probe's header,
// with other as its destination, and its first 8 bytes of data: the late
// answer to an earlier trace to another host, from the same port, with
// the same destination port (or echo identifier and sequence number). It
// returns nil when probe is no IPv4 packet.
func traceOtherHostAnswer(probe []byte, other [4]byte) []byte {
	if len(probe) < 20 || probe[0]>>4 != 4 {
		return nil
	}
	ihl, total := int(probe[0]&0x0f)*4, int(binary.BigEndian.Uint16(probe[2:]))
	if ihl < 20 || total < ihl+8 || total > len(probe) {
		return nil
	}
	quoted := append([]byte(nil), probe[:ihl+8]...)
	copy(quoted[16:20], other[:])
	quoted[10], quoted[11] = 0, 0
	binary.BigEndian.PutUint16(quoted[10:], icmpChecksum(quoted[:ihl]))
	msg := append([]byte{3, 3, 0, 0, 0, 0, 0, 0}, quoted...)
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	p := make([]byte, 20, 20+len(msg))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(20+len(msg)))
	p[8], p[9] = 64, 1
	copy(p[12:16], other[:])
	copy(p[16:20], probe[12:16])
	binary.BigEndian.PutUint16(p[10:], icmpChecksum(p))
	return append(p, msg...)
}

// traceProbes is what the relay of a topology saw leave the source for the
// destination, in order: the destination port of each UDP datagram, and
// how many ICMP echo requests. It is safe for concurrent use.
type traceProbes struct {
	mu       sync.Mutex
	relayed  bool
	udpPorts []int
	echoes   int
}

// traceProbesKey keeps a script's traceProbes in its State.
type traceProbesKey struct{}

func scriptProbes(st *State) *traceProbes {
	return st.Keep(traceProbesKey{}, func() any { return &traceProbes{} }).(*traceProbes)
}

// traceProbeKey returns what identifies a probe (an IPv4 packet's
// transport part, proto its protocol) in the answers to it: a UDP
// datagram's first 8 bytes, which every ICMP error quotes; an echo
// request's identifier and sequence number, which its reply and the
// errors about it carry. It returns "" for anything else.
func traceProbeKey(proto byte, transport []byte) string {
	switch {
	case len(transport) < 8:
		return ""
	case proto == 17:
		return "udp " + string(transport[:8])
	case proto == 1 && (transport[0] == 8 || transport[0] == 0):
		return "echo " + string(transport[4:8])
	}
	return ""
}

// traceAnswerKey returns the traceProbeKey of the probe that p, an IPv4
// packet to the source, answers (an ICMP error that quotes it, or an echo
// reply), or "".
func traceAnswerKey(p ipv4Packet) string {
	body := p.payload()
	if p.proto != 1 || len(body) < 8 {
		return ""
	}
	switch body[0] {
	case 0:
		return traceProbeKey(1, body)
	case 3, 11:
		q, err := parseIPv4(body[8:])
		if err != nil {
			return ""
		}
		return traceProbeKey(q.proto, q.payload())
	}
	return ""
}

// cmdProbePorts checks the probes that the topology's relay saw leave for
// $DEST: UDP datagrams to 33434, 33435..., one port per probe, in order.
func cmdProbePorts(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "probeports")
	usage(ts, len(args) == 0, "probeports")
	st := state(ts)
	tp := scriptProbes(st)
	tp.mu.Lock()
	relayed, ports, echoes := tp.relayed, append([]int(nil), tp.udpPorts...), tp.echoes
	tp.mu.Unlock()
	if !relayed {
		ts.Fatalf("probeports: no relayed topology (topology ... relay) in this script")
	}
	if len(ports) == 0 && echoes > 0 {
		return // ICMP echo probes: no ports to judge
	}
	if len(ports) == 0 {
		st.fail(ts, Failure{What: "no probe left for the destination", Want: "UDP datagrams to ports 33434, 33435..., or ICMP echo requests"})
	}
	want := make([]int, len(ports))
	for i := range want {
		want[i] = 33434 + i
	}
	for i, p := range ports {
		if p != want[i] {
			st.fail(ts, Failure{
				What: fmt.Sprintf("probe %d went to port %d, not %d: each probe has a port of its own, 33434 for the first and one more for each probe after it, through every TTL, "+
					"so that the port quoted back names the probe", i+1, p, want[i]),
				Got:  "the destination ports of the probes, in the order they left: " + showPorts(ports),
				Want: showPorts(want)})
		}
	}
}

// showPorts lists ports, the first 24 of them.
func showPorts(ports []int) string {
	var b strings.Builder
	for i, p := range ports {
		if i == 24 {
			fmt.Fprintf(&b, " ... (%d in all)", len(ports))
			break
		}
		fmt.Fprintf(&b, " %d", p)
	}
	return strings.TrimSpace(b.String())
}
