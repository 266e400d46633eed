package scriptcmd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Lesson 13's wire format (its README, "The wire format"): every datagram is
// a CRC-32 (IEEE) of every byte after it, a type byte, a big-endian 32-bit
// number, then a body: 1 to 1024 bytes of the file for DATA, nothing for
// FIN, an 8-byte big-endian SACK bitmap for ACK.
const (
	rudpHeader = 9
	rudpPiece  = 1024
	rudpWindow = 64
	rudpData   = 'D'
	rudpFin    = 'F'
	rudpAck    = 'A'
)

// rudpPacket is one datagram of lesson 13, decoded.
type rudpPacket struct {
	typ  byte
	num  uint32
	body []byte // DATA: the piece of the file
	sack uint64 // ACK: bit i says packet num+1+i arrived
}

// rudpMarshal encodes a packet, CRC included.
func rudpMarshal(typ byte, num uint32, body []byte) []byte {
	b := append([]byte{0, 0, 0, 0, typ}, binary.BigEndian.AppendUint32(nil, num)...)
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, crc32.ChecksumIEEE(b[4:]))
	return b
}

func rudpAckBytes(num uint32, sack uint64) []byte {
	return rudpMarshal(rudpAck, num, binary.BigEndian.AppendUint64(nil, sack))
}

// rudpParse decodes b, or says in a learner's terms why it breaks the
// format.
func rudpParse(b []byte) (rudpPacket, error) {
	if len(b) < rudpHeader {
		return rudpPacket{}, fmt.Errorf("%d bytes, shorter than the 9-byte header", len(b))
	}
	if got, want := binary.BigEndian.Uint32(b), crc32.ChecksumIEEE(b[4:]); got != want {
		return rudpPacket{}, fmt.Errorf("its first 4 bytes are %08x, but the CRC-32 of the bytes after them is %08x (big-endian, crc32.ChecksumIEEE(b[4:]))", got, want)
	}
	p := rudpPacket{typ: b[4], num: binary.BigEndian.Uint32(b[5:rudpHeader])}
	body := b[rudpHeader:]
	switch p.typ {
	case rudpData:
		if len(body) < 1 || len(body) > rudpPiece {
			return p, fmt.Errorf("DATA %d carries %d bytes: a DATA packet carries 1 to 1024", p.num, len(body))
		}
		p.body = body
	case rudpFin:
		if len(body) != 0 {
			return p, fmt.Errorf("FIN %d carries %d bytes after the header: a FIN carries none", p.num, len(body))
		}
	case rudpAck:
		if len(body) != 8 {
			return p, fmt.Errorf("ACK %d carries %d bytes after the header: an ACK carries an 8-byte bitmap", p.num, len(body))
		}
		p.sack = binary.BigEndian.Uint64(body)
	default:
		return p, fmt.Errorf("type byte %#02x is none of D (0x44), F (0x46), A (0x41)", p.typ)
	}
	return p, nil
}

// String names the packet as the README does: "DATA 3 (1024 bytes)",
// "ACK 4, bitmap 0x5 (packets 6 and 8 too)".
func (p rudpPacket) String() string {
	switch p.typ {
	case rudpData:
		return fmt.Sprintf("DATA %d (%d bytes)", p.num, len(p.body))
	case rudpFin:
		return fmt.Sprintf("FIN %d", p.num)
	}
	if p.sack == 0 {
		return fmt.Sprintf("ACK %d, bitmap 0", p.num)
	}
	var held []string
	for s := p.sack; s != 0; s &= s - 1 {
		held = append(held, strconv.FormatUint(uint64(p.num)+1+uint64(bits.TrailingZeros64(s)), 10))
	}
	return fmt.Sprintf("ACK %d, bitmap %#x (packets %s too)", p.num, p.sack, strings.Join(held, ", "))
}

// rudpShow describes a datagram: decoded when it follows the format, with
// what is wrong when it does not, and its bytes.
func rudpShow(b []byte) string {
	p, err := rudpParse(b)
	if err != nil {
		return fmt.Sprintf("a datagram that breaks the format: %v\n%s", err, Show(b))
	}
	return p.String() + "\n" + Show(b)
}

