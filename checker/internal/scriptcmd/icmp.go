package scriptcmd

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// icmpTarget is an IPv4 address that the checker answers pings for (lesson
// 15), in place of a real host, so that a check decides what comes back:
// nothing, replies late or twice, or decoys before the real reply. It keeps
// every echo request sent to it.
type icmpTarget struct {
	addr netip.Addr
	opts icmpTargetOptions

	mu       sync.Mutex
	requests []icmpRequest
	closed   bool
	close    func() // set by the platform's part
}

// icmpTargetOptions is how a target answers.
type icmpTargetOptions struct {
	silent  bool
	lose    map[uint16]bool // sequence numbers left unanswered
	delay   time.Duration   // before each real reply
	dup     bool            // each real reply sent twice
	otherID bool            // a decoy with another identifier first
	corrupt bool            // a decoy with a wrong checksum first
	badCode bool            // a decoy with code 1 first
	chatter bool            // no reply: decoys with another identifier, every 50ms for 2s
	// otherErr: decoy ICMP errors first, about echo requests that are not
	// the probe's (another identifier; our identifier and the previous
	// sequence number; our identifier and sequence number, to another
	// host).
	otherErr bool
	// previous: each reply leaves only when the next request arrives, so
	// it is late, and always reaches the program while it waits for the
	// next probe's reply, however slow the machine.
	previous bool
	// corruptErr: first an error that quotes this very request, with its
	// own checksum damaged.
	corruptErr bool
	// optErr: no reply, but an error about the request from a router
	// (icmpRouterAddr), whose quoted IPv4 header carries an option.
	optErr bool
	// lookalike: first an ICMP message that quotes the request, or seems
	// to, but is no error about it: one of icmpLookalikes' kinds.
	lookalike string
}

// icmpLookalikes are the kinds of icmptarget's lookalike=KIND: what each
// message is, in the words a failure shows a learner.
var icmpLookalikes = map[string]string{
	"redirect":     "an ICMP Redirect (type 5) that quotes your echo request: a type 5 is neither a Destination Unreachable (3) nor a Time Exceeded (11)",
	"paramproblem": "an ICMP Parameter Problem (type 12) that quotes your echo request: a type 12 is neither a Destination Unreachable (3) nor a Time Exceeded (11)",
	"version6":     "a Destination Host Unreachable whose quoted header says version 6: it is no IPv4 header, so what follows it is no echo request of yours",
	"udp":          "a Destination Host Unreachable about a UDP datagram to HOST (quoted protocol 17, not 1), whose first 8 bytes read like your echo request",
	"echoreply":    "a Destination Host Unreachable about an echo reply (quoted type 0, not 8) with your identifier and sequence number",
	"short":        "a Destination Host Unreachable cut short: the quoted IPv4 header, then only 4 bytes of your echo request, not the 8 that hold the identifier and sequence number",
}

// icmpRouterAddr is the router on the way that sends optErr's errors, and
// icmpOtherHost the host that another program pinged, whose request an
// othererr decoy quotes (TEST-NET-1 addresses: no real host has them).
var (
	icmpRouterAddr = netip.AddrFrom4([4]byte{192, 0, 2, 1})
	icmpOtherHost  = netip.AddrFrom4([4]byte{192, 0, 2, 2})
)

// icmpRequest is one echo request as the target received it.
type icmpRequest struct {
	at      time.Time
	message []byte // the ICMP message: header and data
	sum     uint16 // the checksum field as sent
	want    uint16 // the checksum the message should carry
	id, seq uint16
}

// icmpWorld holds a script's targets, kept in its State.
type icmpWorld struct {
	sync.Mutex
	targets []*icmpTarget
}

type icmpWorldKey struct{}

func (st *State) icmpWorld() *icmpWorld {
	return st.Keep(icmpWorldKey{}, func() any { return &icmpWorld{} }).(*icmpWorld)
}

const icmpTargetUsage = "icmptarget ADDR [silent] [lose=SEQ,...] [delay=DURATION] [dup] [otherid] [corrupt] [badcode] [othererr] [corrupterr] [opterr] [lookalike=KIND] [previous] [chatter]"

