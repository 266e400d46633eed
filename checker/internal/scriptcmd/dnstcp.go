package scriptcmd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/net/dns/dnsmessage"
)

// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by its
// length in 2 bytes. In the TCP modes the dnsserver's UDP answers are
// truncated, and its TCP listener, on the same port, answers as the mode
// says:
//
//	tcp           the whole answer, written in three pieces 100ms apart:
//	              the first byte of the length, then the second and half
//	              the message, then the rest
//	tcpshort      the length of the whole answer, then half of it, and close
//	tcpclose      reads the query and closes without a word
//	tcpmute       reads the query and never answers
//	tcptruncated  the answer, with TC set again
//	tcpwrongid    the answer under another ID (the query's plus one), in
//	              pieces as tcp: not the answer to the query

// tcpPause separates the pieces of a TCP answer: long enough that a client
// waiting in read gets each piece on its own, even on a loaded machine.
const tcpPause = 100 * time.Millisecond

func dnsTCPMode(mode string) bool { return strings.HasPrefix(mode, "tcp") }

// listenDNS opens a UDP socket on a free port of 127.0.0.1 and, with tcp, a
// TCP listener on the same port: a DNS server serves both on one port. A
// port free for UDP may be taken for TCP: then it tries another.
func listenDNS(tcp bool) (*net.UDPConn, *net.TCPListener, error) {
	for range 20 {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
		if err != nil || !tcp {
			return c, nil, err
		}
		l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(c.LocalAddr().(*net.UDPAddr).AddrPort()))
		if err == nil {
			return c, l, nil
		}
		c.Close()
	}
	return nil, nil, errors.New("dnsserver: found no port free for both UDP and TCP")
}

func (s *dnsServer) serveTCP() {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.handleTCP(c) })
	}
}

// handleTCP serves one connection: one framed query, one answer.
func (s *dnsServer) handleTCP(c net.Conn) {
	finished := make(chan struct{})
	defer close(finished)
	defer c.Close()
	go func() {
		// The server's end ends the connection, and unblocks any read.
		select {
		case <-s.done:
			c.Close()
		case <-finished:
		}
	}()
	c.SetDeadline(time.Now().Add(runTimeout))
	var size [2]byte
	if n, err := io.ReadFull(c, size[:]); err != nil {
		s.tcpProblem(fmt.Sprintf("a TCP connection ended after %d bytes (%v), before a whole 2-byte length", n, err))
		return
	}
	msg := make([]byte, binary.BigEndian.Uint16(size[:]))
	if n, err := io.ReadFull(c, msg); err != nil {
		s.tcpProblem(fmt.Sprintf("over TCP, the first 2 bytes, %02x %02x, announced a query of %d bytes, and the connection ended after %d more (%v). A query over TCP is its length in 2 bytes, big-endian, then the query itself; if the query's ID came first, the length was left out",
			size[0], size[1], len(msg), n, err))
		return
	}
	var q dnsmessage.Message
	if err := q.Unpack(msg); err != nil || len(q.Questions) != 1 {
		s.tcpProblem(fmt.Sprintf("over TCP, a message of %d bytes that is not a query with one question (%v):\n  %s", len(msg), err, Show(msg)))
		return
	}
	s.mu.Lock()
	s.tcpRaw = append(s.tcpRaw, msg)
	s.mu.Unlock()
	switch s.mode {
	case "tcpclose":
		return
	case "tcpmute":
		<-s.done
		return
	}
	question := q.Questions[0]
	answers := s.answer(question)
	rcode := dnsmessage.RCodeSuccess
	if len(answers) == 0 && !s.nameExists(question.Name.String()) {
		rcode = dnsmessage.RCodeNameError
	}
	reply, err := dnsReply{q: q, rcode: rcode, answers: answers, truncated: s.mode == "tcptruncated"}.pack()
	if err != nil {
		s.tcpProblem(fmt.Sprintf("could not build the answer over TCP: %v", err))
		return
	}
	if s.mode == "tcpwrongid" {
		binary.BigEndian.PutUint16(reply, q.Header.ID+1)
	}
	framed := append(binary.BigEndian.AppendUint16(nil, uint16(len(reply))), reply...)
	if s.mode == "tcpshort" {
		c.Write(framed[:2+len(reply)/2])
		return
	}
	pieces := [][]byte{framed[:1], framed[1 : 2+len(reply)/2], framed[2+len(reply)/2:]}
	for i, p := range pieces {
		if i > 0 {
			select {
			case <-s.done:
				return
			case <-time.After(tcpPause):
			}
		}
		if _, err := c.Write(p); err != nil {
			return
		}
	}
}

func (s *dnsServer) tcpProblem(what string) {
	s.mu.Lock()
	s.tcpBad = "the DNS server's TCP side: " + what + "\n"
	s.mu.Unlock()
}

// cmdDNSTCP checks how many queries the last dnsserver received over TCP,
// and that the last of them asked the question of the last query over UDP.
func cmdDNSTCP(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "dnstcp")
	usage(ts, len(args) == 1, "dnstcp N")
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	st := state(ts)
	s := lastDNSServer(ts, "dnstcp")
	// A query the program sent before it gave up (tcpmute) may still be
	// on its way to handleTCP: wait a little for fewer than n, never for
	// more.
	var tcp [][]byte
	var udp []dnsmessage.Message
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		tcp = append([][]byte(nil), s.tcpRaw...)
		udp = append([]dnsmessage.Message(nil), s.queries...)
		s.mu.Unlock()
		if len(tcp) >= n || time.Now().After(deadline) {
			break
		}
	}
	if len(tcp) != n {
		var b strings.Builder
		for i, m := range tcp {
			fmt.Fprintf(&b, "query %d: %s\n", i+1, Show(m))
		}
		want := fmt.Sprintf("%d: the answer over UDP had TC set, so the client asks the same question again over TCP, to the same address, once", n)
		if n == 0 {
			want = "none: an answer over UDP without TC set is complete"
		}
		st.fail(ts, Failure{What: fmt.Sprintf("the DNS server received %d queries over TCP", len(tcp)), Got: b.String(), Want: want})
	}
	if len(tcp) == 0 || len(udp) == 0 || len(udp[len(udp)-1].Questions) != 1 {
		return
	}
	// Each run asks over UDP, then over TCP: the last of each go together.
	asked := udp[len(udp)-1].Questions[0]
	m := tcp[len(tcp)-1]
	var q dnsmessage.Message
	if q.Unpack(m) != nil || len(q.Questions) != 1 {
		return // handleTCP keeps only queries with one question
	}
	got := q.Questions[0]
	if !strings.EqualFold(got.Name.String(), asked.Name.String()) || got.Type != asked.Type || got.Class != asked.Class {
		st.fail(ts, Failure{What: "the query over TCP does not ask the question the query over UDP asked",
			Sent: Show(m), Got: got.GoString(), Want: asked.GoString()})
	}
}