// byteOrderNote explains a number that is a small one with its bytes
// reversed: written little-endian.
func byteOrderNote(num uint32) string {
	if r := bits.ReverseBytes32(num); r < num && r < 1<<16 {
		return fmt.Sprintf(" (its bytes %08x read the other way round are %d: numbers are big-endian)", num, r)
	}
	return ""
}

func cmdRUDPSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "rudpsend")
	const use = "rudpsend [-badcrc] [-file] NAME D NUM TEXT|FILE | rudpsend [-badcrc] NAME F|A NUM"
	corrupt, file := false, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-badcrc":
			corrupt = true
		case "-file":
			file = true
		default:
			usage(ts, false, use)
		}
		args = args[1:]
	}
	usage(ts, (len(args) == 4 && args[1] == "D") || (len(args) == 3 && (args[1] == "F" || args[1] == "A") && !file), use)
	st := state(ts)
	num, err := strconv.ParseUint(args[2], 10, 32)
	ts.Check(err)
	var body []byte
	switch {
	case args[1] == "D" && file:
		// Piece NUM of the file, as a sender cuts it.
		data, err := os.ReadFile(ts.MkAbs(args[3]))
		ts.Check(err)
		off := min(int(num)*rudpPiece, len(data))
		body = data[off:min(off+rudpPiece, len(data))]
	case args[1] == "D":
		body, err = unescape(args[3])
		ts.Check(err)
	case args[1] == "A":
		body = make([]byte, 8) // an empty SACK bitmap
	}
	b := rudpMarshal(args[1][0], uint32(num), body)
	if corrupt {
		b[0] ^= 0xff
	}
	udpSend(ts, st, st.udpPeer(ts, args[0]), b)
}

func cmdRUDPExpect(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "rudpexpect")
	usage(ts, len(args) == 2 || len(args) == 3, "rudpexpect NAME NUM [BITMAP]")
	st := state(ts)
	num, err := strconv.ParseUint(args[1], 10, 32)
	ts.Check(err)
	var sack uint64
	if len(args) == 3 {
		sack, err = strconv.ParseUint(args[2], 0, 64)
		ts.Check(err)
	}
	p := st.udpPeer(ts, args[0])
	want := rudpAckBytes(uint32(num), sack)
	got, from, err := udpReceive(st, p, idleTimeout)
	if f := judgeDatagram(p, want, got, from, err); f != nil {
		if err == nil {
			f.Got = rudpShow(got)
		}
		f.Want = "one datagram from " + p.target.String() + ": " + rudpShow(want)
		st.fail(ts, *f)
	}
}

// refPeer is the checker's own end of a lesson 13 transfer, which follows
// the README to the byte and notes every way the learner's end does not.
type refPeer struct {
	role string // "reference receiver", "reference sender"

	mu       sync.Mutex
	problems []string
	log      []string // the last datagrams it sent and received
}

// problem notes a break of the wire format (the first ten are kept).
func (r *refPeer) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problemLocked(format, args...)
}

