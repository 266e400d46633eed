package scriptcmd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer answers DNS queries over UDP from a small zone, for lessons
// whose program is a DNS client. Answers use name compression, as real
// servers do. It records every query it receives. In the TCP modes it also
// listens over TCP on the same port (see dnstcp.go).
type dnsServer struct {
	conn *net.UDPConn
	tcp  *net.TCPListener // nil unless the mode is a TCP one
	mode string
	zone map[string][]dnsmessage.Resource // by lower-case name and type
	wg   sync.WaitGroup

	done chan struct{} // closed when the server stops: ends late replies

	mu      sync.Mutex
	queries []dnsmessage.Message
	raw     [][]byte // every datagram received, as sent
	bad     []byte   // the last query it could not parse
	badErr  error
	tcpRaw  [][]byte // every whole query received over TCP, without its prefix
	tcpBad  string   // what went wrong with the last TCP query, if anything
}

// dnsModes are how a dnsserver answers (see doc.go). The hostile ones
// answer with a malformed message that only a careful parser survives.
var dnsModes = []string{"normal", "truncated", "wrongid", "noqr", "othername", "othertype", "otherclass",
	"upper", "servfail", "extratypes", "sections", "chatter", "late",
	"selfpointer", "pointerloop", "labelloop", "pointerpastend", "labelpastend", "rdatapastend", "recordspastend",
	"txtpastend", "longname", "tcp", "tcpshort", "tcpclose", "tcpmute", "tcptruncated", "tcpwrongid"}

func newDNSServer(c *net.UDPConn, mode string, zone map[string][]dnsmessage.Resource) *dnsServer {
	return &dnsServer{conn: c, mode: mode, zone: zone, done: make(chan struct{})}
}

func cmdDNSServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnsserver")
	use := "dnsserver ZONEFILE [MODE]; MODE: " + strings.Join(dnsModes, ", ")
	usage(ts, len(args) == 1 || len(args) == 2, use)
	mode := "normal"
	if len(args) == 2 {
		mode = args[1]
	}
	usage(ts, slices.Contains(dnsModes, mode), use)
	st := state(ts)
	zone, err := readZone(ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("dnsserver: %v", err)
	}
	c, l, err := listenDNS(dnsTCPMode(mode))
	ts.Check(err)
	s := newDNSServer(c, mode, zone)
	s.tcp = l
	st.mu.Lock()
	st.dns = append(st.dns, s)
	st.mu.Unlock()
	s.wg.Go(s.serve)
	if l != nil {
		s.wg.Go(s.serveTCP)
	}
	ts.Setenv("DNSSERVER", c.LocalAddr().String())
}

func zoneKey(name string, t dnsmessage.Type) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + " " + t.String()
}

