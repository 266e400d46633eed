package scriptcmd

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/net/ipv4"
)

// Lesson 17's commands: a UDP socket that a hand-built IPv4/UDP packet must
// reach, and a view of the loopback wire that explains, field by field, why
// the kernel dropped a packet that never arrived. The kernel drops a UDP
// datagram with a wrong checksum or length without a word to anyone, so
// without the wire a learner would only ever hear "nothing arrived".

// udpListener is one udplisten socket and the capture that watches its port.
type udpListener struct {
	conn *net.UDPConn
	pc   *ipv4.PacketConn
	port uint16
	wire *udpWire
}

// udpListeners holds a script's udplisten sockets by name, kept in its
// State.
type udpListeners struct {
	sync.Mutex
	byName map[string]*udpListener
}

type udpListenersKey struct{}

func (st *State) udpListeners() *udpListeners {
	return st.Keep(udpListenersKey{}, func() any { return &udpListeners{byName: map[string]*udpListener{}} }).(*udpListeners)
}

func cmdUDPListen(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udplisten")
	usage(ts, len(args) == 1, "udplisten NAME")
	st := state(ts)
	name := args[0]
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	ts.Check(err)
	port := uint16(c.LocalAddr().(*net.UDPAddr).Port)
	pc := ipv4.NewPacketConn(c)
	if err := pc.SetControlMessage(ipv4.FlagTTL, true); err != nil {
		c.Close()
		ts.Fatalf("udplisten: asking for the TTL of each datagram (IP_RECVTTL): %v", err)
	}
	// The capture starts before the program runs, so it sees every packet.
	w, err := startWire(port)
	if err != nil {
		c.Close()
		ts.Fatalf("udplisten: %v", err)
	}
	ts.Defer(w.stop)
	l := &udpListener{conn: c, pc: pc, port: port, wire: w}
	ls := st.udpListeners()
	ls.Lock()
	ls.byName[name] = l
	ls.Unlock()
	// As a UDP peer too, so that udpquiet works on it and the script's
	// cleanup closes it. It expects datagrams from anyone.
	st.mu.Lock()
	if old, ok := st.udp[name]; ok {
		old.conn.Close()
	}
	st.udp[name] = &udpPeer{conn: c, target: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0)}
	st.mu.Unlock()
	ts.Setenv("PORT_"+name, strconv.Itoa(int(port)))
}

func (st *State) udpListener(ts *testscript.TestScript, name string) *udpListener {
	ls := st.udpListeners()
	ls.Lock()
	l := ls.byName[name]
	ls.Unlock()
	if l == nil {
		ts.Fatalf("no UDP listener named %q (udplisten it first)", name)
	}
	return l
}

func cmdUDPReceived(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpreceived")
	fromFile, args := leadingFlag(args, "-file")
	usage(ts, len(args) == 4, "udpreceived [-file] NAME TEXT FROM TTL")
	st := state(ts)
	l := st.udpListener(ts, args[0])
	var want []byte
	var err error
	if fromFile {
		want, err = os.ReadFile(ts.MkAbs(args[1]))
	} else {
		want, err = unescape(args[1])
	}
	ts.Check(err)
	from, err := netip.ParseAddrPort(args[2])
	ts.Check(err)
	ttl, err := strconv.Atoi(args[3])
	ts.Check(err)

	wantDesc := fmt.Sprintf("one datagram from %s to port %d, with TTL %d in its IPv4 header, carrying %s: %s",
		from, l.port, ttl, plural(len(want), "byte"), brief(want))
	if fromFile {
		wantDesc += " (the bytes of " + args[1] + ")"
	}
	got, src, gotTTL, err := l.receive(st)
	if err != nil {
		f := Failure{What: fmt.Sprintf("no datagram arrived on 127.0.0.1:%d: %v", l.port, err), Want: wantDesc,
			Got: l.wire.report(want)}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			f.What = fmt.Sprintf("no datagram arrived on 127.0.0.1:%d", l.port)
		}
		st.fail(ts, f)
	}
	switch {
	case src.Addr().Unmap() != from.Addr():
		st.fail(ts, Failure{What: fmt.Sprintf("the datagram came from address %s, not %s", src.Addr(), from.Addr()),
			Got: fmt.Sprintf("from %s: %s", src, brief(got)), Want: wantDesc + "\n(the source address is the IPv4 header's, from -src)"})
	case src.Port() != from.Port():
		what := fmt.Sprintf("the datagram came from port %d, not %d", src.Port(), from.Port())
		if bits.ReverseBytes16(src.Port()) == from.Port() {
			what += fmt.Sprintf(": that is %d with its two bytes swapped (host byte order); ports go in big-endian", from.Port())
		}
		st.fail(ts, Failure{What: what, Got: fmt.Sprintf("from %s: %s", src, brief(got)), Want: wantDesc})
	case gotTTL >= 0 && gotTTL != ttl:
		st.fail(ts, Failure{What: fmt.Sprintf("the datagram arrived with TTL %d, not %d", gotTTL, ttl),
			Got: fmt.Sprintf("TTL %d: %s", gotTTL, brief(got)), Want: wantDesc + "\n(loopback does not decrement the TTL: it arrives as it was sent)"})
	case !bytes.Equal(got, want):
		what := fmt.Sprintf("the datagram's payload differs from the one given at byte %d", firstDiff(got, want))
		if len(got) != len(want) {
			what = fmt.Sprintf("the datagram carries %s instead of %d", plural(len(got), "byte"), len(want))
		}
		st.fail(ts, Failure{What: what, Got: brief(got) + "\n" + l.wire.report(want), Want: wantDesc})
	}
}