// problemLocked is problem, with r.mu held.
func (r *refPeer) problemLocked(format string, args ...any) {
	if len(r.problems) < 10 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

// saw logs one datagram, keeping the last 12.
func (r *refPeer) saw(dir string, b []byte) {
	p, err := rudpParse(b)
	what := p.String()
	if err != nil {
		what = fmt.Sprintf("%d bytes, not valid (%v): % x", len(b), err, b[:min(len(b), 17)])
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, dir+" "+what)
	if len(r.log) > 12 {
		r.log = r.log[1:]
	}
}

func (r *refPeer) note() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	if len(r.problems) > 0 {
		fmt.Fprintf(&b, "what the %s found wrong in your program's datagrams:\n", r.role)
		for _, p := range r.problems {
			b.WriteString("  - " + p + "\n")
		}
	}
	if len(r.log) > 0 {
		fmt.Fprintf(&b, "the %s's last datagrams (→ it sent, ← it received):\n", r.role)
		for _, l := range r.log {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// refs are the script's reference peers.
type refs struct {
	mu        sync.Mutex
	peers     []*refPeer
	receivers map[string]*refReceiver // by address
}

type refKey struct{}

func (s *State) refs() *refs {
	return s.Keep(refKey{}, func() any { return &refs{receivers: map[string]*refReceiver{}} }).(*refs)
}

func (s *State) addRefPeer(r *refPeer) {
	rs := s.refs()
	rs.mu.Lock()
	rs.peers = append(rs.peers, r)
	rs.mu.Unlock()
}

// refNote renders what the script's reference peers saw, for a failure.
func (s *State) refNote() string {
	rs := s.refs()
	rs.mu.Lock()
	list := append([]*refPeer(nil), rs.peers...)
	rs.mu.Unlock()
	var b strings.Builder
	for _, r := range list {
		b.WriteString(r.note())
	}
	return b.String()
}

// refReceiver receives one file as lesson 13's README says a receiver
// does, and checks what the sender sends.
type refReceiver struct {
	refPeer
	conn *net.UDPConn
	out  string

	// Guarded by refPeer.mu.
	peer    netip.AddrPort
	next    uint32
	held    map[uint32][]byte
	seen    map[uint32]uint32 // DATA number → CRC of its payload, to compare copies
	lens    map[uint32]int
	fin     int64 // the FIN's number, -1 before one came
	file    []byte
	lose    map[uint32]bool // packets whose first copy is lost on purpose
	finLost bool            // every FIN is lost on purpose
	badCRC  bool            // every ACK leaves with a CRC that does not match
	done    bool
	doneErr error
}

func cmdRefReceiver(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "refreceiver")
	const use = "refreceiver [-lose=N,...] [-finlost] [-badcrc] FILE"
	lose, finLost, badCRC := map[uint32]bool{}, false, false
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		if v, ok := strings.CutPrefix(args[0], "-lose="); ok {
			for _, f := range strings.Split(v, ",") {
				n, err := strconv.ParseUint(f, 10, 32)
				usage(ts, err == nil, use)
				lose[uint32(n)] = true
			}
		} else if args[0] == "-badcrc" {
			badCRC = true
		} else {
			usage(ts, args[0] == "-finlost", use)
			finLost = true
		}
		args = args[1:]
	}
	usage(ts, len(args) == 1, use)
	st := state(ts)
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	ts.Check(err)
	r := &refReceiver{refPeer: refPeer{role: "reference receiver"}, conn: c, out: ts.MkAbs(args[0]),
		held: map[uint32][]byte{}, seen: map[uint32]uint32{}, lens: map[uint32]int{}, fin: -1,
		lose: lose, finLost: finLost, badCRC: badCRC}
	st.addRefPeer(&r.refPeer)
	rs := st.refs()
	rs.mu.Lock()
	rs.receivers[c.LocalAddr().String()] = r
	rs.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.run()
	}()
	ts.Defer(func() {
		c.Close()
		<-done
	})
	ts.Setenv("REFRECEIVER", c.LocalAddr().String())
}

func (r *refReceiver) run() {
	buf := make([]byte, maxDatagram+1)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		r.saw("←", b)
		p, perr := rudpParse(b)
		r.mu.Lock()
		if r.peer.IsValid() && from != r.peer {
			r.mu.Unlock()
			continue
		}
		if perr == nil && p.typ == rudpAck {
			perr = errors.New("an ACK, which only a receiver sends")
		}
		if perr != nil {
			r.problemLocked("the sender sent a datagram the receiver must drop: %v", perr)
			r.mu.Unlock()
			continue
		}
		r.peer = from
		if r.lose[p.num] || (r.finLost && p.typ == rudpFin) {
			// Lost on purpose, as a network would lose it: no ACK.
			delete(r.lose, p.num)
			r.mu.Unlock()
			continue
		}
		r.accept(p)
		ack := rudpAckBytes(r.next, r.sackBits())
		if r.badCRC {
			// Damaged on the way, as a network would damage it.
			ack[0] ^= 0xff
		}
		r.mu.Unlock()
		r.saw("→", ack)
		r.conn.WriteToUDPAddrPort(ack, from)
	}
}