// readZone reads lines "NAME TYPE VALUE": TYPE A, AAAA, CNAME or NS with
// one value, MX with two (preference and exchange), TXT with one or more
// Go-quoted strings. # starts a comment, outside a quoted string.
func readZone(path string) (map[string][]dnsmessage.Resource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zone := map[string][]dnsmessage.Resource{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := zoneUncomment(sc.Text())
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		typ := ""
		if len(fields) > 1 {
			typ = strings.ToUpper(fields[1])
		}
		want := 3
		switch typ {
		case "MX":
			want = 4
		case "TXT":
			want = max(3, len(fields)) // the strings may hold spaces
		}
		if len(fields) != want {
			return nil, fmt.Errorf("%s:%d: want NAME TYPE VALUE (MX: NAME MX PREFERENCE EXCHANGE)", path, n)
		}
		name, err := dnsmessage.NewName(strings.TrimSuffix(fields[0], ".") + ".")
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		h := dnsmessage.ResourceHeader{Name: name, Class: dnsmessage.ClassINET, TTL: 300}
		var r dnsmessage.Resource
		switch typ {
		case "A":
			a, err := netip.ParseAddr(fields[2])
			if err != nil || !a.Is4() {
				return nil, fmt.Errorf("%s:%d: %q is not an IPv4 address", path, n, fields[2])
			}
			h.Type = dnsmessage.TypeA
			r = dnsmessage.Resource{Header: h, Body: &dnsmessage.AResource{A: a.As4()}}
		case "AAAA":
			a, err := netip.ParseAddr(fields[2])
			if err != nil || !a.Is6() {
				return nil, fmt.Errorf("%s:%d: %q is not an IPv6 address", path, n, fields[2])
			}
			h.Type = dnsmessage.TypeAAAA
			r = dnsmessage.Resource{Header: h, Body: &dnsmessage.AAAAResource{AAAA: a.As16()}}
		case "CNAME":
			target, err := dnsmessage.NewName(strings.TrimSuffix(fields[2], ".") + ".")
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			h.Type = dnsmessage.TypeCNAME
			r = dnsmessage.Resource{Header: h, Body: &dnsmessage.CNAMEResource{CNAME: target}}
		case "NS":
			ns, err := dnsmessage.NewName(strings.TrimSuffix(fields[2], ".") + ".")
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			h.Type = dnsmessage.TypeNS
			r = dnsmessage.Resource{Header: h, Body: &dnsmessage.NSResource{NS: ns}}
		case "MX":
			pref, err := strconv.ParseUint(fields[2], 10, 16)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: MX preference: %w", path, n, err)
			}
			mx, err := dnsmessage.NewName(strings.TrimSuffix(fields[3], ".") + ".")
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			h.Type = dnsmessage.TypeMX
			r = dnsmessage.Resource{Header: h, Body: &dnsmessage.MXResource{Pref: uint16(pref), MX: mx}}
		case "TXT":
			// The rest of the line, after NAME and TYPE.
			rest := strings.TrimSpace(strings.TrimSpace(line)[len(fields[0]):])[len(fields[1]):]
			txt, err := zoneTXT(rest)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			h.Type = dnsmessage.TypeTXT
			r = dnsmessage.Resource{Header: h, Body: &dnsmessage.TXTResource{TXT: txt}}
		default:
			return nil, fmt.Errorf("%s:%d: unknown type %q", path, n, fields[1])
		}
		key := zoneKey(name.String(), h.Type)
		zone[key] = append(zone[key], r)
	}
	return zone, sc.Err()
}

// zoneUncomment cuts line at a # that is not inside a Go-quoted string.
func zoneUncomment(line string) string {
	quoted, escaped := false, false
	for i, c := range line {
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == '#' && !quoted:
			return line[:i]
		}
	}
	return line
}

// zoneTXT reads a TXT record's strings: one or more Go-quoted strings, each
// at most 255 bytes once unquoted.
func zoneTXT(s string) ([]string, error) {
	var txt []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, fmt.Errorf("TXT wants Go-quoted strings, not %s", s)
		}
		t, err := strconv.Unquote(q)
		if err != nil || len(t) > 255 {
			return nil, fmt.Errorf("TXT string %s: not a string of at most 255 bytes", q)
		}
		txt = append(txt, t)
		s = s[len(q):]
	}
	if len(txt) == 0 {
		return nil, errors.New("TXT wants at least one string")
	}
	return txt, nil
}

