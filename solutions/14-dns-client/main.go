// Command dns-client is lesson 14's reference solution: a DNS client that
// builds its query byte by byte, sends it in one UDP datagram, and parses
// the answer (compressed names included) following RFC 1035 section 4.1.
package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"
)

// Record types and the class this client knows (RFC 1035 3.2.2 and 3.2.4,
// RFC 3596 2.1).
const (
	typeA     = 1
	typeNS    = 2
	typeCNAME = 5
	typeMX    = 15
	typeTXT   = 16
	typeAAAA  = 28
	classIN   = 1
)

// Header flag bits, in the 16-bit word that follows the ID (RFC 1035 4.1.1):
//
//	bit  15  14-11   10  9   8   7   6-4  3-0
//	     QR  OPCODE  AA  TC  RD  RA  Z    RCODE
const (
	flagQR    = 1 << 15 // 0: query, 1: response
	flagTC    = 1 << 9  // the response was cut to fit a UDP datagram
	flagRD    = 1 << 8  // recursion desired: resolve the whole name for us
	rcodeMask = 0x000F
)

const headerLen = 12

var typeNames = map[uint16]string{typeA: "A", typeNS: "NS", typeCNAME: "CNAME", typeMX: "MX", typeTXT: "TXT", typeAAAA: "AAAA"}

// askable are the types -type accepts.
var askable = map[string]uint16{"A": typeA, "AAAA": typeAAAA, "MX": typeMX, "TXT": typeTXT, "NS": typeNS}

var rcodeNames = map[uint16]string{
	1: "FORMERR (the server could not parse the query)",
	2: "SERVFAIL (the server failed to resolve the name)",
	3: "NXDOMAIN (the name does not exist)",
	4: "NOTIMP (the server does not support this kind of query)",
	5: "REFUSED (the server refuses to answer)",
}

func main() {
	server := flag.String("server", "127.0.0.53:53", "DNS server address (host:port)")
	qtype := flag.String("type", "A", "record type to ask for: A, AAAA, MX, TXT or NS")
	timeout := flag.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: dns-client [-server HOST:PORT] [-type A|AAAA|MX|TXT|NS] [-timeout DURATION] NAME\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	t, ok := askable[strings.ToUpper(*qtype)]
	if flag.NArg() != 1 || !ok {
		flag.Usage()
		os.Exit(2)
	}

	lines, err := lookup(*server, flag.Arg(0), t, *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dns client: %v\n", err)
		os.Exit(1)
	}
	for _, l := range lines {
		fmt.Println(l)
	}
}

// lookup asks server for the records of type qtype of name, and returns
// one line per record of the answer section, in the server's order.
func lookup(server, name string, qtype uint16, timeout time.Duration) ([]string, error) {
	q, err := newQuestion(name, qtype)
	if err != nil {
		return nil, err
	}
	msg, err := askUDP(server, q, timeout)
	if err != nil {
		return nil, err
	}
	if binary.BigEndian.Uint16(msg[2:])&flagTC != 0 {
		// The answer did not fit in a datagram, and the records we need
		// may be the ones that were cut: ask the same question again over
		// TCP, on the same port, where a message has no such limit
		// (RFC 7766).
		msg, err = askTCP(server, q, timeout)
		if err != nil {
			return nil, fmt.Errorf("the answer over UDP was truncated (TC flag set), and over TCP: %w", err)
		}
	}
	return parseReply(msg, q)
}

// newQuestion encodes name and picks a random ID.
func newQuestion(name string, qtype uint16) (question, error) {
	qname, err := encodeName(name)
	if err != nil {
		return question{}, err
	}
	q := question{name: qname, qtype: qtype}
	// A random ID: an attacker who cannot see our query must guess it
	// (and our random source port) to forge an answer we would accept.
	// crypto/rand, because a predictable generator makes that guess easy.
	var idBytes [2]byte
	rand.Read(idBytes[:])
	q.id = binary.BigEndian.Uint16(idBytes[:])
	return q, nil
}

