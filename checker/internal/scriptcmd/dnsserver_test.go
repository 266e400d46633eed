package scriptcmd

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"
)

func startDNS(t *testing.T, mode string) *dnsServer {
	t.Helper()
	zone := filepath.Join(t.TempDir(), "zone")
	require.NoError(t, os.WriteFile(zone, []byte(`# test zone
www.example.test A 192.0.2.1
www.example.test A 192.0.2.2
www.example.test AAAA 2001:db8::1
alias.example.test CNAME www.example.test
`), 0o644))
	z, err := readZone(zone)
	require.NoError(t, err)
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	require.NoError(t, err)
	s := newDNSServer(c, mode, z)
	s.wg.Go(s.serve)
	t.Cleanup(s.close)
	return s
}

func ask(t *testing.T, s *dnsServer, name string, typ dnsmessage.Type, id uint16) []dnsmessage.Message {
	t.Helper()
	c, err := net.DialUDP("udp", nil, s.conn.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer c.Close()
	q := dnsmessage.Message{Header: dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}}}
	b, err := q.Pack()
	require.NoError(t, err)
	_, err = c.Write(b)
	require.NoError(t, err)
	var out []dnsmessage.Message
	buf := make([]byte, 1500)
	for {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return out
		}
		var m dnsmessage.Message
		require.NoError(t, m.Unpack(buf[:n]))
		out = append(out, m)
	}
}

func TestDNSServerAnswers(t *testing.T) {
	s := startDNS(t, "normal")
	r := ask(t, s, "www.example.test.", dnsmessage.TypeA, 7)
	require.Len(t, r, 1)
	assert.Equal(t, uint16(7), r[0].ID)
	assert.Len(t, r[0].Answers, 2)

	r = ask(t, s, "alias.example.test.", dnsmessage.TypeAAAA, 8)
	require.Len(t, r, 1)
	require.Len(t, r[0].Answers, 2, "the CNAME, then the address")
	assert.Equal(t, dnsmessage.TypeCNAME, r[0].Answers[0].Header.Type)

	r = ask(t, s, "nope.example.test.", dnsmessage.TypeA, 9)
	require.Len(t, r, 1)
	assert.Equal(t, dnsmessage.RCodeNameError, r[0].RCode)
}

func TestDNSServerModes(t *testing.T) {
	r := ask(t, startDNS(t, "wrongid"), "www.example.test.", dnsmessage.TypeA, 100)
	require.Len(t, r, 2)
	assert.Equal(t, uint16(101), r[0].ID, "first a reply with another ID")
	assert.Equal(t, uint16(100), r[1].ID)

	r = ask(t, startDNS(t, "truncated"), "www.example.test.", dnsmessage.TypeA, 5)
	require.Len(t, r, 1)
	assert.True(t, r[0].Truncated)
}

func TestDNSServerExplainsGarbage(t *testing.T) {
	s := startDNS(t, "normal")
	c, err := net.DialUDP("udp", nil, s.conn.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte{0x12, 0x34, 0x01})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.note() != "" }, 2*time.Second, 5*time.Millisecond)
	assert.Contains(t, s.note(), "could not parse")
	assert.Contains(t, s.note(), "12 34 01")
}

func TestDNSServerDecoys(t *testing.T) {
	for _, mode := range []string{"noqr", "othername", "othertype", "otherclass"} {
		r := ask(t, startDNS(t, mode), "www.example.test.", dnsmessage.TypeA, 42)
		require.Len(t, r, 2, mode)
		assert.Equal(t, uint16(42), r[0].ID, mode)
		assert.Equal(t, mode == "noqr", !r[0].Response, mode)
		q := r[0].Questions[0]
		assert.Equal(t, mode != "othername", q.Name.String() == "www.example.test.", mode)
		assert.Equal(t, mode != "othertype", q.Type == dnsmessage.TypeA, mode)
		assert.Equal(t, mode != "otherclass", q.Class == dnsmessage.ClassINET, mode)
		assert.Len(t, r[1].Answers, 2, mode)
	}

	r := ask(t, startDNS(t, "upper"), "www.example.test.", dnsmessage.TypeA, 1)
	require.Len(t, r, 1)
	assert.Equal(t, "WWW.EXAMPLE.TEST.", r[0].Questions[0].Name.String())
	assert.Equal(t, "WWW.EXAMPLE.TEST.", r[0].Answers[0].Header.Name.String())

	r = ask(t, startDNS(t, "extratypes"), "www.example.test.", dnsmessage.TypeA, 1)
	require.Len(t, r, 1)
	require.Len(t, r[0].Answers, 3)
	assert.Equal(t, dnsmessage.TypeHINFO, r[0].Answers[1].Header.Type)

	r = ask(t, startDNS(t, "sections"), "www.example.test.", dnsmessage.TypeA, 1)
	require.Len(t, r, 1)
	assert.Len(t, r[0].Answers, 2)
	assert.Len(t, r[0].Authorities, 1)
	assert.Len(t, r[0].Additionals, 1)

	r = ask(t, startDNS(t, "servfail"), "www.example.test.", dnsmessage.TypeA, 1)
	require.Len(t, r, 1)
	assert.Equal(t, dnsmessage.RCodeServerFailure, r[0].RCode)

	r = ask(t, startDNS(t, "truncated"), "www.example.test.", dnsmessage.TypeA, 1)
	require.Len(t, r, 1)
	assert.True(t, r[0].Truncated)
	assert.Len(t, r[0].Answers, 1, "what fits: the first record")
}

func TestDNSHostile(t *testing.T) {
	q, err := (&dnsmessage.Message{Header: dnsmessage.Header{ID: 0xbeef, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("www.example.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}).Pack()
	require.NoError(t, err)
	assert.Nil(t, dnsHostile("normal", q))
	for _, mode := range []string{"selfpointer", "pointerloop", "labelloop", "pointerpastend", "labelpastend", "rdatapastend", "recordspastend", "longname"} {
		msg := dnsHostile(mode, q)
		require.NotNil(t, msg, mode)
		assert.Equal(t, []byte{0xbe, 0xef, 0x81, 0x80}, msg[:4], mode)
		assert.Equal(t, q[12:], msg[12:len(q)], "the question, copied: "+mode)
		if mode == "rdatapastend" {
			// dnsmessage reads an A record's 4 bytes without looking at
			// RDLENGTH: count by hand.
			assert.Equal(t, []byte{1, 4}, msg[len(msg)-6:len(msg)-4], "RDLENGTH 260")
			continue
		}
		var p dnsmessage.Parser
		_, err := p.Start(msg)
		require.NoError(t, err, mode)
		_, err = p.AllQuestions()
		require.NoError(t, err, mode)
		_, err = p.AllAnswers()
		assert.Error(t, err, "a malformed answer: "+mode)
	}
}