// receive waits for one datagram. The learner's program has already exited,
// so once the wire has shown a packet for this port and some time has passed
// without a datagram, none is coming: the kernel dropped it.
func (l *udpListener) receive(st *State) (data []byte, from netip.AddrPort, ttl int, err error) {
	buf := make([]byte, maxDatagram+1)
	start := time.Now()
	end := st.deadline(idleTimeout)
	for {
		step := time.Now().Add(50 * time.Millisecond)
		if step.After(end) {
			step = end
		}
		l.conn.SetReadDeadline(step)
		n, cm, src, err := l.pc.ReadFrom(buf)
		if err == nil {
			ttl = -1
			if cm != nil {
				ttl = cm.TTL
			}
			ap := src.(*net.UDPAddr).AddrPort()
			return buf[:n], netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), ttl, nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) || !time.Now().Before(end) {
			return nil, netip.AddrPort{}, 0, err
		}
		last, seen := l.wire.lastSeen()
		if (seen && time.Since(last) > 300*time.Millisecond) || (!seen && time.Since(start) > time.Second) {
			return nil, netip.AddrPort{}, 0, os.ErrDeadlineExceeded
		}
	}
}

func cmdSentPacket(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sentpacket")
	usage(ts, len(args) == 1, "sentpacket NAME")
	st := state(ts)
	l := st.udpListener(ts, args[0])
	st.mu.Lock()
	p := st.lastRun
	st.mu.Unlock()
	if p == nil {
		ts.Fatalf("sentpacket: no program was run")
	}
	want := "the packet handed to sendto, as the last line on stdout, in hex digits and nothing else: a 20-byte IPv4 header and a UDP datagram, every length and checksum right"
	out := strings.TrimSpace(string(p.Stdout.Bytes()))
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		out = strings.TrimSpace(out[i+1:])
	}
	printed, err := hex.DecodeString(out)
	if err != nil || len(printed) == 0 {
		st.fail(ts, Failure{What: "the program's last line on stdout is not a packet in hex", Got: brief([]byte(out)), Want: want})
	}
	pkt, err := parseIPv4(printed)
	if err != nil {
		st.fail(ts, Failure{What: "the packet printed is not an IPv4 packet: " + err.Error(), Got: brief(printed), Want: want})
	}
	lines, problem := judgePrinted(pkt)
	onWire := l.wire.await(printed[pkt.ihl:], time.Second)
	if problem == "" && onWire == nil {
		problem = fmt.Sprintf("the packet printed was not seen on the loopback interface going to or from port %d", l.port)
		lines = append(lines, strings.TrimRight(l.wire.report(printed[min(len(printed), 28):]), "\n"))
	}
	if onWire != nil {
		lines = append(lines, fmt.Sprintf("on the wire, after the kernel filled in its fields: total length %d, ID %d, header checksum 0x%04x, source %s",
			onWire.total, onWire.id, onWire.csum, addrOf(onWire.src)))
	}
	if problem == "" {
		if d := wireDiff(pkt, *onWire); d != "" {
			problem = "the packet printed is not the one that went out: " + d
		}
	}
	if problem != "" {
		st.fail(ts, Failure{What: problem, Got: "the packet printed, field by field:\n" + strings.Join(lines, "\n"), Want: want})
	}
}

