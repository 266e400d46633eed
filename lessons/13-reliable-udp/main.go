// Command reliable-udp is lesson 13: a file transfer over UDP that survives
// loss, duplication, reordering and corruption. One program, two modes: a
// receiver that writes one file and exits, and a sender. Read README.md
// first; it gives the wire format and states exactly what the checker
// expects.
//
// Try it:     go run ./lessons/13-reliable-udp receive -addr 127.0.0.1:9000 -out /tmp/got.bin
// and then:   go run ./lessons/13-reliable-udp send -addr 127.0.0.1:9000 -in go.sum
// Check it:   go run ./checker lesson13
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The wire format (README, "The wire format"). Every datagram is
//
//	CRC-32 (4 bytes) | type (1 byte) | number (4 bytes) | body
//
// all integers big-endian, the checksum covering every byte after itself.
const (
	headerLen  = 9
	maxPayload = 1024 // bytes of file per DATA packet
	window     = 64   // packets in flight beyond the cumulative ACK; also what the receiver holds

	typeData = 'D' // number: the packet's; body: 1 to maxPayload bytes of the file
	typeFin  = 'F' // number: the packet's, one past the last DATA packet; no body
	typeAck  = 'A' // number: the next packet the receiver needs; body: 8-byte SACK bitmap
)

// Timers (README, "Timeouts and retransmission").
const (
	initialRTO = 100 * time.Millisecond // before the first round-trip sample
	minRTO     = 20 * time.Millisecond
	maxRTO     = 100 * time.Millisecond // also the cap of the exponential backoff
	linger     = 2 * time.Second        // receiver: silence after the last packet before exiting
	dupThresh  = 3                      // duplicate ACKs that trigger a fast retransmit
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: reliable-udp receive -addr HOST:PORT -out FILE | send -addr HOST:PORT -in FILE"))
	}
	var err error
	switch mode, args := os.Args[1], os.Args[2:]; mode {
	case "receive":
		err = runReceive(args)
	case "send":
		err = runSend(args)
	default:
		err = fmt.Errorf("unknown mode %q: want receive or send", mode)
	}
	if err != nil {
		fail(err)
	}
}

// fail prints one line on stderr and exits 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "reliable-udp: %v\n", err)
	os.Exit(1)
}

// packet is one datagram, decoded.
type packet struct {
	typ     byte
	num     uint32 // DATA, FIN: the packet's number; ACK: every packet below it arrived
	payload []byte // DATA only
	sack    uint64 // ACK only: bit i set means packet num+1+i arrived
}

// marshal appends the datagram for p to b[:0] and returns it.
func (p packet) marshal(b []byte) []byte {
	b = append(b[:0], 0, 0, 0, 0, p.typ)
	b = binary.BigEndian.AppendUint32(b, p.num)
	switch p.typ {
	case typeData:
		b = append(b, p.payload...)
	case typeAck:
		b = binary.BigEndian.AppendUint64(b, p.sack)
	}
	// TODO: put the CRC-32 (hash/crc32.ChecksumIEEE) of b[4:] in b[0:4],
	// big-endian. UDP's own checksum does not protect you from a relay
	// that changes a byte (README, "Checksums").
	return b
}

var errBadPacket = errors.New("malformed packet")

// parse decodes a datagram. The payload it returns points into b.
func parse(b []byte) (packet, error) {
	if len(b) < headerLen {
		return packet{}, errBadPacket
	}
	// TODO: return an error when the CRC-32 of b[4:] is not the one in
	// b[0:4]: the datagram was damaged on the way.
	p := packet{typ: b[4], num: binary.BigEndian.Uint32(b[5:headerLen])}
	body := b[headerLen:]
	switch {
	case p.typ == typeData && len(body) >= 1 && len(body) <= maxPayload:
		p.payload = body
	case p.typ == typeFin && len(body) == 0:
	case p.typ == typeAck && len(body) == 8:
		p.sack = binary.BigEndian.Uint64(body)
	default:
		return packet{}, errBadPacket
	}
	return p, nil
}

// ---- receive ----