// accept files p, with r.mu held, noting what a correct sender never does.
func (r *refReceiver) accept(p rudpPacket) {
	problem := r.problemLocked
	if p.num >= r.next+rudpWindow {
		problem("%s is beyond the window: the receiver still needs packet %d, so at most packets %d to %d may be in flight%s",
			p, r.next, r.next, r.next+rudpWindow-1, byteOrderNote(p.num))
		return
	}
	switch p.typ {
	case rudpData:
		if r.fin >= 0 && int64(p.num) >= r.fin {
			problem("%s comes at or after FIN %d: the FIN is numbered one past the last DATA packet", p, r.fin)
			return
		}
		sum := crc32.ChecksumIEEE(p.body)
		if old, ok := r.seen[p.num]; ok && old != sum {
			problem("two copies of DATA %d carry different bytes: a retransmission must resend the same piece of the file", p.num)
			return
		}
		r.seen[p.num], r.lens[p.num] = sum, len(p.body)
	case rudpFin:
		if r.fin >= 0 && int64(p.num) != r.fin {
			problem("FIN %d after FIN %d: one transfer has one FIN", p.num, r.fin)
			return
		}
		for num := range r.seen {
			if num >= p.num {
				problem("FIN %d comes before DATA %d, which it should follow", p.num, num)
				return
			}
		}
		r.fin = int64(p.num)
	}
	if r.done || p.num < r.next {
		return
	}
	if _, ok := r.held[p.num]; !ok {
		r.held[p.num] = append([]byte(nil), p.body...)
	}
	for {
		body, ok := r.held[r.next]
		if !ok {
			return
		}
		delete(r.held, r.next)
		if int64(r.next) == r.fin {
			r.next++
			r.finish()
			return
		}
		r.file = append(r.file, body...)
		r.next++
	}
}

// finish checks the pieces' sizes and writes the file, with r.mu held.
func (r *refReceiver) finish() {
	r.done = true
	clear(r.held)
	for num := range uint32(r.fin) {
		if l := r.lens[num]; num+1 < uint32(r.fin) && l != rudpPiece {
			r.problemLocked("DATA %d carries %d bytes: every piece but the last carries 1024", num, l)
			break
		}
	}
	r.doneErr = os.WriteFile(r.out, r.file, 0o644)
}

func (r *refReceiver) sackBits() uint64 {
	var sack uint64
	for num := range r.held {
		if i := num - r.next - 1; i < 64 {
			sack |= 1 << i
		}
	}
	return sack
}

func cmdRefReceived(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "refreceived")
	usage(ts, len(args) == 0, "refreceived")
	st := state(ts)
	rs := st.refs()
	rs.mu.Lock()
	r := rs.receivers[ts.Getenv("REFRECEIVER")]
	rs.mu.Unlock()
	if r == nil {
		ts.Fatalf("refreceived: no refreceiver was started")
	}
	r.mu.Lock()
	done, next, doneErr, problems := r.done, r.next, r.doneErr, len(r.problems)
	r.mu.Unlock()
	ts.Check(doneErr)
	switch {
	case !done:
		st.fail(ts, Failure{What: fmt.Sprintf("the sender exited 0, but the reference receiver never got the FIN with every packet before it (it still needs packet %d)", next),
			Want: "exit 0 only once an ACK covers the FIN"})
	case problems > 0:
		st.fail(ts, Failure{What: "the file arrived, but the sender broke the wire format on the way",
			Want: "every datagram as \"The wire format\" says: big-endian numbers, 1024-byte pieces, the FIN one past the last DATA packet, at most 64 packets from the oldest one not acknowledged"})
	}
}