// parseICMPTargetOptions reads icmptarget's words after ADDR.
func parseICMPTargetOptions(words []string) (icmpTargetOptions, error) {
	o := icmpTargetOptions{lose: map[uint16]bool{}}
	for _, w := range words {
		key, val, hasVal := strings.Cut(w, "=")
		switch {
		case key == "silent" && !hasVal:
			o.silent = true
		case key == "dup" && !hasVal:
			o.dup = true
		case key == "otherid" && !hasVal:
			o.otherID = true
		case key == "corrupt" && !hasVal:
			o.corrupt = true
		case key == "badcode" && !hasVal:
			o.badCode = true
		case key == "othererr" && !hasVal:
			o.otherErr = true
		case key == "corrupterr" && !hasVal:
			o.corruptErr = true
		case key == "opterr" && !hasVal:
			o.optErr = true
		case key == "previous" && !hasVal:
			o.previous = true
		case key == "chatter" && !hasVal:
			o.chatter = true
		case key == "lookalike" && hasVal:
			if _, ok := icmpLookalikes[val]; !ok {
				return o, fmt.Errorf("unknown lookalike %q", val)
			}
			o.lookalike = val
		case key == "delay" && hasVal:
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 {
				return o, fmt.Errorf("bad delay %q", val)
			}
			o.delay = d
		case key == "lose" && hasVal:
			for _, s := range strings.Split(val, ",") {
				n, err := strconv.ParseUint(s, 10, 16)
				if err != nil {
					return o, fmt.Errorf("bad sequence number %q", s)
				}
				o.lose[uint16(n)] = true
			}
		default:
			return o, fmt.Errorf("unknown word %q", w)
		}
	}
	return o, nil
}

// icmpChecksum is the Internet checksum (RFC 1071) of b: the one's
// complement of the one's complement sum of its 16-bit big-endian words,
// an odd last byte padded with a zero on its right.
func icmpChecksum(b []byte) uint16 {
	var sum uint32
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(binary.BigEndian.Uint16(b))
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// parseEchoRequest records an ICMP message sent to a target, which must be
// an echo request (type 8) of at least 8 bytes.
func parseEchoRequest(msg []byte, at time.Time) (icmpRequest, bool) {
	if len(msg) < 8 || msg[0] != 8 {
		return icmpRequest{}, false
	}
	r := icmpRequest{at: at, message: slices.Clone(msg),
		sum: binary.BigEndian.Uint16(msg[2:]), id: binary.BigEndian.Uint16(msg[4:]), seq: binary.BigEndian.Uint16(msg[6:])}
	zeroed := slices.Clone(msg)
	zeroed[2], zeroed[3] = 0, 0
	r.want = icmpChecksum(zeroed)
	return r, true
}

// icmpQuoteError is a Destination Host Unreachable (type 3, code 1) about
// an echo request from src to dst with identifier id and sequence number
// seq: the error's header, then the request's IPv4 header and its first 8
// bytes, as a router quotes them. options, a multiple of 4 bytes, go in
// the quoted header after its first 20 bytes, its IHL counting them.
func icmpQuoteError(src, dst netip.Addr, id, seq uint16, options []byte) []byte {
	req := []byte{8, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(req[4:], id)
	binary.BigEndian.PutUint16(req[6:], seq)
	binary.BigEndian.PutUint16(req[2:], icmpChecksum(req))
	ip := make([]byte, 20, 20+len(options))
	ip[0] = 0x40 | byte(5+len(options)/4)
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(options)+64)) // the request was 64 bytes of ICMP
	ip[8], ip[9] = 1, 1                                            // its TTL ran low; ICMP
	s, d := src.As4(), dst.As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], d[:])
	ip = append(ip, options...)
	binary.BigEndian.PutUint16(ip[10:], icmpChecksum(ip))
	msg := append([]byte{3, 1, 0, 0, 0, 0, 0, 0}, ip...)
	msg = append(msg, req...)
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	return msg
}