func (s *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.raw = append(s.raw, bytes.Clone(buf[:n]))
		s.mu.Unlock()
		var q dnsmessage.Message
		if err := q.Unpack(buf[:n]); err != nil {
			s.mu.Lock()
			s.bad, s.badErr = bytes.Clone(buf[:n]), err
			s.mu.Unlock()
			// It still counts as a query; and a real server drops it too, so
			// the client sees silence.
			s.record(dnsmessage.Message{})
			continue
		}
		s.record(q)
		if len(q.Questions) != 1 {
			s.reply(from, dnsReply{q: q, rcode: dnsmessage.RCodeFormatError})
			continue
		}
		question := q.Questions[0]
		answers := s.answer(question)
		rcode := dnsmessage.RCodeSuccess
		if len(answers) == 0 && !s.nameExists(question.Name.String()) {
			rcode = dnsmessage.RCodeNameError
		}
		if hostile := dnsHostile(s.mode, buf[:n]); hostile != nil {
			s.conn.WriteToUDPAddrPort(hostile, from)
			continue
		}
		r := dnsReply{q: q, rcode: rcode, answers: answers}
		switch s.mode {
		case "wrongid":
			// First an answer to a query that was never asked.
			decoy := dnsReply{q: q, answers: []dnsmessage.Resource{bogusA(question.Name)}}
			decoy.q.ID++
			s.reply(from, decoy)
		case "noqr":
			// First the query's ID and question with an answer, but the QR
			// bit clear: a query, not a response.
			s.reply(from, dnsReply{q: q, query: true, answers: []dnsmessage.Resource{bogusA(question.Name)}})
		case "othername", "othertype", "otherclass":
			// First a response with the query's ID to another question.
			decoy := dnsReply{q: q, answers: []dnsmessage.Resource{bogusA(question.Name)}}
			other := question
			switch s.mode {
			case "othername":
				other.Name = dnsmessage.MustNewName("decoy.example.test.")
				decoy.answers = []dnsmessage.Resource{bogusA(other.Name)}
			case "othertype":
				other.Type = dnsmessage.TypeAAAA
				if question.Type == dnsmessage.TypeAAAA {
					other.Type = dnsmessage.TypeA
				}
			case "otherclass":
				other.Class = dnsmessage.ClassCHAOS
			}
			decoy.q.Questions = []dnsmessage.Question{other}
			s.reply(from, decoy)
		case "upper":
			// The question and the owners that are its name come back in
			// upper case: names compare without regard to case.
			up := dnsmessage.MustNewName(strings.ToUpper(question.Name.String()))
			r.q.Questions = []dnsmessage.Question{{Name: up, Type: question.Type, Class: question.Class}}
			r.answers = nil
			for _, a := range answers {
				if strings.EqualFold(a.Header.Name.String(), up.String()) {
					a.Header.Name = up
				}
				r.answers = append(r.answers, a)
			}
		case "truncated", "tcp", "tcpshort", "tcpclose", "tcpmute", "tcptruncated", "tcpwrongid":
			// What fits: the first record, and TC set. The TCP modes answer
			// in full, or not, over TCP.
			r.truncated, r.answers = true, answers[:min(1, len(answers))]
		case "servfail":
			r.rcode, r.answers = dnsmessage.RCodeServerFailure, nil
		case "extratypes":
			// An HINFO record (type 13, two strings: CPU and OS) among the
			// others: a type the client skips.
			hinfo := dnsmessage.Resource{
				Header: dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypeHINFO, Class: dnsmessage.ClassINET, TTL: 300},
				Body:   &dnsmessage.UnknownResource{Type: dnsmessage.TypeHINFO, Data: []byte("\x05RISCV\x05LINUX")},
			}
			r.answers = append(append(slices.Clone(answers[:min(1, len(answers))]), hinfo), answers[min(1, len(answers)):]...)
		case "sections":
			// An authority and an additional record, which are not answers.
			ns := dnsmessage.MustNewName("ns.example.test.")
			r.authorities = []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("example.test."), Type: dnsmessage.TypeNS, Class: dnsmessage.ClassINET, TTL: 300},
				Body:   &dnsmessage.NSResource{NS: ns},
			}}
			r.additionals = []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: ns, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 300},
				Body:   &dnsmessage.AResource{A: [4]byte{192, 0, 2, 53}},
			}}
		case "chatter":
			// Never the answer: a reply with another ID at once, then every
			// 100ms for 5 seconds.
			decoy := dnsReply{q: q, answers: []dnsmessage.Resource{bogusA(question.Name)}}
			decoy.q.ID++
			s.wg.Go(func() {
				for range 50 {
					s.reply(from, decoy)
					select {
					case <-s.done:
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
			})
			continue
		case "late":
			// The answer, 500ms late.
			s.wg.Go(func() {
				select {
				case <-s.done:
				case <-time.After(500 * time.Millisecond):
					s.reply(from, r)
				}
			})
			continue
		}
		s.reply(from, r)
	}
}