// askUDP sends q to server in one datagram, and returns the first datagram
// that answers it.
func askUDP(server string, q question, timeout time.Duration) ([]byte, error) {
	// A connected socket: the kernel picks a random source port, and
	// drops datagrams from anyone but the server before we see them.
	conn, err := net.Dial("udp", server)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", server, err)
	}
	defer conn.Close()

	// The whole query is one datagram: one Write.
	if _, err := conn.Write(q.build()); err != nil {
		return nil, fmt.Errorf("send the query to %s: %w", server, err)
	}
	// One deadline for the whole wait: datagrams that are not our answer
	// must not push it back.
	conn.SetReadDeadline(time.Now().Add(timeout))
	// Without EDNS0 a server never sends more than 512 bytes over UDP;
	// a 64 KiB buffer costs little and can never cut a datagram short.
	buf := make([]byte, 64*1024)
	for {
		n, err := conn.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("no answer from %s within %s", server, timeout)
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("nothing listens at %s (ICMP port unreachable): %w", server, err)
		}
		if err != nil {
			return nil, fmt.Errorf("read the answer from %s: %w", server, err)
		}
		msg := buf[:n]
		if !q.answeredBy(msg) {
			// Another ID, not a response, or another question: a late
			// answer to some earlier query, or a forgery. Keep waiting.
			continue
		}
		return msg, nil
	}
}

// askTCP sends q to server over TCP and returns the answer. A TCP stream
// has no message boundaries, so each message goes with its length in 2
// bytes (RFC 1035 4.2.2): the framing of lesson 06.
func askTCP(server string, q question, timeout time.Duration) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", server, timeout)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", server, err)
	}
	defer conn.Close()
	// One deadline for the whole exchange, as over UDP.
	conn.SetDeadline(time.Now().Add(timeout))

	query := q.build()
	// The length and the query in one Write, so that they leave together.
	framed := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(query)), uint16(len(query)))
	if _, err := conn.Write(append(framed, query...)); err != nil {
		return nil, fmt.Errorf("send the query to %s: %w", server, err)
	}
	// A Read returns what has arrived, which may be 1 byte of the length,
	// or part of the message: io.ReadFull loops until it has them all.
	var size [2]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return nil, tcpError(server, "the answer's length", timeout, err)
	}
	msg := make([]byte, binary.BigEndian.Uint16(size[:]))
	if _, err := io.ReadFull(conn, msg); err != nil {
		return nil, tcpError(server, fmt.Sprintf("an answer of %d bytes", len(msg)), timeout, err)
	}
	// Nobody else can write on our connection, so anything but the
	// answer to our question is an error, not a datagram to skip.
	if !q.answeredBy(msg) {
		return nil, fmt.Errorf("%s sent a message that is not the answer to the query", server)
	}
	return msg, nil
}

// tcpError says why reading what from server over TCP failed.
func tcpError(server, what string, timeout time.Duration, err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("no answer from %s within %s", server, timeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s closed the connection before sending %s", server, what)
	}
	return fmt.Errorf("read %s from %s: %w", what, server, err)
}

// encodeName turns "www.example.com" (a final dot is allowed) into the
// wire form of RFC 1035 3.1: each label preceded by its length, then a
// zero byte, the empty label of the root.
func encodeName(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".")
	var b []byte
	if name != "" {
		for _, label := range strings.Split(name, ".") {
			// The top two bits of a length byte say what follows:
			// 00 a label, 11 a compression pointer. So a label has at
			// most 63 bytes.
			if len(label) == 0 || len(label) > 63 {
				return nil, fmt.Errorf("invalid name %q: each label must have 1 to 63 bytes, not %d", name, len(label))
			}
			b = append(b, byte(len(label)))
			b = append(b, label...)
		}
	}
	b = append(b, 0)
	if len(b) > 255 {
		return nil, fmt.Errorf("invalid name %q: %d bytes on the wire, more than 255", name, len(b))
	}
	return b, nil
}

// question is what we ask: one name, one type, class IN, under an ID.
type question struct {
	id    uint16
	name  []byte // wire form
	qtype uint16
}

