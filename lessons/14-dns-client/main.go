// Command dns-client is lesson 14: a DNS client that builds its query byte
// by byte, sends it in one UDP datagram, and parses the answer, compressed
// names included, as RFC 1035 section 4.1 describes; an answer too big for
// a datagram is asked for again over TCP. No DNS library: the bytes are
// yours. Read README.md first; it states exactly what the
// checker expects.
//
// Try it:     go run ./lessons/14-dns-client -server 127.0.0.53:53 -type A example.com
// Check it:   go run ./checker lesson14
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
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
//
// TODO: give each constant its value: the bit (or bits) that it names in
// that word, such as 1 << 15 for QR.
const (
	flagQR    = 0 // 0: query, 1: response
	flagTC    = 0 // the response was cut to fit a UDP datagram
	flagRD    = 0 // recursion desired
	rcodeMask = 0 // the 4 bits of RCODE
)

const headerLen = 12

var typeNames = map[uint16]string{typeA: "A", typeNS: "NS", typeCNAME: "CNAME", typeMX: "MX", typeTXT: "TXT", typeAAAA: "AAAA"}

// askable are the types -type accepts.
var askable = map[string]uint16{"A": typeA, "AAAA": typeAAAA, "MX": typeMX, "TXT": typeTXT, "NS": typeNS}

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
		// One line on stderr, and exit status 1.
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
	qname, err := encodeName(name)
	if err != nil {
		return nil, err
	}
	q := question{name: qname, qtype: qtype}
	// TODO: give q.id a random value, from crypto/rand (two random bytes
	// read as a big-endian uint16 will do).

	msg, err := askUDP(server, q, timeout)
	if err != nil {
		return nil, err
	}
	// TODO: if msg has the TC flag set, the answer did not fit in a
	// datagram: none of it may be used. Ask again over TCP (askTCP), and
	// go on with the answer that comes back there.
	return parseReply(msg, q)
}

// askUDP sends q to server in one datagram, and returns the first datagram
// that answers it.
func askUDP(server string, q question, timeout time.Duration) ([]byte, error) {
	// A connected socket, as in lesson 12: the kernel drops datagrams
	// from anyone but the server.
	conn, err := net.Dial("udp", server)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", server, err)
	}
	defer conn.Close()

	if _, err := conn.Write(q.build()); err != nil {
		return nil, fmt.Errorf("send the query to %s: %w", server, err)
	}
	// One deadline for the whole wait: datagrams that are not our answer
	// do not push it back.
	conn.SetReadDeadline(time.Now().Add(timeout))
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
			continue // not the answer to our query: keep waiting
		}
		return msg, nil
	}
}

// askTCP sends q to server over TCP and returns the answer.
func askTCP(server string, q question, timeout time.Duration) ([]byte, error) {
	// TODO: connect over TCP to the same server (net.DialTimeout) and set
	// a deadline of timeout on the connection. A stream keeps no message
	// boundaries, so frame as lesson 06 did: send the query preceded by
	// its length in 2 bytes, big-endian; read the answer's 2-byte length
	// with io.ReadFull, then exactly that many bytes, with io.ReadFull
	// again (one Read may return a single byte). Then check that it
	// answers q (answeredBy). Every failure is an error.
	return nil, errors.New("askTCP is not written")
}

// encodeName turns "www.example.com" (a final dot is allowed) into the
// wire form of RFC 1035 3.1: each label preceded by its length, then a
// zero byte.
func encodeName(name string) ([]byte, error) {
	// TODO: drop a final dot; split the name into labels; append each
	// label's length (one byte) and its bytes; end with a 0 byte. Return
	// an error for an empty label or one longer than 63 bytes, and for a
	// result longer than 255 bytes.
	return nil, errors.New("lesson 14 is not done yet: encodeName is not written")
}

// question is what we ask: one name, one type, class IN, under an ID.
type question struct {
	id    uint16
	name  []byte // wire form, from encodeName
	qtype uint16
}

// build returns the query: a 12-byte header and one question.
func (q question) build() []byte {
	// TODO: the header, six big-endian 16-bit fields (encoding/binary's
	// BigEndian.AppendUint16): ID, the flags (a standard query with RD
	// set), QDCOUNT 1, ANCOUNT, NSCOUNT and ARCOUNT 0. Then the question:
	// the name, QTYPE, QCLASS (IN).
	return nil
}

// answeredBy reports whether msg is a response to q.
func (q question) answeredBy(msg []byte) bool {
	// TODO: true only if msg has a whole header, its ID is q.id, its QR
	// bit is set, and it carries one question that is q's (the name, in
	// any ASCII case, the type and class IN).
	return false
}

// parseReply turns the response msg to q into one line per answer record,
// or into the error its header reports.
func parseReply(msg []byte, q question) ([]string, error) {
	// TODO: TC set (an answer over TCP that is still cut): return an
	// error that says the answer is truncated.
	// RCODE not 0: return an error that names it (3 is NXDOMAIN).

	// TODO: step over the question; then read ANCOUNT records: the owner
	// name (readName), TYPE, CLASS, TTL, RDLENGTH, then RDLENGTH bytes of
	// RDATA. Make one line per record:
	//	NAME A 192.0.2.1          (RDATA: 4 bytes)
	//	NAME AAAA 2001:db8::1     (RDATA: 16 bytes)
	//	NAME CNAME TARGET         (RDATA: a name, maybe compressed)
	//	NAME NS SERVER            (RDATA: a name, maybe compressed)
	//	NAME MX 10 EXCHANGE       (RDATA: a 2-byte preference, a name)
	//	NAME TXT "one" "two"      (RDATA: strings, each a length byte and
	//	                           its bytes; quoted and escaped as dig does)
	// and step over records of any other type.
	return nil, errors.New("parseReply is not written")
}

// readName reads the name that starts at off in msg, following compression
// pointers (RFC 1035 4.1.4), and returns it with its final dot, and the
// offset where the record continues after the name.
func readName(msg []byte, off int) (string, int, error) {
	// TODO: read length bytes: 0 ends the name; 1 to 63, a label of that
	// many bytes follows; top two bits 11, a pointer: the low 14 bits of
	// these two bytes are the offset where the name goes on. The record
	// continues after the first pointer (2 bytes), not after the name it
	// points to. Never read past the end of msg; refuse a pointer that
	// does not point backwards, and a name over 255 bytes, or a hostile
	// message can make you loop forever.
	return "", 0, errors.New("readName is not written")
}