// dnsHostile returns, for a hostile mode, a malformed answer to query:
// its ID, a QR flag, its question, and then answer records broken as the
// mode says; nil for any other mode.
func dnsHostile(mode string, query []byte) []byte {
	end := 12
	for end < len(query) && query[end] != 0 && query[end] < 0x40 {
		end += 1 + int(query[end])
	}
	end += 1 + 4 // the zero byte, QTYPE, QCLASS
	if len(query) < end {
		return nil
	}
	msg := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(query))
	msg = append(msg, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0) // QR RD RA; 1 question, 1 answer
	msg = append(msg, query[12:end]...)
	ptr := func(to int) []byte { return []byte{0xc0 | byte(to>>8), byte(to)} }
	// TYPE A, CLASS IN, TTL 300, RDLENGTH 4, 192.0.2.66.
	a := []byte{0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 66}
	switch mode {
	case "selfpointer": // an owner name that is a pointer to itself
		msg = append(append(msg, ptr(len(msg))...), a...)
	case "pointerloop": // two owner names, each a pointer to the other
		first := len(msg)
		msg[7] = 2
		msg = append(append(msg, ptr(first+2+len(a))...), a...)
		msg = append(append(msg, ptr(first)...), a...)
	case "labelloop": // a label, then a pointer back to that label
		msg = append(append(append(msg, 1, 'a'), ptr(len(msg))...), a...)
	case "pointerpastend": // a pointer to offset 0x3fff, far past the end
		msg = append(append(msg, ptr(0x3fff)...), a...)
	case "labelpastend": // a 32-byte label, of which 3 bytes are there
		msg = append(msg, 32, 'a', 'b', 'c')
	case "rdatapastend": // RDLENGTH 260, with 4 bytes of RDATA
		msg = append(append(msg, ptr(12)...), a...)
		msg[len(msg)-6] = 1
	case "recordspastend": // ANCOUNT 3, with one record
		msg[7] = 3
		msg = append(append(msg, ptr(12)...), a...)
	case "txtpastend": // a TXT string of 10 bytes in an RDATA of 4, then an A record
		msg[7] = 2
		msg = append(msg, ptr(12)...)
		msg = append(msg, 0, 16, 0, 1, 0, 0, 1, 0x2c, 0, 4, 10, 'a', 'b', 'c')
		msg = append(append(msg, ptr(12)...), a...)
	case "longname": // an owner of 260 bytes on the wire, all labels, no pointer
		// Four 63-byte labels and a 2-byte one: 254 bytes of labels, but
		// 5 length bytes and the final zero make 260 on the wire.
		for _, n := range []int{63, 63, 63, 63, 2} {
			msg = append(append(msg, byte(n)), bytes.Repeat([]byte{'a'}, n)...)
		}
		msg = append(append(msg, 0), a...)
	default:
		return nil
	}
	return msg
}

// answer follows CNAMEs, as a recursive server's answer section shows them.
func (s *dnsServer) answer(q dnsmessage.Question) []dnsmessage.Resource {
	var out []dnsmessage.Resource
	name := q.Name.String()
	for range 8 {
		if rs := s.zone[zoneKey(name, q.Type)]; len(rs) > 0 {
			return append(out, rs...)
		}
		cn := s.zone[zoneKey(name, dnsmessage.TypeCNAME)]
		if len(cn) == 0 || q.Type == dnsmessage.TypeCNAME {
			return out
		}
		out = append(out, cn[0])
		name = cn[0].Body.(*dnsmessage.CNAMEResource).CNAME.String()
	}
	return out
}

func (s *dnsServer) nameExists(name string) bool {
	prefix := strings.ToLower(strings.TrimSuffix(name, ".")) + " "
	for k := range s.zone {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func bogusA(name dnsmessage.Name) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 300},
		Body:   &dnsmessage.AResource{A: [4]byte{192, 0, 2, 66}},
	}
}