// build returns the query: a 12-byte header and one question.
func (q question) build() []byte {
	// Every field is big-endian ("network byte order"): the first byte
	// on the wire is the most significant.
	b := make([]byte, 0, headerLen+len(q.name)+4)
	b = binary.BigEndian.AppendUint16(b, q.id)
	// QR=0 (a query), OPCODE=0 (standard query), RD=1: ask the server to
	// resolve the name all the way, as a stub resolver does.
	b = binary.BigEndian.AppendUint16(b, flagRD)
	b = binary.BigEndian.AppendUint16(b, 1) // QDCOUNT: one question
	b = binary.BigEndian.AppendUint16(b, 0) // ANCOUNT
	b = binary.BigEndian.AppendUint16(b, 0) // NSCOUNT
	b = binary.BigEndian.AppendUint16(b, 0) // ARCOUNT
	b = append(b, q.name...)
	b = binary.BigEndian.AppendUint16(b, q.qtype)
	b = binary.BigEndian.AppendUint16(b, classIN)
	return b
}

// answeredBy reports whether msg is a response to q: the same ID, the QR
// bit set, and q's question echoed back (RFC 5452 asks a resolver to check
// all three).
func (q question) answeredBy(msg []byte) bool {
	if len(msg) < headerLen {
		return false
	}
	id := binary.BigEndian.Uint16(msg[0:])
	flags := binary.BigEndian.Uint16(msg[2:])
	qdcount := binary.BigEndian.Uint16(msg[4:])
	if id != q.id || flags&flagQR == 0 || qdcount != 1 {
		return false
	}
	name, off, err := readName(msg, headerLen)
	if err != nil || off+4 > len(msg) {
		return false
	}
	want, _, _ := readName(q.name, 0)
	// Names compare without regard to ASCII case (RFC 4343).
	return strings.EqualFold(name, want) &&
		binary.BigEndian.Uint16(msg[off:]) == q.qtype &&
		binary.BigEndian.Uint16(msg[off+2:]) == classIN
}

// parseReply turns the response msg to q into one line per answer record,
// or into the error its header reports.
func parseReply(msg []byte, q question) ([]string, error) {
	flags := binary.BigEndian.Uint16(msg[2:])
	ancount := int(binary.BigEndian.Uint16(msg[6:]))
	qname, _, _ := readName(q.name, 0)
	// TC first: a truncated answer is incomplete, whatever else it says.
	// Over TCP nothing should be cut: if it still is, give up.
	if flags&flagTC != 0 {
		return nil, fmt.Errorf("the answer for %s %s is truncated (TC flag set), even over TCP", qname, typeNames[q.qtype])
	}
	if rcode := flags & rcodeMask; rcode != 0 {
		text, ok := rcodeNames[rcode]
		if !ok {
			text = fmt.Sprintf("RCODE %d", rcode)
		}
		return nil, fmt.Errorf("%s: %s", qname, text)
	}

	// Skip the question, which answeredBy already checked.
	_, off, err := readName(msg, headerLen)
	if err != nil {
		return nil, err
	}
	off += 4

	// RCODE 0 with no answers is NODATA: the name exists but has no
	// record of this type. That is an answer too: zero lines.
	var lines []string
	for i := range ancount {
		var name string
		name, off, err = readName(msg, off)
		if err != nil {
			return nil, fmt.Errorf("answer %d: %w", i+1, err)
		}
		// TYPE, CLASS, TTL, RDLENGTH: 2+2+4+2 bytes (RFC 1035 4.1.3).
		if off+10 > len(msg) {
			return nil, fmt.Errorf("answer %d: the message ends inside the record header", i+1)
		}
		rtype := binary.BigEndian.Uint16(msg[off:])
		rdlen := int(binary.BigEndian.Uint16(msg[off+8:]))
		off += 10
		if off+rdlen > len(msg) {
			return nil, fmt.Errorf("answer %d: RDLENGTH %d runs past the end of the message", i+1, rdlen)
		}
		rdata := msg[off : off+rdlen]
		switch rtype {
		case typeA, typeAAAA:
			addr, ok := netip.AddrFromSlice(rdata)
			if !ok || (rtype == typeA) != addr.Is4() {
				return nil, fmt.Errorf("answer %d: a %s record of %d bytes", i+1, typeNames[rtype], rdlen)
			}
			lines = append(lines, fmt.Sprintf("%s %s %s", name, typeNames[rtype], addr))
		case typeCNAME, typeNS:
			// The target is a name, and may itself be compressed: read
			// it from the whole message, where its pointers point.
			target, end, err := readName(msg, off)
			if err != nil || end != off+rdlen {
				return nil, fmt.Errorf("answer %d: a %s whose name does not fill its RDATA", i+1, typeNames[rtype])
			}
			lines = append(lines, fmt.Sprintf("%s %s %s", name, typeNames[rtype], target))
		case typeMX:
			// A 16-bit preference (lower is tried first), then a name
			// that may be compressed, as a CNAME's.
			if rdlen < 3 {
				return nil, fmt.Errorf("answer %d: an MX record of %d bytes", i+1, rdlen)
			}
			exchange, end, err := readName(msg, off+2)
			if err != nil || end != off+rdlen {
				return nil, fmt.Errorf("answer %d: an MX whose exchange does not fill its RDATA", i+1)
			}
			lines = append(lines, fmt.Sprintf("%s MX %d %s", name, binary.BigEndian.Uint16(rdata), exchange))
		case typeTXT:
			text, err := txtText(rdata)
			if err != nil {
				return nil, fmt.Errorf("answer %d: %w", i+1, err)
			}
			lines = append(lines, fmt.Sprintf("%s TXT %s", name, text))
		default:
			// A type we do not know: RDLENGTH lets us step over it.
		}
		off += rdlen
	}
	return lines, nil
}

