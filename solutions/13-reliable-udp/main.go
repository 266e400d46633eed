// Command reliable-udp is lesson 13's reference solution: a file transfer
// over UDP that survives loss, duplication, reordering and corruption, with
// sequence numbers, cumulative and selective ACKs, retransmission timers and
// a sliding window. One program, two modes:
//
//	reliable-udp receive -addr 127.0.0.1:0 -out got.bin
//	reliable-udp send -addr HOST:PORT -in data.bin
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
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
	maxPayload = 1024 // bytes of file per DATA packet: 1033-byte datagrams fit any link without IP fragmentation
	window     = 64   // packets in flight beyond the cumulative ACK; also what the receiver holds

	typeData = 'D' // number: the packet's; body: 1 to maxPayload bytes of the file
	typeFin  = 'F' // number: the packet's, one past the last DATA packet; no body
	typeAck  = 'A' // number: the next packet the receiver needs; body: 8-byte SACK bitmap
)

// Timers. They are sized for loopback and a checker that delays datagrams by
// tens of milliseconds; TCP's are much longer because the Internet's round
// trips are. The ratio is what matters: a lingering receiver outlasts twenty
// of the sender's longest retransmission intervals.
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
	// UDP has a checksum of its own, but the kernel computes it when the
	// datagram leaves a host: a relay that flips a byte sends it on with a
	// valid one. Only an end-to-end checksum over our bytes catches that.
	binary.BigEndian.PutUint32(b, crc32.ChecksumIEEE(b[4:]))
	return b
}

var errBadPacket = errors.New("malformed packet")

// parse decodes a datagram. The payload it returns points into b.
func parse(b []byte) (packet, error) {
	if len(b) < headerLen {
		return packet{}, errBadPacket
	}
	if crc32.ChecksumIEEE(b[4:]) != binary.BigEndian.Uint32(b) {
		return packet{}, fmt.Errorf("%w: bad checksum", errBadPacket)
	}
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
	// Create the file first: a path we cannot write is reported before
	// anyone starts sending.
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

func (r *receiver) run() error {
	buf := make([]byte, 64<<10)
	var ack []byte
	for {
		// Before the first packet, wait as long as it takes. During the
		// transfer, silence means the sender is gone. After it, silence
		// is what we linger for.
		switch {
		case r.done:
			r.conn.SetReadDeadline(r.last.Add(linger))
		case r.peer.IsValid():
			r.conn.SetReadDeadline(r.last.Add(r.giveup))
		}
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if r.done {
				// No repeated FIN for a whole linger: the sender has our
				// last ACK, or has given up. Either way we are finished.
				fmt.Fprintf(os.Stderr, "received %d bytes in %d packets from %s\n", r.bytes, r.next-1, r.peer)
				return nil
			}
			return fmt.Errorf("the sender %s fell silent for %s, with %d packets in order", r.peer, r.giveup, r.next)
		}
		if err != nil {
			return err
		}
		// One transfer, one sender: the kernel would deliver anyone's
		// datagrams to this socket, so ignore strangers.
		if r.peer.IsValid() && from != r.peer {
			continue
		}
		p, err := parse(buf[:n])
		if err != nil || p.typ == typeAck {
			continue // corrupted or not meant for us: as if it was lost
		}
		r.peer, r.last = from, time.Now()
		if err := r.accept(p); err != nil {
			return err
		}
		// Every packet gets an ACK, duplicates too: a duplicate means the
		// sender did not hear the last one. After the FIN this is what
		// lingering is for.
		ack = packet{typ: typeAck, num: r.next, sack: r.sackBits()}.marshal(ack)
		if _, err := r.conn.WriteToUDPAddrPort(ack, r.peer); err != nil {
			return err
		}
	}
}

// accept files p and writes out every packet that is now in order.
func (r *receiver) accept(p packet) error {
	// Below next: a copy of something already written. Beyond the window:
	// a sender that does not respect it. Neither is stored, so the file
	// never gets a byte twice and memory stays bounded.
	if r.done || p.num < r.next || p.num >= r.next+window {
		return nil
	}
	if _, dup := r.held[p.num]; dup {
		return nil
	}
	// The read buffer is reused for the next datagram: keep a copy.
	p.payload = append([]byte(nil), p.payload...)
	r.held[p.num] = p
	for {
		q, ok := r.held[r.next]
		if !ok {
			return nil
		}
		delete(r.held, r.next)
		r.next++
		if q.typ == typeFin {
			// An ACK is a promise that the data is safe: the file is
			// complete and closed before the ACK of the FIN goes out.
			r.done = true
			clear(r.held)
			if err := r.w.Flush(); err != nil {
				return err
			}
			return r.file.Close()
		}
		if _, err := r.w.Write(q.payload); err != nil {
			return err
		}
		r.bytes += int64(len(q.payload))
	}
}