// icmpLookalike returns a message of the given kind (icmpLookalikes) that
// quotes, or seems to quote, the echo request from src to dst with
// identifier id and sequence number seq, and whose checksum adds up.
func icmpLookalike(kind string, src, dst netip.Addr, id, seq uint16) []byte {
	msg := icmpQuoteError(src, dst, id, seq, nil)
	ip, req := msg[8:28], msg[28:]
	switch kind {
	case "redirect": // type 5, code 1 (for the host): the gateway in bytes 4-7
		r := icmpRouterAddr.As4()
		msg[0], msg[1] = 5, 1
		copy(msg[4:8], r[:])
	case "paramproblem": // type 12, code 0: byte 4 points at the bad octet
		msg[0], msg[1], msg[4] = 12, 0, 8
	case "version6":
		ip[0] = 0x60 | ip[0]&0x0f
	case "udp":
		ip[9] = 17
	case "echoreply":
		req[0] = 0
		req[2], req[3] = 0, 0
		binary.BigEndian.PutUint16(req[2:], icmpChecksum(req))
	case "short":
		msg = msg[:8+20+4]
	}
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], icmpChecksum(ip))
	msg[2], msg[3] = 0, 0
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	return msg
}

// icmpRouterAlert is an IPv4 option (RFC 2113, Router Alert), 4 bytes:
// with it, a quoted header is 24 bytes long, IHL 6.
var icmpRouterAlert = []byte{0x94, 0x04, 0x00, 0x00}

// echoReplies returns what a target sends for request r, in order, each
// with the delay after which it leaves: the decoys at once, then the real
// reply (twice with dup). The reply carries the request's identifier,
// sequence number and data, and a correct checksum, even when the
// request's was wrong: the checker answers anyway, so that icmprequests
// can say what was wrong. from and to are the request's addresses, which
// a decoy error quotes.
func (o icmpTargetOptions) echoReplies(r icmpRequest, from, to netip.Addr) (msgs [][]byte, delays []time.Duration) {
	if o.silent || o.lose[r.seq] {
		return nil, nil
	}
	if o.optErr {
		// A router quotes the request's header as the packet carried
		// it, options included (sent from icmpRouterAddr).
		return [][]byte{icmpQuoteError(from, to, r.id, r.seq, icmpRouterAlert)}, []time.Duration{0}
	}
	reply := slices.Clone(r.message)
	reply[0], reply[1] = 0, 0 // echo reply, code 0
	reply[2], reply[3] = 0, 0
	binary.BigEndian.PutUint16(reply[2:], icmpChecksum(reply))
	// Another ping program's reply, with the same sequence number.
	other := slices.Clone(reply)
	binary.BigEndian.PutUint16(other[4:], r.id^0x8000)
	other[2], other[3] = 0, 0
	binary.BigEndian.PutUint16(other[2:], icmpChecksum(other))
	if o.chatter {
		for i := range 40 {
			msgs, delays = append(msgs, other), append(delays, time.Duration(i)*50*time.Millisecond)
		}
		return msgs, delays
	}
	if o.otherID {
		msgs, delays = append(msgs, other), append(delays, 0)
	}
	if o.corrupt {
		// The real reply with its checksum damaged on the way: identifier,
		// sequence number and data all match, only the sum does not.
		d := slices.Clone(reply)
		d[3] ^= 0x5a
		msgs, delays = append(msgs, d), append(delays, 0)
	}
	if o.otherErr {
		// Errors that a router sends about another ping's request to the
		// same host, and about our previous probe's: the quoted request
		// is not this probe's.
		msgs, delays = append(msgs, icmpQuoteError(from, to, r.id^0x8000, r.seq, nil)), append(delays, 0)
		if r.seq > 1 {
			msgs, delays = append(msgs, icmpQuoteError(from, to, r.id, r.seq-1, nil)), append(delays, 0)
		}
		// And one about a request with our identifier and this sequence
		// number, but to another host: not this run's.
		msgs, delays = append(msgs, icmpQuoteError(from, icmpOtherHost, r.id, r.seq, nil)), append(delays, 0)
	}
	if o.corruptErr {
		// An error about this very request, damaged on the way.
		d := icmpQuoteError(from, to, r.id, r.seq, nil)
		d[3] ^= 0x5a
		msgs, delays = append(msgs, d), append(delays, 0)
	}
	if o.lookalike != "" {
		msgs, delays = append(msgs, icmpLookalike(o.lookalike, from, to, r.id, r.seq)), append(delays, 0)
	}
	if o.badCode {
		// The reply with code 1, which no echo reply has: not a reply.
		d := slices.Clone(reply)
		d[1], d[2], d[3] = 1, 0, 0
		binary.BigEndian.PutUint16(d[2:], icmpChecksum(d))
		msgs, delays = append(msgs, d), append(delays, 0)
	}
	msgs, delays = append(msgs, reply), append(delays, o.delay)
	if o.dup {
		msgs, delays = append(msgs, reply), append(delays, o.delay)
	}
	return msgs, delays
}

