package scriptcmd

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"
)

// startDNSTCP starts a dnsserver in a TCP mode, listening on one port for
// both UDP and TCP.
func startDNSTCP(t *testing.T, mode string) *dnsServer {
	t.Helper()
	z, err := readZone(writeZone(t, "www.example.test A 192.0.2.1\nwww.example.test A 192.0.2.2\n"))
	require.NoError(t, err)
	c, l, err := listenDNS(true)
	require.NoError(t, err)
	require.Equal(t, c.LocalAddr().(*net.UDPAddr).Port, l.Addr().(*net.TCPAddr).Port, "one port for both")
	s := newDNSServer(c, mode, z)
	s.tcp = l
	s.wg.Go(s.serve)
	s.wg.Go(s.serveTCP)
	t.Cleanup(s.close)
	return s
}

func writeZone(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zone")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// askTCP sends one framed A query for www.example.test over TCP, and
// returns every byte the server sent, each Read apart, until it closes or
// wait passes.
func askTCP(t *testing.T, s *dnsServer, framed bool, wait time.Duration) [][]byte {
	t.Helper()
	c, err := net.Dial("tcp", s.tcp.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	q, err := (&dnsmessage.Message{Header: dnsmessage.Header{ID: 0x4242, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("www.example.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}).Pack()
	require.NoError(t, err)
	if framed {
		q = append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)
	}
	_, err = c.Write(q)
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(wait))
	var reads [][]byte
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			reads = append(reads, append([]byte(nil), buf[:n]...))
		}
		if err != nil {
			return reads
		}
	}
}

func TestDNSTCPAnswersInPieces(t *testing.T) {
	s := startDNSTCP(t, "tcp")
	// Over UDP: truncated, the first record only.
	r := ask(t, s, "www.example.test.", dnsmessage.TypeA, 9)
	require.Len(t, r, 1)
	assert.True(t, r[0].Truncated)
	assert.Len(t, r[0].Answers, 1)

	reads := askTCP(t, s, true, 3*time.Second)
	require.GreaterOrEqual(t, len(reads), 2)
	assert.Len(t, reads[0], 1, "the first piece is one byte of the length")
	var all []byte
	for _, r := range reads {
		all = append(all, r...)
	}
	require.Greater(t, len(all), 2)
	size := int(binary.BigEndian.Uint16(all))
	require.Equal(t, len(all)-2, size, "the length counts the message, and nothing follows it")
	var m dnsmessage.Message
	require.NoError(t, m.Unpack(all[2:]))
	assert.Equal(t, uint16(0x4242), m.ID)
	assert.False(t, m.Truncated)
	assert.Len(t, m.Answers, 2)
	s.mu.Lock()
	assert.Len(t, s.tcpRaw, 1)
	s.mu.Unlock()
}

func TestDNSTCPHostile(t *testing.T) {
	reads := askTCP(t, startDNSTCP(t, "tcpclose"), true, 3*time.Second)
	assert.Empty(t, reads, "tcpclose: nothing, then EOF")

	var all []byte
	for _, r := range askTCP(t, startDNSTCP(t, "tcpshort"), true, 3*time.Second) {
		all = append(all, r...)
	}
	require.Greater(t, len(all), 2)
	assert.Less(t, len(all)-2, int(binary.BigEndian.Uint16(all)), "tcpshort: less than the length says")

	start := time.Now()
	assert.Empty(t, askTCP(t, startDNSTCP(t, "tcpmute"), true, 300*time.Millisecond), "tcpmute: nothing")
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)

	all = nil
	for _, r := range askTCP(t, startDNSTCP(t, "tcptruncated"), true, 3*time.Second) {
		all = append(all, r...)
	}
	var m dnsmessage.Message
	require.NoError(t, m.Unpack(all[2:]))
	assert.True(t, m.Truncated)

	all = nil
	for _, r := range askTCP(t, startDNSTCP(t, "tcpwrongid"), true, 3*time.Second) {
		all = append(all, r...)
	}
	require.NoError(t, m.Unpack(all[2:]))
	assert.Equal(t, uint16(0x4243), m.ID, "tcpwrongid: the query's ID plus one")
	assert.False(t, m.Truncated)
	assert.Len(t, m.Answers, 2)
}

func TestDNSTCPExplainsNoPrefix(t *testing.T) {
	s := startDNSTCP(t, "tcp")
	// The query alone: the server takes its ID, 0x4242, for the length,
	// and waits for bytes that never come; the client gives up.
	assert.Empty(t, askTCP(t, s, false, 200*time.Millisecond))
	require.Eventually(t, func() bool { return s.note() != "" }, 3*time.Second, 10*time.Millisecond)
	assert.Contains(t, s.note(), "42 42, announced a query of 16962 bytes")
	assert.Contains(t, s.note(), "its length in 2 bytes")
}

func TestReadZoneMoreTypes(t *testing.T) {
	z, err := readZone(writeZone(t, `example.test MX 10 mail.example.test
example.test NS ns1.example.test.
example.test TXT "v=spf1 -all" "a # in a string" # a comment
example.test txt "" "tab\there"
`))
	require.NoError(t, err)
	mx := z[zoneKey("example.test", dnsmessage.TypeMX)]
	require.Len(t, mx, 1)
	assert.Equal(t, uint16(10), mx[0].Body.(*dnsmessage.MXResource).Pref)
	assert.Equal(t, "mail.example.test.", mx[0].Body.(*dnsmessage.MXResource).MX.String())
	ns := z[zoneKey("example.test", dnsmessage.TypeNS)]
	require.Len(t, ns, 1)
	assert.Equal(t, "ns1.example.test.", ns[0].Body.(*dnsmessage.NSResource).NS.String())
	txt := z[zoneKey("example.test", dnsmessage.TypeTXT)]
	require.Len(t, txt, 2)
	assert.Equal(t, []string{"v=spf1 -all", "a # in a string"}, txt[0].Body.(*dnsmessage.TXTResource).TXT)
	assert.Equal(t, []string{"", "tab\there"}, txt[1].Body.(*dnsmessage.TXTResource).TXT)

	for _, bad := range []string{"example.test MX mail.example.test", "example.test MX 70000 mail.example.test",
		"example.test TXT unquoted", "example.test TXT", "example.test NS a b"} {
		_, err := readZone(writeZone(t, bad+"\n"))
		assert.Error(t, err, bad)
	}
}

func TestDNSTXTPastEnd(t *testing.T) {
	q, err := (&dnsmessage.Message{Header: dnsmessage.Header{ID: 1, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("www.example.test."), Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET}}}).Pack()
	require.NoError(t, err)
	msg := dnsHostile("txtpastend", q)
	var p dnsmessage.Parser
	_, err = p.Start(msg)
	require.NoError(t, err)
	require.NoError(t, p.SkipAllQuestions())
	h, err := p.AnswerHeader()
	require.NoError(t, err)
	assert.Equal(t, dnsmessage.TypeTXT, h.Type)
	assert.Equal(t, uint16(4), h.Length)
	_, err = p.TXTResource()
	assert.Error(t, err, "a string of 10 bytes in an RDATA of 4")
}