func cmdUDPZeroSum(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpzerosum")
	usage(ts, len(args) == 3, "udpzerosum NAME VAR FROM")
	st := state(ts)
	l := st.udpListener(ts, args[0])
	from, err := netip.ParseAddrPort(args[2])
	ts.Check(err)
	usage(ts, from.Addr().Is4(), "udpzerosum NAME VAR FROM, with FROM an IPv4 address and port")
	payload, ok := zeroSumPayload(from.Addr().As4(), from.Port(), [4]byte{127, 0, 0, 1}, l.port)
	if !ok {
		ts.Fatalf("udpzerosum: found no payload whose checksum is zero")
	}
	ts.Setenv(args[1], string(payload))
}

// zeroSumPayload returns printable text that, sent from src:sport to
// dst:dport, makes the UDP checksum come out as 0x0000 (to be sent as
// 0xffff). Its last four 16-bit words are free: the first three are drawn
// at random (the same draws every time), the fourth is whatever brings the
// one's-complement sum to all ones, until that word is printable too. Three
// random words spread the sum around the whole 16-bit circle, so some draw
// always works, usually within a few dozen.
func zeroSumPayload(src [4]byte, sport uint16, dst [4]byte, dport uint16) ([]byte, bool) {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	isAlnum := func(c byte) bool { return strings.IndexByte(alnum, c) >= 0 }
	seg := make([]byte, 8, 8+18)
	binary.BigEndian.PutUint16(seg[0:], sport)
	binary.BigEndian.PutUint16(seg[2:], dport)
	seg = append(seg, "zero sum: "...) // even length, so the free words are aligned
	seg = append(seg, make([]byte, 8)...)
	binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
	free := seg[len(seg)-8:]
	base := onesSum(pseudoHeaderSum(src, dst, len(seg)), seg) // the free words still 0
	r := rand.New(rand.NewPCG(uint64(sport), uint64(dport)))
	for range 1 << 20 {
		for i := range 6 {
			free[i] = alnum[r.IntN(len(alnum))]
		}
		w := ^foldSum(onesSum(base, free[:6]))
		if isAlnum(byte(w>>8)) && isAlnum(byte(w)) {
			free[6], free[7] = byte(w>>8), byte(w)
			return append([]byte(nil), seg[8:]...), udpChecksum(src, dst, seg) == 0
		}
	}
	return nil, false
}

func cmdUDPCarryFile(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpcarryfile")
	const use = "udpcarryfile NAME FILE FROM SIZE"
	usage(ts, len(args) == 4, use)
	st := state(ts)
	l := st.udpListener(ts, args[0])
	from, err := netip.ParseAddrPort(args[2])
	usage(ts, err == nil && from.Addr().Is4(), use+" (FROM an IPv4 address and port)")
	size, err := strconv.Atoi(args[3])
	usage(ts, err == nil && size >= 16 && size <= 65506 && size%2 == 0, use+" (SIZE even, from 16 to 65506)")
	payload, ok := carryPayload(from.Addr().As4(), from.Port(), [4]byte{127, 0, 0, 1}, l.port, size)
	if !ok {
		ts.Fatalf("udpcarryfile: found no payload whose sum carries when folded")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), payload, 0o644))
	ts.Check(state(ts).chownToProgram(ts.MkAbs(args[1])))
}

// carryPayload returns size bytes (size even) that, sent from src:sport to
// dst:dport, make the one's-complement sum of the UDP checksum carry
// again when its top 16 bits are first folded into the bottom ones: a
// checksum that folds once, not until the sum fits, comes out wrong. The
// bytes are all 0xff (so the top half of the sum is large) but for the
// last word, which moves the bottom half around the whole circle until it
// is large enough too.
func carryPayload(src [4]byte, sport uint16, dst [4]byte, dport uint16, size int) ([]byte, bool) {
	seg := make([]byte, 8+size)
	binary.BigEndian.PutUint16(seg[0:], sport)
	binary.BigEndian.PutUint16(seg[2:], dport)
	binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
	for i := 8; i < len(seg); i++ {
		seg[i] = 0xff
	}
	for w := range 0x10000 {
		binary.BigEndian.PutUint16(seg[len(seg)-2:], uint16(w))
		s := onesSum(pseudoHeaderSum(src, dst, len(seg)), seg)
		if s>>16+s&0xffff > 0xffff {
			return seg[8:], true
		}
	}
	return nil, false
}

// The Internet checksum (RFC 1071): the 16-bit one's-complement of the
// one's-complement sum of the data as big-endian 16-bit words, an odd last
// byte padded with a zero byte after it.

// onesSum adds b to sum, word by word; carries are folded later.
func onesSum(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return sum
}

// fold adds the carries back in until the sum fits 16 bits.
func foldSum(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}