// icmpTargets returns the script's targets.
func (st *State) icmpTargets() []*icmpTarget {
	w := st.icmpWorld()
	w.Lock()
	defer w.Unlock()
	return slices.Clone(w.targets)
}

func (st *State) icmpTarget(addr netip.Addr) *icmpTarget {
	for _, t := range st.icmpTargets() {
		if t.addr == addr {
			return t
		}
	}
	return nil
}

func (t *icmpTarget) record() []icmpRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.requests)
}

func cmdICMPRequests(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "icmprequests")
	usage(ts, len(args) == 2 || len(args) == 3, "icmprequests ADDR N [SIZE]")
	st := state(ts)
	addr, err := netip.ParseAddr(args[0])
	ts.Check(err)
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	size := 56
	if len(args) == 3 {
		size, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	t := st.icmpTarget(addr)
	if t == nil {
		ts.Fatalf("icmprequests: %s is not an icmptarget of this script", addr)
	}
	if f := judgeEchoRequests(t.record(), addr, n, size); f != nil {
		// What the program said helps too: it may have stopped early.
		f.Output += st.Output()
		st.fail(ts, *f)
	}
}

// judgeEchoRequests checks that the requests a target received are n echo
// requests with sequence numbers 1 to n, in order, one identifier, right
// checksums and size bytes of data each.
func judgeEchoRequests(reqs []icmpRequest, addr netip.Addr, n, size int) *Failure {
	for _, r := range reqs {
		if r.sum != r.want {
			return &Failure{
				What: fmt.Sprintf("the echo request icmp_seq=%d carries the checksum 0x%04x, but the Internet checksum of its bytes is 0x%04x",
					r.seq, r.sum, r.want),
				Sent: "the request as " + addr.String() + " received it: " + Show(r.message),
				Want: "the one's complement of the one's complement sum of the message's 16-bit big-endian words, computed with the checksum field at zero, " +
					"every carry folded back in, and an odd last byte padded with a zero on its right. " +
					"A real host drops a request with a wrong checksum without a word; this checker's target answered it anyway, to tell you",
			}
		}
	}
	list := icmpRequestList(reqs)
	if len(reqs) != n {
		return &Failure{What: fmt.Sprintf("%s received %d echo requests", addr, len(reqs)),
			Want: fmt.Sprintf("exactly %d, one per probe (-c)", n), Output: list}
	}
	for i, r := range reqs {
		switch {
		case r.seq != uint16(i+1):
			return &Failure{What: fmt.Sprintf("echo request %d carries the sequence number %d", i+1, r.seq),
				Want: "sequence numbers 1, 2, 3… in the order sent", Output: list}
		case r.id != reqs[0].id:
			return &Failure{What: fmt.Sprintf("echo request %d carries the identifier 0x%04x, the first one 0x%04x", i+1, r.id, reqs[0].id),
				Want: "one identifier for every request of a run: it is how the program knows the replies meant for it", Output: list}
		case r.message[1] != 0:
			return &Failure{What: fmt.Sprintf("echo request %d has code %d", i+1, r.message[1]), Want: "code 0", Output: list}
		case len(r.message)-8 != size:
			return &Failure{What: fmt.Sprintf("echo request %d carries %d bytes of data", i+1, len(r.message)-8),
				Want: fmt.Sprintf("%d bytes of data (-s) after the 8-byte header", size), Output: list}
		}
	}
	return nil
}