// sackBits reports the packets held beyond the first gap, so that the
// sender resends only what is really missing.
func (r *receiver) sackBits() uint64 {
	var bits uint64
	for num := range r.held {
		if i := num - r.next - 1; i < 64 {
			bits |= 1 << i
		}
	}
	return bits
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
	buf := make([]byte, 64<<10)
	for s.base < s.total {
		// Fill the window. Stop-and-wait is this loop with a window of 1:
		// one packet per round trip, however fast the link.
		for s.next < s.total && s.next < s.base+window {
			if err := s.transmit(s.next); err != nil {
				return err
			}
			s.next++
		}
		// Sleep in Read until an ACK comes, the oldest timer fires or the
		// receiver has been silent for too long, whichever is first.
		deadline := s.heard.Add(s.giveup)
		for i := s.base; i < s.next; i++ {
			if t := s.sentAt[i].Add(s.rto); !s.acked[i] && t.Before(deadline) {
				deadline = t
			}
		}
		s.conn.SetReadDeadline(deadline)
		n, err := s.conn.Read(buf)
		now := time.Now()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if now.Sub(s.heard) >= s.giveup {
				return fmt.Errorf("no answer from %s for %s: %d of %d packets acknowledged",
					s.conn.RemoteAddr(), s.giveup, s.base, s.total)
			}
			if err := s.timeout(now); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return s.wrap(err)
		}
		p, err := parse(buf[:n])
		if err != nil || p.typ != typeAck || p.num > s.total {
			continue // corrupted or nonsense: as if it was lost
		}
		s.heard = now
		if err := s.onAck(p, now); err != nil {
			return err
		}
	}
	return nil
}

// timeout resends every packet whose timer expired, and backs off.
func (s *sender) timeout(now time.Time) error {
	expired := false
	for i := s.base; i < s.next; i++ {
		if !s.acked[i] && now.Sub(s.sentAt[i]) >= s.rto {
			if err := s.transmit(i); err != nil {
				return err
			}
			expired = true
		}
	}
	if expired {
		// A timeout hints at congestion: wait longer before the next one
		// (RFC 6298, 5.5). The cap keeps retransmissions frequent enough
		// that a lingering receiver hears one before it gives up on us.
		s.rto = min(2*s.rto, maxRTO)
	}
	return nil
}

// onAck records what the ACK p acknowledges and slides the window.
func (s *sender) onAck(p packet, now time.Time) error {
	sample := time.Duration(-1)
	mark := func(i uint32) {
		if s.acked[i] || i >= s.next {
			return
		}
		s.acked[i] = true
		// Karn's rule: the ACK of a packet sent twice does not say which
		// copy it answers, so it gives no round-trip time.
		if !s.resent[i] {
			if rtt := now.Sub(s.sentAt[i]); sample < 0 || rtt < sample {
				sample = rtt
			}
		}
	}
	// Cumulative: everything below p.num arrived. An old ACK overtaken by
	// a newer one says less than we know already, and changes nothing.
	for i := s.base; i < p.num; i++ {
		mark(i)
	}
	// Selective: packets beyond the first gap that arrived too.
	for i := range uint32(64) {
		if p.sack&(1<<i) != 0 && p.num+1+i < s.total {
			mark(p.num + 1 + i)
		}
	}
	if sample >= 0 {
		s.updateRTO(sample)
	}
	old := s.base
	for s.base < s.total && s.acked[s.base] {
		s.base++
	}
	// Fast retransmit: ACKs that keep asking for packet base while later
	// ones arrive mean base was lost. Resend it now rather than wait for
	// its timer, once per hole.
	if s.base != old {
		s.dups = 0
	} else if p.num == s.base && p.sack != 0 && s.base < s.next {
		s.dups++
		if s.dups == dupThresh {
			return s.transmit(s.base)
		}
	}
	return nil
}

// updateRTO folds one round-trip sample into the smoothed estimate, as TCP
// does (RFC 6298): the timeout is the mean plus four deviations.
func (s *sender) updateRTO(r time.Duration) {
	if s.srtt == 0 {
		s.srtt, s.rttvar = r, r/2
	} else {
		s.rttvar = (3*s.rttvar + (s.srtt - r).Abs()) / 4
		s.srtt = (7*s.srtt + r) / 8
	}
	s.rto = min(max(s.srtt+4*s.rttvar, minRTO), maxRTO)
}