// pseudoHeaderSum is the sum of UDP's pseudo-header (RFC 768): source,
// destination, zero, protocol 17, UDP length.
func pseudoHeaderSum(src, dst [4]byte, udpLen int) uint32 {
	var ph [12]byte
	copy(ph[0:], src[:])
	copy(ph[4:], dst[:])
	ph[9] = 17
	binary.BigEndian.PutUint16(ph[10:], uint16(udpLen))
	return onesSum(0, ph[:])
}

// udpChecksum is the checksum seg should carry, computed with its checksum
// field taken as zero. A result of 0 is sent as 0xffff.
func udpChecksum(src, dst [4]byte, seg []byte) uint16 {
	s := onesSum(pseudoHeaderSum(src, dst, len(seg)), seg[:6])
	return ^foldSum(onesSum(s, seg[8:]))
}

// ipChecksum is the checksum an IPv4 header should carry, computed with its
// checksum field taken as zero.
func ipChecksum(h []byte) uint16 {
	return ^foldSum(onesSum(onesSum(0, h[:10]), h[12:]))
}

// ipv4Packet is a decoded IPv4 packet; raw holds all its bytes.
type ipv4Packet struct {
	raw        []byte
	ihl        int // header length in bytes
	tos        byte
	total, id  uint16
	flagsFrag  uint16
	ttl, proto byte
	csum       uint16
	src, dst   [4]byte
}

func parseIPv4(b []byte) (ipv4Packet, error) {
	var p ipv4Packet
	if len(b) < 20 {
		return p, fmt.Errorf("%d bytes, shorter than an IPv4 header (20 bytes)", len(b))
	}
	if b[0]>>4 != 4 {
		return p, fmt.Errorf("the version (the first 4 bits) is %d, not 4", b[0]>>4)
	}
	p.raw, p.ihl = b, int(b[0]&0x0f)*4
	if p.ihl < 20 || p.ihl > len(b) {
		return p, fmt.Errorf("the header length (IHL, the second 4 bits) is %d words, %d bytes: it must be at least 5 words, and within the packet", p.ihl/4, p.ihl)
	}
	p.tos = b[1]
	p.total = binary.BigEndian.Uint16(b[2:])
	p.id = binary.BigEndian.Uint16(b[4:])
	p.flagsFrag = binary.BigEndian.Uint16(b[6:])
	p.ttl, p.proto = b[8], b[9]
	p.csum = binary.BigEndian.Uint16(b[10:])
	copy(p.src[:], b[12:16])
	copy(p.dst[:], b[16:20])
	return p, nil
}

func (p ipv4Packet) payload() []byte { return p.raw[p.ihl:] }

func addrOf(a [4]byte) netip.Addr { return netip.AddrFrom4(a) }

// summary is one line about a UDP packet: addresses, ports, TTL and data.
func (p ipv4Packet) summary() string {
	seg := p.payload()
	if p.proto != 17 || len(seg) < 8 {
		return fmt.Sprintf("%s → %s, protocol %d, TTL %d, %d bytes", addrOf(p.src), addrOf(p.dst), p.proto, p.ttl, len(p.raw))
	}
	sport, dport := binary.BigEndian.Uint16(seg), binary.BigEndian.Uint16(seg[2:])
	data := seg[8:]
	if ulen := int(binary.BigEndian.Uint16(seg[4:])); ulen >= 8 && ulen < len(seg) {
		data = seg[8:ulen]
	}
	return fmt.Sprintf("%s:%d → %s:%d UDP, TTL %d, %s of data: %s", addrOf(p.src), sport, addrOf(p.dst), dport, p.ttl,
		plural(len(data), "byte"), brief(data))
}