func icmpRequestList(reqs []icmpRequest) string {
	if len(reqs) == 0 {
		return "the target received no echo request\n"
	}
	var b strings.Builder
	b.WriteString("echo requests as the target received them:\n")
	for i, r := range reqs {
		fmt.Fprintf(&b, "  %7.3fs  id 0x%04x  seq %d  %d data bytes\n", r.at.Sub(reqs[0].at).Seconds(), r.id, r.seq, len(r.message)-8)
		if i >= 20 {
			fmt.Fprintf(&b, "  … (%d in all)\n", len(reqs))
			break
		}
	}
	return b.String()
}

// A ping's output, line by line (lesson 15's contract).
var (
	pingReplyRE   = regexp.MustCompile(`^(\d+) bytes from (\S+): icmp_seq=(\d+)(?: ttl=\d+)? time=(\d+(?:\.\d+)?) ms$`)
	pingTimeoutRE = regexp.MustCompile(`^Request timeout for icmp_seq (\d+)$`)
	pingErrorRE   = regexp.MustCompile(`^From (\S+) icmp_seq=(\d+) (.+)$`)
	pingHeaderRE  = regexp.MustCompile(`^PING (\S+): (\d+) data bytes$`)
	pingTitleRE   = regexp.MustCompile(`^--- (\S+) ping statistics ---$`)
	pingCountsRE  = regexp.MustCompile(`^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) errors)?, (\d+)% packet loss$`)
	pingRTTRE     = regexp.MustCompile(`^rtt min/avg/max = (\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?) ms$`)
)

// pingReply is one reply line: its sequence number and time, and the time
// as printed, for its precision.
type pingReply struct {
	line string
	seq  int
	ms   float64
	text string
}

func cmdPingStats(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "pingstats")
	var most time.Duration
	if len(args) > 0 {
		if v, ok := strings.CutPrefix(args[0], "-max="); ok {
			d, err := time.ParseDuration(v)
			ts.Check(err)
			most, args = d, args[1:]
		}
	}
	usage(ts, len(args) <= 1, "pingstats [-max=DURATION] [ADDR]")
	st := state(ts)
	var t *icmpTarget
	if len(args) == 1 {
		addr, err := netip.ParseAddr(args[0])
		ts.Check(err)
		if t = st.icmpTarget(addr); t == nil {
			ts.Fatalf("pingstats: %s is not an icmptarget of this script", addr)
		}
	}
	out := ts.ReadFile("stdout")
	if f := judgePingOutput(out); f != nil {
		st.fail(ts, *f)
	}
	if f := judgePingMax(out, most); most > 0 && f != nil {
		st.fail(ts, *f)
	}
	if t != nil {
		if f := judgePingTimes(out, t.opts, t.record()); f != nil {
			st.fail(ts, *f)
		}
	}
}

