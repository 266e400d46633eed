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
	s := &dnsServer{conn: c, mode: mode, zone: z}
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