// refSend sends file to addr as lesson 13's README says a sender does:
// window 64, a fixed 50ms timer per packet, the FIN last. It notes every
// ACK that breaks the format, and gives up after giveup without a valid
// one, or after limit.
func refSend(r *refPeer, conn *net.UDPConn, to netip.AddrPort, data []byte, giveup, limit time.Duration) error {
	const rto = 50 * time.Millisecond
	total := uint32((len(data)+rudpPiece-1)/rudpPiece) + 1
	acked := make([]bool, total)
	sentAt := make([]time.Time, total)
	var base, next uint32
	start, heard := time.Now(), time.Now()
	packet := func(i uint32) []byte {
		if i == total-1 {
			return rudpMarshal(rudpFin, i, nil)
		}
		off := int(i) * rudpPiece
		return rudpMarshal(rudpData, i, data[off:min(off+rudpPiece, len(data))])
	}
	send := func(i uint32) error {
		sentAt[i] = time.Now()
		b := packet(i)
		r.saw("→", b)
		_, err := conn.WriteToUDPAddrPort(b, to)
		return err
	}
	buf := make([]byte, maxDatagram+1)
	for base < total {
		for next < total && next < base+rudpWindow {
			if err := send(next); err != nil {
				return err
			}
			next++
		}
		now := time.Now()
		if now.Sub(heard) > giveup {
			return fmt.Errorf("no valid ACK came back for %s (%d of %d packets acknowledged)", giveup, base, total)
		}
		if now.Sub(start) > limit {
			return fmt.Errorf("the transfer took longer than %s (%d of %d packets acknowledged)", limit, base, total)
		}
		deadline := heard.Add(giveup)
		for i := base; i < next; i++ {
			if t := sentAt[i].Add(rto); !acked[i] && t.Before(deadline) {
				deadline = t
			}
		}
		conn.SetReadDeadline(deadline)
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			for i := base; i < next; i++ {
				if !acked[i] && time.Since(sentAt[i]) >= rto {
					if err := send(i); err != nil {
						return err
					}
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		if from != to {
			continue
		}
		b := buf[:n]
		r.saw("←", b)
		p, err := rudpParse(b)
		if err == nil && p.typ != rudpAck {
			err = fmt.Errorf("a %s, but a receiver sends only ACKs", p)
		}
		if err != nil {
			r.problem("the receiver sent a datagram the sender must drop: %v", err)
			continue
		}
		if p.num > next {
			r.problem("%s: the sender has sent only packets 0 to %d so far%s", p, next-1, byteOrderNote(p.num))
			continue
		}
		for i := range uint32(64) {
			if p.sack&(1<<i) != 0 && p.num+1+i >= next {
				r.problem("%s: bit %d stands for packet %d, which was never sent (bit i is packet N+1+i, bit 0 the least significant; the bitmap is big-endian)", p, i, p.num+1+i)
				p.sack = 0
				break
			}
		}
		heard = time.Now()
		for i := base; i < p.num; i++ {
			acked[i] = true
		}
		for i := range uint32(64) {
			if p.sack&(1<<i) != 0 {
				acked[p.num+1+i] = true
			}
		}
		for base < total && acked[base] {
			base++
		}
	}
	return nil
}

func cmdRefSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "refsend")
	usage(ts, len(args) == 1 || len(args) == 2, "refsend FILE [ADDR]")
	st := state(ts)
	to := addrArg(ts, "refsend", args, 1)
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopbackOf(to.Addr()), 0)))
	ts.Check(err)
	defer c.Close()
	r := &refPeer{role: "reference sender"}
	st.addRefPeer(r)
	limit := time.Until(st.deadline(15 * time.Second))
	if err := refSend(r, c, to, data, 3*time.Second, limit); err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("the reference sender could not send %s (%d bytes) to your receiver: %v", args[0], len(data), err),
			Want: "an ACK for every DATA and FIN packet, as \"The wire format\" says"})
	}
	r.mu.Lock()
	problems := len(r.problems)
	r.mu.Unlock()
	if problems > 0 {
		st.fail(ts, Failure{What: "the transfer finished, but the receiver broke the wire format on the way",
			Want: "every ACK as \"The wire format\" says: big-endian number and bitmap, bit i for packet N+1+i"})
	}
}