func runReceive(args []string) error {
	fs := flag.NewFlagSet("receive", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "address to bind to (host:port)")
	out := fs.String("out", "", "file to write what arrives to (required)")
	giveup := fs.Duration("giveup", 5*time.Second, "stop with an error when the sender falls silent this long mid-transfer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("receive: -out FILE is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()

	pc, err := net.ListenPacket("udp", *addr)
	if err != nil {
		return err
	}
	conn := pc.(*net.UDPConn)
	// SIGINT or SIGTERM close the socket, which wakes ReadFrom.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		conn.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", conn.LocalAddr())

	r := &receiver{conn: conn, file: f, w: bufio.NewWriterSize(f, 64<<10), held: map[uint32]packet{}, giveup: *giveup}
	err = r.run()
	if errors.Is(err, net.ErrClosed) {
		return nil // stopped by a signal
	}
	return err
}

// receiver puts the packets of one transfer back in order.
type receiver struct {
	conn   *net.UDPConn
	file   *os.File
	w      *bufio.Writer
	giveup time.Duration

	peer  netip.AddrPort    // the sender: the first address we heard from
	next  uint32            // every packet below next is in the file
	held  map[uint32]packet // arrived early, waiting for the ones before them
	done  bool              // the FIN was reached: the file is complete
	last  time.Time         // when the sender was last heard
	bytes int64
}

// run receives one file, then lingers, and returns nil when it is done.
func (r *receiver) run() error {
	// TODO: loop on r.conn.ReadFromUDPAddrPort into a 64 KiB buffer:
	//   - set a read deadline first: none before the first packet,
	//     r.last+r.giveup during the transfer, r.last+linger once done;
	//   - a deadline error: return nil if done (you lingered long enough),
	//     an error otherwise (the sender fell silent);
	//   - any other error (net.ErrClosed after a signal): return it;
	//   - the first valid packet fixes r.peer: ignore datagrams from
	//     anyone else, datagrams that do not parse, and ACKs;
	//   - record r.last, r.accept(p), then answer with an ACK: number
	//     r.next, SACK bitmap r.sackBits(). Every packet, even a copy and
	//     even after the FIN, gets an ACK.
	return errors.New("lesson 13 is not done yet: the receiver's run is not written")
}

// accept files p and writes out every packet that is now in order.
func (r *receiver) accept(p packet) error {
	// TODO: ignore p when the transfer is done, when p.num is below r.next
	// (a copy of a packet already written), beyond r.next+window, or
	// already in r.held. Otherwise keep a copy of it in r.held (the read
	// buffer is reused: copy the payload).

	// TODO: then, while r.held has packet r.next: take it out and advance
	// r.next; write a DATA packet's payload to r.w; for the FIN, flush
	// r.w, close r.file and set r.done, so the file is complete before
	// its ACK goes out.
	return errors.New("accept is not written yet")
}

// sackBits reports the packets held beyond the first gap: bit i stands for
// packet r.next+1+i.
func (r *receiver) sackBits() uint64 {
	// TODO: set bit i for each packet r.next+1+i in r.held (i < 64).
	return 0
}

// ---- send ----

func runSend(args []string) error {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "the receiver's address (host:port)")
	in := fs.String("in", "", "file to send (required)")
	giveup := fs.Duration("giveup", 5*time.Second, "stop with an error when the receiver falls silent this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("send: -in FILE is required")
	}
	data, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	// A connected socket: only the receiver's datagrams reach us, and an
	// ICMP port unreachable comes back as ECONNREFUSED (lesson 12).
	conn, err := net.Dial("udp", *addr)
	if err != nil {
		return err
	}
	defer conn.Close()

	s := newSender(conn, data, *giveup)
	start := time.Now()
	if err := s.run(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "sent %d bytes in %d packets (%d retransmitted) in %s\n",
		len(data), s.total, s.resends, time.Since(start).Round(time.Millisecond))
	return nil
}