// txtText returns a TXT record's RDATA as dig prints it: each of its
// character-strings (a length byte, then that many bytes) in double quotes,
// separated by one space. Inside, " and \ take a backslash, and a byte that
// is not printable ASCII becomes \DDD, its value in three decimal digits.
func txtText(rdata []byte) (string, error) {
	var parts []string
	for len(rdata) > 0 {
		n := int(rdata[0])
		// The bound is the RDATA, not the message: the bytes after it
		// belong to the next record.
		if 1+n > len(rdata) {
			return "", fmt.Errorf("a TXT string of %d bytes runs past the end of its RDATA", n)
		}
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range rdata[1 : 1+n] {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c > 0x7e:
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		parts = append(parts, b.String())
		rdata = rdata[1+n:]
	}
	if len(parts) == 0 {
		return "", errors.New("a TXT record with no string")
	}
	return strings.Join(parts, " "), nil
}

// readName reads the name that starts at off in msg, following compression
// pointers (RFC 1035 4.1.4), and returns it with its final dot, and the
// offset where the record continues: just after the name's first pointer,
// or after its zero byte if it has no pointer.
func readName(msg []byte, off int) (string, int, error) {
	var labels []string
	next := -1 // where the caller resumes, once known
	wire := 1  // the name's length on the wire, counting the final zero
	for {
		if off >= len(msg) {
			return "", 0, errors.New("a name runs past the end of the message")
		}
		n := int(msg[off])
		switch n & 0xC0 {
		case 0x00: // a label of n bytes; n = 0 ends the name
			if n == 0 {
				if next < 0 {
					next = off + 1
				}
				return strings.Join(labels, ".") + ".", next, nil
			}
			if off+1+n > len(msg) {
				return "", 0, errors.New("a label runs past the end of the message")
			}
			if wire += 1 + n; wire > 255 {
				return "", 0, errors.New("a name longer than 255 bytes")
			}
			labels = append(labels, string(msg[off+1:off+1+n]))
			off += 1 + n
		case 0xC0: // a pointer: the rest of the name is at this offset
			if off+2 > len(msg) {
				return "", 0, errors.New("a compression pointer runs past the end of the message")
			}
			ptr := int(binary.BigEndian.Uint16(msg[off:]) & 0x3FFF)
			if next < 0 {
				next = off + 2
			}
			// A pointer must point to an earlier place. With the 255
			// byte limit above, that guarantees the loop ends, whatever
			// a hostile message contains.
			if ptr >= off {
				return "", 0, fmt.Errorf("a compression pointer at offset %d points forward, to %d", off, ptr)
			}
			off = ptr
		default: // 01 and 10 are reserved (RFC 6891 retired 01)
			return "", 0, fmt.Errorf("a label type 0x%02x that is not a length or a pointer", n&0xC0)
		}
	}
}