// judgeUDP judges the UDP datagram in p field by field, as the kernel does
// on receipt. It returns one line per field, and why the kernel drops the
// datagram, or "" if it delivers it. With strict, a checksum of 0 ("none")
// is a problem too.
func judgeUDP(p ipv4Packet, strict bool) (lines []string, drop string) {
	seg := p.payload()
	if len(seg) < 8 {
		return []string{fmt.Sprintf("only %d bytes follow the IPv4 header: a UDP header alone is 8", len(seg))},
			"the kernel drops a datagram shorter than a UDP header"
	}
	ulen := int(binary.BigEndian.Uint16(seg[4:]))
	switch {
	case ulen > len(seg):
		lines = append(lines, fmt.Sprintf("UDP length %d: wrong, only %d bytes follow the IPv4 header%s", ulen, len(seg), lengthGuess(ulen, len(seg))))
		return lines, "the kernel drops a datagram whose UDP length is more than the bytes it has"
	case ulen < 8:
		lines = append(lines, fmt.Sprintf("UDP length %d: wrong, %d bytes follow the IPv4 header%s", ulen, len(seg), lengthGuess(ulen, len(seg))))
		return lines, "the kernel drops a datagram whose UDP length is less than its 8-byte header"
	case ulen < len(seg):
		lines = append(lines, fmt.Sprintf("UDP length %d: wrong, %d bytes follow the IPv4 header%s; the kernel cuts the datagram at %d bytes",
			ulen, len(seg), lengthGuess(ulen, len(seg)), ulen))
		if strict {
			drop = "the UDP length is wrong"
		}
	default:
		lines = append(lines, fmt.Sprintf("UDP length %d: right", ulen))
	}
	seg = seg[:ulen]
	got := binary.BigEndian.Uint16(seg[6:])
	want := udpChecksum(p.src, p.dst, seg)
	sent := want
	if sent == 0 {
		sent = 0xffff
	}
	switch {
	case got == 0 && want == 0:
		lines = append(lines, "UDP checksum 0x0000: wrong: 0 means \"no checksum\", and the receiver skips the check. "+
			"This datagram's checksum does come out as 0x0000, and RFC 768 sends that as 0xffff")
		if strict && drop == "" {
			drop = "a computed UDP checksum of 0 must be sent as 0xffff"
		}
	case got == 0:
		lines = append(lines, fmt.Sprintf("UDP checksum 0x0000: none (0 means \"no checksum\"); the right one is 0x%04x", sent))
		if strict && drop == "" {
			drop = "the UDP checksum is missing"
		}
	case foldSum(onesSum(pseudoHeaderSum(p.src, p.dst, len(seg)), seg)) != 0xffff:
		guess := udpChecksumGuess(got, p, seg)
		if full := p.payload(); guess == "" && len(full) > len(seg) {
			// Computed over every byte sent, where the receiver stops at
			// the UDP length.
			if c := ^foldSum(onesSum(onesSum(pseudoHeaderSum(p.src, p.dst, ulen), full[:6]), full[8:])); c == got || c == 0 && got == 0xffff {
				guess = fmt.Sprintf("; 0x%04x covers all %d bytes after the IPv4 header, but the receiver sums only the first %d, as the UDP length says", got, len(full), ulen)
			}
		}
		lines = append(lines, fmt.Sprintf("UDP checksum 0x%04x: wrong, it should be 0x%04x%s", got, sent, guess))
		if drop == "" {
			drop = "the kernel drops a datagram whose checksum is wrong, without telling anyone (it counts it in UdpInCsumErrors)"
		}
	default:
		lines = append(lines, fmt.Sprintf("UDP checksum 0x%04x: right", got))
	}
	return lines, drop
}

// lengthGuess names the mistake that makes a length field say got where
// the datagram has have bytes.
func lengthGuess(got, have int) string {
	switch {
	case int(bits.ReverseBytes16(uint16(got))) == have:
		return fmt.Sprintf(" (%d is %d with its two bytes swapped: little-endian; lengths go in big-endian)", got, have)
	case got%2 == 1 && have == got+1:
		return " (one byte more than the UDP length: the zero byte that pads an odd length is summed, never sent)"
	case got == have-8:
		return " (the payload alone: the UDP length counts the 8-byte UDP header too)"
	case got == 8 && have > 8:
		return " (the header alone: the UDP length counts the payload too)"
	case got == have+20:
		return " (that counts the IPv4 header: the UDP length is the UDP header and payload only)"
	}
	return ""
}

// udpChecksumGuess names the mistake that gives checksum got, if it is a
// common one.
func udpChecksumGuess(got uint16, p ipv4Packet, seg []byte) string {
	right := udpChecksum(p.src, p.dst, seg)
	body := onesSum(onesSum(0, seg[:6]), seg[8:])
	ph := pseudoHeaderSum(p.src, p.dst, len(seg))
	guesses := []struct {
		sum  uint16
		what string
	}{
		{^foldSum(body), "the checksum without the pseudo-header (source, destination, zero, 17, UDP length)"},
		{foldSum(ph + body), "the sum before its complement: the checksum is ^sum"},
		{bits.ReverseBytes16(right), "the right checksum with its two bytes swapped: write it big-endian"},
		{^foldSum(pseudoHeaderSum(p.src, p.dst, len(seg)+20) + body), "the checksum with the IPv4 total length in the pseudo-header, where the UDP length goes"},
	}
	if n := len(seg); n%2 == 1 {
		last := uint32(seg[n-1])
		guesses = append(guesses,
			struct {
				sum  uint16
				what string
			}{^foldSum(ph + body - last<<8 + last), "the checksum with the odd last byte added as a low byte: it is the high byte of a word whose low byte is 0"},
			struct {
				sum  uint16
				what string
			}{^foldSum(ph + body - last<<8), "the checksum without the odd last byte: pad it with a zero byte, in the sum only"})
	}
	for _, g := range guesses {
		if g.sum == got {
			return fmt.Sprintf("; 0x%04x is %s", got, g.what)
		}
	}
	return ""
}