// dnsReply is one message the server sends: a response to q (its ID and
// questions), or with query a message with the QR bit clear.
type dnsReply struct {
	q                                 dnsmessage.Message
	query, truncated                  bool
	rcode                             dnsmessage.RCode
	answers, authorities, additionals []dnsmessage.Resource
}

func (s *dnsServer) reply(to netip.AddrPort, r dnsReply) {
	if msg, err := r.pack(); err == nil {
		s.conn.WriteToUDPAddrPort(msg, to)
	}
}

// pack returns r as a message, names compressed.
func (r dnsReply) pack() ([]byte, error) {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
		ID: r.q.ID, Response: !r.query, Authoritative: true, RecursionDesired: r.q.RecursionDesired,
		RecursionAvailable: true, Truncated: r.truncated, RCode: r.rcode,
	})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	for _, question := range r.q.Questions {
		b.Question(question)
	}
	sections := []struct {
		start func() error
		rs    []dnsmessage.Resource
	}{{b.StartAnswers, r.answers}, {b.StartAuthorities, r.authorities}, {b.StartAdditionals, r.additionals}}
	for _, sec := range sections {
		if err := sec.start(); err != nil {
			return nil, err
		}
		for _, rr := range sec.rs {
			switch body := rr.Body.(type) {
			case *dnsmessage.AResource:
				b.AResource(rr.Header, *body)
			case *dnsmessage.AAAAResource:
				b.AAAAResource(rr.Header, *body)
			case *dnsmessage.CNAMEResource:
				b.CNAMEResource(rr.Header, *body)
			case *dnsmessage.TXTResource:
				b.TXTResource(rr.Header, *body)
			case *dnsmessage.NSResource:
				b.NSResource(rr.Header, *body)
			case *dnsmessage.MXResource:
				b.MXResource(rr.Header, *body)
			case *dnsmessage.UnknownResource:
				b.UnknownResource(rr.Header, *body)
			}
		}
	}
	return b.Finish()
}

func (s *dnsServer) record(q dnsmessage.Message) {
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
}

// note explains silence to a learner: the last query the server could not
// parse, if any.
func (s *dnsServer) note() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	note := s.tcpBad
	if s.bad == nil {
		return note
	}
	return fmt.Sprintf("the DNS server received a query it could not parse, and dropped it, as servers do (%v):\n  %s\n",
		s.badErr, Show(s.bad)) + note
}

func (s *dnsServer) close() {
	close(s.done)
	s.conn.Close()
	if s.tcp != nil {
		s.tcp.Close()
	}
	s.wg.Wait()
}

// lastDNSServer returns the script's most recent dnsserver.
func lastDNSServer(ts *testscript.TestScript, cmd string) *dnsServer {
	st := state(ts)
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.dns) == 0 {
		ts.Fatalf("%s: no dnsserver is running", cmd)
	}
	return st.dns[len(st.dns)-1]
}

