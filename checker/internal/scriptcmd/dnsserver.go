package scriptcmd

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer answers DNS queries over UDP from a small zone, for lessons
// whose program is a DNS client. Answers use name compression, as real
// servers do. It records every query it receives.
type dnsServer struct {
	conn *net.UDPConn
	mode string
	zone map[string][]dnsmessage.Resource // by lower-case name and type
	wg   sync.WaitGroup

	mu      sync.Mutex
	queries []dnsmessage.Message
	bad     []byte // the last query it could not parse
	badErr  error
}

var dnsModes = []string{"normal", "truncated", "wrongid"}

func cmdDNSServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnsserver")
	use := "dnsserver ZONEFILE [" + strings.Join(dnsModes, "|") + "]"
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
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	ts.Check(err)
	s := &dnsServer{conn: c, mode: mode, zone: zone}
	st.mu.Lock()
	st.dns = append(st.dns, s)
	st.mu.Unlock()
	s.wg.Go(s.serve)
	ts.Setenv("DNSSERVER", c.LocalAddr().String())
}

func zoneKey(name string, t dnsmessage.Type) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + " " + t.String()
}

// readZone reads lines "NAME TYPE VALUE" (TYPE A, AAAA or CNAME); # starts a
// comment.
func readZone(path string) (map[string][]dnsmessage.Resource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zone := map[string][]dnsmessage.Resource{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want NAME TYPE VALUE", path, n)
		}
		name, err := dnsmessage.NewName(strings.TrimSuffix(fields[0], ".") + ".")
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		h := dnsmessage.ResourceHeader{Name: name, Class: dnsmessage.ClassINET, TTL: 300}
		var r dnsmessage.Resource
		switch strings.ToUpper(fields[1]) {
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
		default:
			return nil, fmt.Errorf("%s:%d: unknown type %q", path, n, fields[1])
		}
		key := zoneKey(name.String(), h.Type)
		zone[key] = append(zone[key], r)
	}
	return zone, sc.Err()
}

func (s *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
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
			s.reply(from, q, dnsmessage.RCodeFormatError, nil, false)
			continue
		}
		question := q.Questions[0]
		answers := s.answer(question)
		rcode := dnsmessage.RCodeSuccess
		if len(answers) == 0 && !s.nameExists(question.Name.String()) {
			rcode = dnsmessage.RCodeNameError
		}
		switch s.mode {
		case "wrongid":
			// First an answer to a query that was never asked.
			other := q
			other.ID++
			s.reply(from, other, dnsmessage.RCodeSuccess, []dnsmessage.Resource{bogusA(question.Name)}, false)
		case "truncated":
			s.reply(from, q, rcode, nil, true)
			continue
		}
		s.reply(from, q, rcode, answers, false)
	}
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

func (s *dnsServer) reply(to netip.AddrPort, q dnsmessage.Message, rcode dnsmessage.RCode, answers []dnsmessage.Resource, truncated bool) {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
		ID: q.ID, Response: true, Authoritative: true, RecursionDesired: q.RecursionDesired,
		RecursionAvailable: true, Truncated: truncated, RCode: rcode,
	})
	b.EnableCompression()
	if b.StartQuestions() != nil {
		return
	}
	for _, question := range q.Questions {
		b.Question(question)
	}
	if b.StartAnswers() != nil {
		return
	}
	for _, r := range answers {
		switch body := r.Body.(type) {
		case *dnsmessage.AResource:
			b.AResource(r.Header, *body)
		case *dnsmessage.AAAAResource:
			b.AAAAResource(r.Header, *body)
		case *dnsmessage.CNAMEResource:
			b.CNAMEResource(r.Header, *body)
		}
	}
	msg, err := b.Finish()
	if err == nil {
		s.conn.WriteToUDPAddrPort(msg, to)
	}
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
	if s.bad == nil {
		return ""
	}
	return fmt.Sprintf("the DNS server received a query it could not parse, and dropped it, as servers do (%v):\n  %s\n",
		s.badErr, Show(s.bad))
}

func (s *dnsServer) close() {
	s.conn.Close()
	s.wg.Wait()
}

func cmdDNSAsked(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnsasked")
	usage(ts, len(args) == 2, "dnsasked NAME TYPE")
	st := state(ts)
	st.mu.Lock()
	servers := append([]*dnsServer(nil), st.dns...)
	st.mu.Unlock()
	if len(servers) == 0 {
		ts.Fatalf("dnsasked: no dnsserver is running")
	}
	s := servers[len(servers)-1]
	s.mu.Lock()
	queries := append([]dnsmessage.Message(nil), s.queries...)
	s.mu.Unlock()
	want := fmt.Sprintf("a standard query (opcode 0, not a response) with the RD flag set and exactly one question: %s %s IN", args[0], args[1])
	if len(queries) == 0 {
		st.fail(ts, Failure{What: "the DNS server received no query it could parse", Want: want})
	}
	q := queries[0]
	var problems []string
	if q.Response {
		problems = append(problems, "the QR flag says it is a response")
	}
	if q.OpCode != 0 {
		problems = append(problems, fmt.Sprintf("the opcode is %d", q.OpCode))
	}
	if !q.RecursionDesired {
		problems = append(problems, "the RD (recursion desired) flag is not set")
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
	}
	if len(problems) > 0 {
		st.fail(ts, Failure{What: "the query is not right: " + strings.Join(problems, "; "),
			Got: q.GoString(), Want: want})
	}
}