// judgePingOutput checks a ping's stdout against itself: every line has
// the contract's shape, the probes are numbered 1 to n in order, and the
// summary agrees with the lines above it.
func judgePingOutput(out string) *Failure {
	output := "its stdout:\n" + indent(tail(out, 30))
	var replies []pingReply
	probes, errs := 0, 0
	var counts, rtt []string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var seq int
		if m := pingReplyRE.FindStringSubmatch(line); m != nil {
			seq, _ = strconv.Atoi(m[3])
			ms, _ := strconv.ParseFloat(m[4], 64)
			replies = append(replies, pingReply{line: line, seq: seq, ms: ms, text: m[4]})
		} else if m := pingTimeoutRE.FindStringSubmatch(line); m != nil {
			seq, _ = strconv.Atoi(m[1])
		} else if m := pingErrorRE.FindStringSubmatch(line); m != nil {
			seq, _ = strconv.Atoi(m[2])
			errs++
		} else if m := pingCountsRE.FindStringSubmatch(line); m != nil {
			counts = m
			continue
		} else if m := pingRTTRE.FindStringSubmatch(line); m != nil {
			rtt = m
			continue
		} else if line == "" || pingHeaderRE.MatchString(line) || pingTitleRE.MatchString(line) {
			continue
		} else {
			return &Failure{What: fmt.Sprintf("the program printed a line the contract does not have: %q", line),
				Want: "only the lines of \"What the checker tests\": PING…, one line per probe (`N bytes from…`, `From ADDR icmp_seq=N …` or `Request timeout for icmp_seq N`), the statistics", Output: output}
		}
		probes++
		if seq != probes {
			return &Failure{What: fmt.Sprintf("probe %d of the output is about icmp_seq=%d", probes, seq),
				Got:    line,
				Want:   "exactly one line per probe, sequence numbers 1, 2, 3… in order: a reply line, an error line or a timeout line, never two of them, never two replies for one probe",
				Output: output}
		}
	}
	if counts == nil {
		return &Failure{What: "no line `N packets transmitted, M received, L% packet loss`", Output: output}
	}
	tx, _ := strconv.Atoi(counts[1])
	rx, _ := strconv.Atoi(counts[2])
	nerr, _ := strconv.Atoi(counts[3]) // "" when absent: 0
	loss, _ := strconv.Atoi(counts[4])
	switch {
	case nerr != errs && errs == 0:
		return &Failure{What: fmt.Sprintf("the summary says +%d errors, but the output shows no error line `From ADDR icmp_seq=N …`", nerr), Got: counts[0], Output: output}
	case nerr != errs:
		return &Failure{What: fmt.Sprintf("the output shows %d error lines `From ADDR icmp_seq=N …`, but the summary counts %d errors", errs, nerr), Got: counts[0],
			Want: fmt.Sprintf("`%d packets transmitted, %d received, +%d errors, %d%% packet loss`: the errors after the replies, when there were any", tx, rx, errs, (tx-rx)*100/max(tx, 1)), Output: output}
	case tx != probes:
		return &Failure{What: fmt.Sprintf("the summary says %d packets transmitted, but the output shows %d probes", tx, probes), Got: counts[0], Output: output}
	case rx != len(replies):
		return &Failure{What: fmt.Sprintf("the summary says %d received, but the output shows %d replies", rx, len(replies)), Got: counts[0], Output: output}
	case tx > 0 && loss != (tx-rx)*100/tx:
		return &Failure{What: fmt.Sprintf("the summary says %d%% packet loss for %d received of %d", loss, rx, tx), Got: counts[0],
			Want: fmt.Sprintf("%d%%: 100×(transmitted−received)/transmitted, in whole numbers (integer division, multiplying first)", (tx-rx)*100/tx), Output: output}
	}
	if rx == 0 {
		if rtt != nil {
			return &Failure{What: "an rtt line although no reply came", Got: rtt[0], Want: "no rtt line when nothing was received", Output: output}
		}
		return nil
	}
	if rtt == nil {
		return &Failure{What: "no line `rtt min/avg/max = MIN/AVG/MAX ms`", Want: "that line whenever a reply came", Output: output}
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	tol := 0.0
	for _, r := range replies {
		lo, hi, sum = min(lo, r.ms), max(hi, r.ms), sum+r.ms
		tol = max(tol, unitOf(r.text))
	}
	want := []float64{lo, sum / float64(len(replies)), hi}
	for i, name := range []string{"min", "avg", "max"} {
		got, _ := strconv.ParseFloat(rtt[i+1], 64)
		// Each printed figure is rounded: allow one unit of the coarser
		// precision, plus a hair for float sums.
		if math.Abs(got-want[i]) > max(tol, unitOf(rtt[i+1]))+1e-9 {
			return &Failure{What: fmt.Sprintf("the summary's %s is %s ms, but the reply lines give %.3f ms", name, rtt[i+1], want[i]),
				Got: rtt[0], Want: "min, average and max of the times of the reply lines (the average over the replies received, not over the probes sent)",
				Output: output}
		}
	}
	return nil
}