func cmdDNSAsked(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnsasked")
	usage(ts, len(args) == 2, "dnsasked NAME TYPE")
	st := state(ts)
	s := lastDNSServer(ts, "dnsasked")
	s.mu.Lock()
	queries := append([]dnsmessage.Message(nil), s.queries...)
	raw := append([][]byte(nil), s.raw...)
	s.mu.Unlock()
	want := fmt.Sprintf("a standard query: flags 0x0100 (RD set, every other bit 0), QDCOUNT 1 and the other counts 0, then exactly one question, %s %s IN, and nothing after it", args[0], args[1])
	if len(queries) == 0 {
		st.fail(ts, Failure{What: "the DNS server received no query", Want: want})
	}
	// The last query: each run of the program sends one.
	q, msg := queries[len(queries)-1], raw[len(raw)-1]
	if len(msg) < 12 {
		st.fail(ts, Failure{What: fmt.Sprintf("the query is %d bytes long, shorter than a DNS header", len(msg)), Sent: Show(msg), Want: want})
	}
	if len(q.Questions) == 0 {
		st.fail(ts, Failure{What: "the DNS server could not parse the query, and dropped it", Sent: Show(msg), Want: want})
	}
	var problems []string
	if flags := binary.BigEndian.Uint16(msg[2:]); flags != 0x0100 {
		problems = append(problems, fmt.Sprintf("the flags are 0x%04x", flags))
	}
	if q.Response {
		problems = append(problems, "the QR flag says it is a response")
	}
	if q.OpCode != 0 {
		problems = append(problems, fmt.Sprintf("the opcode is %d", q.OpCode))
	}
	if !q.RecursionDesired {
		problems = append(problems, "the RD (recursion desired) flag is not set")
	}
	if n := len(q.Answers) + len(q.Authorities) + len(q.Additionals); n > 0 {
		problems = append(problems, fmt.Sprintf("it carries %d records besides the question (ANCOUNT, NSCOUNT, ARCOUNT must be 0: no EDNS)", n))
	}
	if len(q.Questions) != 1 {
		problems = append(problems, fmt.Sprintf("it has %d questions", len(q.Questions)))
	} else {
		qq := q.Questions[0]
		if !strings.EqualFold(strings.TrimSuffix(qq.Name.String(), "."), strings.TrimSuffix(args[0], ".")) {
			problems = append(problems, fmt.Sprintf("it asks about %q", qq.Name.String()))
		}
		if !strings.EqualFold(strings.TrimPrefix(qq.Type.String(), "Type"), args[1]) {
			problems = append(problems, fmt.Sprintf("it asks for type %s", qq.Type))
		}
		if qq.Class != dnsmessage.ClassINET {
			problems = append(problems, fmt.Sprintf("its class is %s", qq.Class))
		}
		// The header, the name (its labels and the zero byte), QTYPE, QCLASS.
		if size := 12 + len(strings.TrimSuffix(qq.Name.String(), ".")) + 2 + 4; len(problems) == 0 && len(msg) != size {
			problems = append(problems, fmt.Sprintf("it is %d bytes long, where the header and the question make %d", len(msg), size))
		}
	}
	if len(problems) > 0 {
		st.fail(ts, Failure{What: "the query is not right: " + strings.Join(problems, "; "),
			Sent: Show(msg), Got: q.GoString(), Want: want})
	}
}

func cmdDNSQueries(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnsqueries")
	usage(ts, len(args) == 1, "dnsqueries N")
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	st := state(ts)
	s := lastDNSServer(ts, "dnsqueries")
	s.mu.Lock()
	raw := append([][]byte(nil), s.raw...)
	s.mu.Unlock()
	if len(raw) != n {
		var b strings.Builder
		for i, m := range raw {
			fmt.Fprintf(&b, "datagram %d: %s\n", i+1, Show(m))
		}
		what := fmt.Sprintf("the DNS server received %d datagrams", len(raw))
		want := fmt.Sprintf("%d: one query per run of the program, sent once", n)
		if n == 0 {
			want = "none: a name that cannot be encoded is an error before anything is sent"
		}
		st.fail(ts, Failure{What: what, Got: b.String(), Want: want})
	}
}

func cmdDNSIDs(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnsids")
	usage(ts, len(args) == 0, "dnsids")
	st := state(ts)
	s := lastDNSServer(ts, "dnsids")
	s.mu.Lock()
	raw := append([][]byte(nil), s.raw...)
	s.mu.Unlock()
	ids := map[uint16]bool{}
	var list []string
	for _, m := range raw {
		if len(m) >= 2 {
			ids[binary.BigEndian.Uint16(m)] = true
			list = append(list, fmt.Sprintf("0x%04x", binary.BigEndian.Uint16(m)))
		}
	}
	if len(raw) < 2 || len(ids) < 2 {
		st.fail(ts, Failure{What: fmt.Sprintf("the queries of %d runs all carry the same ID", len(raw)),
			Got: strings.Join(list, ", "), Want: "a new random ID for each query (crypto/rand): a fixed ID is the first thing a forger tries"})
	}
}