// judgePrinted judges the IPv4 header of a packet as the program built it
// (before the kernel filled anything in), then its UDP datagram. It returns
// a line per field and the first problem, or "".
func judgePrinted(p ipv4Packet) (lines []string, problem string) {
	add := func(bad bool, line, why string) {
		lines = append(lines, line)
		if bad && problem == "" {
			problem = why
		}
	}
	add(p.ihl != 20, fmt.Sprintf("version 4, header length %d words (%d bytes)%s", p.ihl/4, p.ihl, verdict(p.ihl == 20, "a 20-byte header, no options: IHL 5")),
		"the IPv4 header is not 20 bytes long (IHL 5)")
	total := len(p.raw)
	add(int(p.total) != total, fmt.Sprintf("total length %d%s", p.total, verdictf(int(p.total) == total, "the packet has %d bytes%s", total, ipLengthGuess(int(p.total), total))),
		"the IPv4 total length is wrong (Linux rewrote it on the wire, so the packet was delivered anyway)")
	add(p.flagsFrag&0x3fff != 0, fmt.Sprintf("flags and fragment offset 0x%04x%s", p.flagsFrag, verdict(p.flagsFrag&0x3fff == 0, "no more fragments, offset 0: this is a whole datagram (DF is allowed)")),
		"the packet is marked as a fragment (MF set or an offset)")
	lines = append(lines, fmt.Sprintf("TTL %d, protocol %d%s", p.ttl, p.proto, verdict(p.proto == 17, "17 is UDP")))
	if p.proto != 17 && problem == "" {
		problem = "the protocol field is not 17 (UDP)"
	}
	want := ipChecksum(p.raw[:p.ihl])
	add(p.csum != want, fmt.Sprintf("header checksum 0x%04x%s", p.csum, verdictf(p.csum == want, "it should be 0x%04x%s", want, ipChecksumGuess(p))),
		"the IPv4 header checksum is wrong (Linux always rewrites it with IP_HDRINCL, so the packet was delivered anyway)")
	lines = append(lines, fmt.Sprintf("from %s to %s", addrOf(p.src), addrOf(p.dst)))
	if p.proto != 17 {
		return lines, problem
	}
	udp, drop := judgeUDP(p, true)
	lines = append(lines, udp...)
	if drop != "" && problem == "" {
		problem = drop
	}
	return lines, problem
}

func verdict(ok bool, why string) string {
	if ok {
		return ": right"
	}
	return ": wrong, " + why
}

func verdictf(ok bool, format string, args ...any) string {
	return verdict(ok, fmt.Sprintf(format, args...))
}

func ipLengthGuess(got, have int) string {
	switch {
	case int(bits.ReverseBytes16(uint16(got))) == have:
		return fmt.Sprintf(" (%d is %d with its two bytes swapped: little-endian; lengths go in big-endian)", got, have)
	case got == have-20:
		return " (the UDP datagram's length: the total length counts the IPv4 header too)"
	case got == 20:
		return " (the header alone: the total length counts everything after it too)"
	}
	return ""
}

func ipChecksumGuess(p ipv4Packet) string {
	h := append([]byte(nil), p.raw[:p.ihl]...)
	right := ipChecksum(h)
	noLen := append([]byte(nil), h...)
	noLen[2], noLen[3] = 0, 0
	guesses := []struct {
		sum  uint16
		what string
	}{
		{bits.ReverseBytes16(right), "the right checksum with its two bytes swapped: write it big-endian"},
		{^right, "the sum before its complement: the checksum is ^sum"},
		{ipChecksum(noLen), "the checksum of the header before its total length was filled in: compute it last"},
		{^foldSum(onesSum(onesSum(0, p.raw[:10]), p.raw[12:])), "the checksum over the whole packet: the IPv4 checksum covers the header only"},
	}
	for _, g := range guesses {
		if g.sum == p.csum {
			return fmt.Sprintf("; 0x%04x is %s", p.csum, g.what)
		}
	}
	return ""
}