// judgePingMax checks that no reply line shows a time over most (-W): a
// reply that takes longer is a timeout, so a bigger time is in another
// unit than milliseconds.
func judgePingMax(out string, most time.Duration) *Failure {
	for _, line := range strings.Split(out, "\n") {
		m := pingReplyRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ms, _ := strconv.ParseFloat(m[4], 64)
		if ms > float64(most)/float64(time.Millisecond)+1 {
			return &Failure{What: fmt.Sprintf("the reply line says time=%s ms, more than -W (%s) allows: a reply that late is a timeout", m[4], most),
				Got: line, Want: "the round trip in milliseconds (a Duration divided by time.Millisecond, not its count of microseconds or nanoseconds)",
				Output: "its stdout:\n" + indent(tail(out, 30))}
		}
	}
	return nil
}

func cmdICMPGaps(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "icmpgaps")
	usage(ts, len(args) == 2, "icmpgaps ADDR MIN")
	st := state(ts)
	addr, err := netip.ParseAddr(args[0])
	ts.Check(err)
	least, err := time.ParseDuration(args[1])
	ts.Check(err)
	t := st.icmpTarget(addr)
	if t == nil {
		ts.Fatalf("icmpgaps: %s is not an icmptarget of this script", addr)
	}
	if f := judgeEchoGaps(t.record(), least); f != nil {
		f.Output += st.Output()
		st.fail(ts, *f)
	}
}

// judgeEchoGaps checks that each request came at least least after the
// one before it, as the target received them.
func judgeEchoGaps(reqs []icmpRequest, least time.Duration) *Failure {
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].at.Sub(reqs[i-1].at); gap < least {
			return &Failure{What: fmt.Sprintf("echo request icmp_seq=%d left %.1fms after icmp_seq=%d", reqs[i].seq, float64(gap)/float64(time.Millisecond), reqs[i-1].seq),
				Want:   fmt.Sprintf("at least %s between them: one probe at a time, the next after the last one's reply or timeout (-W), and no sooner than -i after the last one left", least),
				Output: icmpRequestList(reqs)}
		}
	}
	return nil
}

// unitOf is the value of the last digit of a printed decimal number.
func unitOf(num string) float64 {
	_, frac, ok := strings.Cut(num, ".")
	if !ok {
		return 1
	}
	return math.Pow10(-len(frac))
}