// sender keeps up to window packets in flight, each with its own
// retransmission timer, and slides the window as ACKs come back.
type sender struct {
	conn   net.Conn
	data   []byte
	total  uint32 // packets: the DATA ones, then the FIN
	giveup time.Duration

	base   uint32      // every packet below base is acknowledged
	next   uint32      // packets from next on were never sent
	acked  []bool      // per packet: acknowledged, cumulatively or selectively
	sentAt []time.Time // per packet: its last transmission
	resent []bool      // per packet: sent more than once (no RTT sample then)
	dups   int         // ACKs in a row that still need packet base

	rto, srtt, rttvar time.Duration
	heard             time.Time // the receiver's last sign of life
	resends           int
	buf               []byte
}

func newSender(conn net.Conn, data []byte, giveup time.Duration) *sender {
	// Packets 0..n-1 carry the file, 1024 bytes each, the last one
	// shorter; packet n is the FIN. An empty file is just a FIN.
	n := uint32((len(data) + maxPayload - 1) / maxPayload)
	total := n + 1
	return &sender{
		conn: conn, data: data, total: total, giveup: giveup,
		acked: make([]bool, total), sentAt: make([]time.Time, total), resent: make([]bool, total),
		rto: initialRTO, heard: time.Now(),
	}
}

// packet returns packet i: a slice of the file, or the FIN.
func (s *sender) packet(i uint32) packet {
	if i == s.total-1 {
		return packet{typ: typeFin, num: i}
	}
	off := int(i) * maxPayload
	return packet{typ: typeData, num: i, payload: s.data[off:min(off+maxPayload, len(s.data))]}
}

// transmit sends packet i, for the first time or again.
func (s *sender) transmit(i uint32) error {
	if !s.sentAt[i].IsZero() {
		s.resent[i] = true
		s.resends++
	}
	s.sentAt[i] = time.Now()
	s.buf = s.packet(i).marshal(s.buf)
	_, err := s.conn.Write(s.buf)
	return s.wrap(err)
}

func (s *sender) wrap(err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("nothing listens at %s (ICMP port unreachable): %w", s.conn.RemoteAddr(), err)
	}
	return err
}

// run sends every packet and returns once all of them, FIN included, are
// acknowledged.
func (s *sender) run() error {
	// TODO: loop until s.base == s.total:
	//   - fill the window: transmit s.next and advance it while
	//     s.next < s.total and s.next < s.base+window;
	//   - set a read deadline at the earliest of s.heard+s.giveup and
	//     sentAt[i]+s.rto of every unacknowledged packet in flight;
	//   - read: a deadline error means either the receiver has been
	//     silent for s.giveup (return an error that says so) or a timer
	//     fired (s.timeout); any other error ends the transfer (s.wrap it);
	//   - a valid ACK (parse it, check its type, ignore a number above
	//     s.total): set s.heard, then s.onAck.
	return errors.New("lesson 13 is not done yet: the sender's run is not written")
}

// timeout resends every packet whose timer expired, and backs off.
func (s *sender) timeout(now time.Time) error {
	// TODO: transmit again every unacknowledged packet in [s.base, s.next)
	// sent s.rto or more ago; if there was one, double s.rto, at most
	// maxRTO.
	return errors.New("timeout is not written yet")
}

// onAck records what the ACK p acknowledges and slides the window.
func (s *sender) onAck(p packet, now time.Time) error {
	// TODO: mark as acknowledged every packet below p.num, and packet
	// p.num+1+i for each bit i set in p.sack (only packets already sent).
	// For each packet newly acknowledged that was sent only once, now
	// minus its sentAt is a round-trip sample: give the smallest one to
	// s.updateRTO.

	// TODO: advance s.base past every acknowledged packet.

	// TODO: fast retransmit: when an ACK still asks for s.base (p.num ==
	// s.base) while its SACK bitmap shows later packets arrived, count it
	// in s.dups; at dupThresh such ACKs in a row, transmit s.base again.
	// Reset s.dups when s.base moves.
	return errors.New("onAck is not written yet")
}

// updateRTO folds one round-trip sample into the smoothed estimate, as TCP
// does (RFC 6298).
func (s *sender) updateRTO(r time.Duration) {
	// TODO: the first sample sets srtt = r and rttvar = r/2; later ones
	// rttvar = 3/4 rttvar + 1/4 |srtt - r|, then srtt = 7/8 srtt + 1/8 r.
	// Then rto = srtt + 4 rttvar, between minRTO and maxRTO.
}