// wireDiff compares the packet printed with the one seen on the wire (same
// UDP bytes), apart from what the kernel fills in: the checksum and total
// length always, the ID and source address when they are 0.
func wireDiff(printed, wire ipv4Packet) string {
	switch {
	case printed.tos != wire.tos:
		return fmt.Sprintf("it says TOS %d, the wire %d", printed.tos, wire.tos)
	case printed.flagsFrag != wire.flagsFrag:
		return fmt.Sprintf("it says flags 0x%04x, the wire 0x%04x", printed.flagsFrag, wire.flagsFrag)
	case printed.ttl != wire.ttl:
		return fmt.Sprintf("it says TTL %d, the wire %d", printed.ttl, wire.ttl)
	case printed.proto != wire.proto:
		return fmt.Sprintf("it says protocol %d, the wire %d", printed.proto, wire.proto)
	case printed.id != 0 && printed.id != wire.id:
		return fmt.Sprintf("it says ID %d, the wire %d", printed.id, wire.id)
	case printed.src != [4]byte{} && printed.src != wire.src:
		return fmt.Sprintf("it says source %s, the wire %s", addrOf(printed.src), addrOf(wire.src))
	case printed.dst != wire.dst:
		return fmt.Sprintf("it says destination %s, the wire %s", addrOf(printed.dst), addrOf(wire.dst))
	}
	return ""
}

// udpWire is what a capture on the loopback interface saw of one listener's
// traffic: packets to or from its port, or from or to its port with the two
// bytes swapped (the classic byte-order mistake), ICMP errors about them,
// and the last few other UDP packets.
type udpWire struct {
	port uint16
	stop func()

	mu     sync.Mutex
	ours   []wirePacket
	others []wirePacket
	last   time.Time // when the last of ours was seen
}

type wirePacket struct {
	at   time.Time
	data []byte
}

const (
	wireKeep   = 32 // packets of ours kept, the latest
	othersKeep = 16 // other UDP packets kept, the latest
)

func (w *udpWire) mine(port uint16) bool {
	return port == w.port || port == bits.ReverseBytes16(w.port)
}

// add records one IPv4 packet seen on the wire.
func (w *udpWire) add(at time.Time, b []byte) {
	p, err := parseIPv4(b)
	if err != nil {
		return
	}
	seg := p.payload()
	ours := false
	switch {
	case p.proto == 17 && len(seg) >= 4:
		ours = w.mine(binary.BigEndian.Uint16(seg)) || w.mine(binary.BigEndian.Uint16(seg[2:]))
	case p.proto == 1 && len(seg) >= 8 && (seg[0] == 3 || seg[0] == 11 || seg[0] == 12):
		// An ICMP error quotes the IPv4 header and 8 bytes of the packet it
		// is about.
		if q, err := parseIPv4(seg[8:]); err == nil && q.proto == 17 && len(q.payload()) >= 4 {
			qs := q.payload()
			ours = w.mine(binary.BigEndian.Uint16(qs)) || w.mine(binary.BigEndian.Uint16(qs[2:]))
		}
	}
	if !ours && p.proto != 17 {
		return
	}
	sp := wirePacket{at: at, data: append([]byte(nil), b...)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ours {
		w.ours = append(w.ours, sp)
		if len(w.ours) > wireKeep {
			w.ours = w.ours[1:]
		}
		w.last = at
		return
	}
	w.others = append(w.others, sp)
	if len(w.others) > othersKeep {
		w.others = w.others[1:]
	}
}

func (w *udpWire) lastSeen() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, !w.last.IsZero()
}

// await waits up to d for a packet of ours carrying exactly seg after its
// IPv4 header, and returns the latest one.
func (w *udpWire) await(seg []byte, d time.Duration) *ipv4Packet {
	end := time.Now().Add(d)
	for {
		w.mu.Lock()
		for i := len(w.ours) - 1; i >= 0; i-- {
			if p, err := parseIPv4(w.ours[i].data); err == nil && bytes.Equal(p.payload(), seg) {
				w.mu.Unlock()
				return &p
			}
		}
		w.mu.Unlock()
		if time.Now().After(end) {
			return nil
		}
		time.Sleep(10 * time.Millisecond) // the capture runs behind the kernel by a moment
	}
}