// judgePingTimes checks the reply lines against what the target really
// did: it answered that probe, and the time is no shorter than its delay.
// A line that fails either was printed for some other packet.
func judgePingTimes(out string, o icmpTargetOptions, reqs []icmpRequest) *Failure {
	output := "its stdout:\n" + indent(tail(out, 30))
	var decoys []string
	if o.otherID || o.chatter {
		decoys = append(decoys, "an echo reply with another identifier (the reply of another ping program)")
	}
	if o.corrupt {
		decoys = append(decoys, "an echo reply whose checksum is wrong (damaged on the way)")
	}
	if o.badCode {
		decoys = append(decoys, "an echo reply with code 1 (an echo reply has code 0)")
	}
	if o.dup {
		decoys = append(decoys, "a second copy of each reply")
	}
	if o.otherErr {
		decoys = append(decoys, "ICMP Destination Host Unreachable errors that quote another program's echo request, your previous probe's, or a request with your identifier and sequence number to another host")
	}
	if o.corruptErr {
		decoys = append(decoys, "an ICMP Destination Host Unreachable that quotes your request, with a checksum that does not add up (damaged on the way)")
	}
	if o.lookalike != "" {
		decoys = append(decoys, icmpLookalikes[o.lookalike])
	}
	others := "its own echo request, which a raw socket receives too"
	if len(decoys) > 0 {
		others += ", or what the target sends before or after each reply: " + strings.Join(decoys, "; ")
	}
	if o.delay > 0 {
		others += fmt.Sprintf(", or the reply to an earlier probe, arriving %s late", o.delay)
	}
	for _, line := range strings.Split(out, "\n") {
		if m := pingErrorRE.FindStringSubmatch(line); m != nil && o.otherErr {
			return &Failure{What: fmt.Sprintf("the program printed an ICMP error for icmp_seq=%s, but every error this target sends is about another echo request", m[2]), Got: line,
				Want: "errors skipped unless the echo request they quote (the 8 bytes after the quoted IPv4 header) carries the program's identifier and the probe's sequence number: " +
					"this target's errors quote another program's identifier, the previous probe's sequence number, or a request to another host than HOST (the quoted IPv4 header's destination)",
				Output: output}
		}
		if m := pingErrorRE.FindStringSubmatch(line); m != nil && o.corruptErr {
			return &Failure{What: fmt.Sprintf("the program printed an ICMP error for icmp_seq=%s, but every error this target sends has a checksum that does not add up", m[2]), Got: line,
				Want:   "an error's checksum checked like a reply's (the sum over the whole ICMP message, its checksum in place, gives checksum 0): a damaged error is skipped, and the real reply comes after it",
				Output: output}
		}
		if m := pingErrorRE.FindStringSubmatch(line); m != nil && o.lookalike != "" {
			return &Failure{What: fmt.Sprintf("the program printed an ICMP error for icmp_seq=%s, but this target sends no error about the probe, only %s", m[2], icmpLookalikes[o.lookalike]), Got: line,
				Want: "an error taken only when its type is 3 or 11, its checksum adds up, the quoted header is IPv4 (version 4, IHL at least 5) with 8 bytes after it, " +
					"and those 8 bytes are an echo request (type 8) of protocol 1 (ICMP) to HOST with the program's identifier and the probe's sequence number; anything else is skipped, and the real reply comes after it",
				Output: output}
		}
		m := pingReplyRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		seq, _ := strconv.Atoi(m[3])
		ms, _ := strconv.ParseFloat(m[4], 64)
		switch {
		case o.previous:
			return &Failure{What: fmt.Sprintf("the program printed a reply to icmp_seq=%d, but this target answers each request only when the next one arrives, after its probe timed out", seq), Got: line,
				Want:   "`Request timeout for icmp_seq N` for every probe: a reply to an earlier probe, arriving while the next one waits, is not the next one's reply (its sequence number says so)",
				Output: output}
		case o.silent || o.chatter || o.optErr:
			return &Failure{What: "the program printed a reply, but this target answers nothing", Got: line,
				Want:   "only an echo reply (type 0) with the program's identifier and the probe's sequence number; the program took something else: " + others,
				Output: output}
		case o.lose[uint16(seq)]:
			return &Failure{What: fmt.Sprintf("the program printed a reply to icmp_seq=%d, but the target never answered that probe", seq), Got: line,
				Want: "`Request timeout for icmp_seq N` for that probe; the program took something else for its reply: " + others, Output: output}
		case ms < float64(o.delay-time.Millisecond)/float64(time.Millisecond):
			return &Failure{What: fmt.Sprintf("the program printed a reply to icmp_seq=%d after %s ms, but the target sends its reply %s after the request",
				seq, m[4], o.delay), Got: line,
				Want: "the time from sending the request to receiving ITS reply; a faster one is some other packet: " + others, Output: output}
		}
	}
	return nil
}

// cmdRunAny is run for a check that judges what the program sent before
// what it printed: exit status 1 passes as well as 0, so that the next
// command (icmprequests) can explain a failure better than "exit status
// 1" would. A program killed by a signal or by the time limit, or one that
// panics, still fails.
func cmdRunAny(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "runany")
	st := state(ts)
	p, exit, cmdline := st.runToEnd(ts, args, "the program to finish on its own; is it waiting for data that will never come?")
	switch {
	case exit.Code != 0 && exit.Code != 1:
		st.fail(ts, Failure{What: fmt.Sprintf("the program ended with %s", exit), Sent: "started: " + cmdline,
			Want: "exit status 0, or 1 with one line on stderr", Output: programOutput(p)})
	}
}