// report describes what the wire saw for this port, for a learner: each
// packet, each field judged, and whether the kernel delivered it.
func (w *udpWire) report(want []byte) string {
	w.mu.Lock()
	ours := append([]wirePacket(nil), w.ours...)
	others := append([]wirePacket(nil), w.others...)
	w.mu.Unlock()
	var b strings.Builder
	if len(ours) == 0 {
		fmt.Fprintf(&b, "on the wire (the loopback interface): no packet to or from port %d", w.port)
		shown := false
		for _, sp := range others {
			if len(want) > 0 && bytes.Contains(sp.data, want) {
				if !shown {
					b.WriteString("; but these UDP packets carried the payload:\n")
					shown = true
				}
				writePacket(&b, sp.data, w.port)
			}
		}
		if !shown {
			b.WriteString(" (did the program send one, to the address given in -dst?)\n")
		}
		return b.String()
	}
	const show = 4
	fmt.Fprintf(&b, "on the wire (the loopback interface), %s for port %d", plural(len(ours), "packet"), w.port)
	if len(ours) > show {
		fmt.Fprintf(&b, ", the last %d", show)
		ours = ours[len(ours)-show:]
	}
	b.WriteString(":\n")
	for _, sp := range ours {
		writePacket(&b, sp.data, w.port)
	}
	return b.String()
}

// writePacket describes one packet seen on the wire.
func writePacket(b *strings.Builder, data []byte, port uint16) {
	p, err := parseIPv4(data)
	if err != nil {
		fmt.Fprintf(b, "- %d bytes that are not an IPv4 packet: %v\n", len(data), err)
		return
	}
	if p.proto == 1 {
		writeICMP(b, p, port)
		return
	}
	fmt.Fprintf(b, "- %s\n", p.summary())
	fmt.Fprintf(b, "    IPv4 header: %d bytes, total length %d, checksum 0x%04x (with IP_HDRINCL, Linux fills in these two)\n", p.ihl, p.total, p.csum)
	if p.ihl != 20 {
		fmt.Fprintf(b, "    the header length field says %d bytes: the UDP header is read from byte %d on\n", p.ihl, p.ihl)
	}
	lines, drop := judgeUDP(p, false)
	for _, l := range lines {
		fmt.Fprintf(b, "    %s\n", l)
	}
	seg := p.payload()
	switch {
	case drop != "":
		fmt.Fprintf(b, "    → dropped: %s\n", drop)
	case len(seg) >= 4 && binary.BigEndian.Uint16(seg[2:]) != port:
		fmt.Fprintf(b, "    → sent to port %d, not %d%s\n", binary.BigEndian.Uint16(seg[2:]), port, portGuess(binary.BigEndian.Uint16(seg[2:]), port))
	default:
		b.WriteString("    → the kernel delivers this one\n")
	}
}

func writeICMP(b *strings.Builder, p ipv4Packet, port uint16) {
	seg := p.payload()
	if len(seg) < 8 {
		fmt.Fprintf(b, "- ICMP from %s, %s\n", addrOf(p.src), plural(len(seg), "byte"))
		return
	}
	kind := map[byte]string{3: "destination unreachable", 11: "time exceeded", 12: "parameter problem"}[seg[0]]
	fmt.Fprintf(b, "- ICMP %s (type %d, code %d) from %s", kind, seg[0], seg[1], addrOf(p.src))
	q, err := parseIPv4(seg[8:])
	if err != nil || len(q.payload()) < 4 {
		b.WriteString("\n")
		return
	}
	qs := q.payload()
	sport, dport := binary.BigEndian.Uint16(qs), binary.BigEndian.Uint16(qs[2:])
	fmt.Fprintf(b, ", about %s:%d → %s:%d\n", addrOf(q.src), sport, addrOf(q.dst), dport)
	switch {
	case seg[0] == 3 && seg[1] == 3:
		fmt.Fprintf(b, "    → no socket listens on port %d%s\n", dport, portGuess(dport, port))
	case seg[0] == 12:
		fmt.Fprintf(b, "    → the kernel found a header field it cannot accept at byte %d of that packet\n", seg[4])
	}
}

func portGuess(got, want uint16) string {
	if bits.ReverseBytes16(got) == want {
		return fmt.Sprintf(": %d is 0x%04x, port %d (0x%04x) with its two bytes swapped; ports go in big-endian", got, got, want, want)
	}
	return ""
}

// brief renders data in a few words: short text quoted, long text cut,
// anything else as its first bytes in hex.
func brief(b []byte) string {
	const most = 48
	switch {
	case len(b) == 0:
		return "nothing"
	case printable(b) && len(b) <= most:
		return strconv.Quote(string(b))
	case printable(b):
		return strconv.Quote(string(b[:most])) + "…"
	case len(b) <= 16:
		return fmt.Sprintf("% x", b)
	}
	return fmt.Sprintf("% x …", b[:16])
}

func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
