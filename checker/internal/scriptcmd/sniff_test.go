package scriptcmd

import (
	"encoding/binary"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSniffDistance(t *testing.T) {
	assert.Equal(t, 0, sniffDistance("UDP len=5", "UDP len=5"))
	assert.Equal(t, 1, sniffDistance("UDP len=5", "UDP len=6"))
	assert.Equal(t, 3, sniffDistance("", "abc"))
	assert.Equal(t, 2, sniffDistance("flags=S.", "flags=P"))
}

func TestSniffClosestShowsTheNearestLinesInOrder(t *testing.T) {
	lines := []string{
		"sniffing on lo",
		"IPv4 127.0.0.1 > 127.0.0.2 ttl=64 ICMP echo-request id=1 seq=1",
		"IPv4 127.0.0.1:263 > 127.0.0.2:2824 ttl=64 UDP len=32504",
		"ETHER type=0x88b5 len=46",
		"IPv4 127.0.0.2:40700 > 127.0.0.1:58520 ttl=64 UDP len=12",
	}
	got := sniffClosest(lines, "IPv4 127.0.0.1:58520 > 127.0.0.2:40700 ttl=64 UDP len=12")
	assert.True(t, strings.HasPrefix(got, "4 lines about packets"), got)
	wrong := strings.Index(got, "127.0.0.1:263")
	reply := strings.Index(got, "127.0.0.2:40700 >")
	assert.True(t, wrong > 0 && reply > wrong, "both UDP lines, in the order printed:\n%s", got)
	assert.NotContains(t, got, "sniffing on")

	assert.Contains(t, sniffClosest([]string{"sniffing on lo"}, "x"), "no line about any packet")
}

func TestSniffCountIsExact(t *testing.T) {
	lines := []string{"a b", "a b ", "a b", "a  b"}
	assert.Equal(t, 2, sniffCount(lines, "a b", nil))
	assert.Equal(t, 3, sniffCount(lines, "a b.*", regexp.MustCompile(`^(?:a b.*)$`)))
}

func TestSniffBadLine(t *testing.T) {
	good := []string{"sniffing on lo",
		"IPv4 127.0.0.1:40000 > 127.0.0.2:9999 ttl=42 UDP len=6",
		"IPv6 [::1]:42688 > [::1]:9999 hlim=64 UDP len=4",
		"IPv6 ::1 > ::1 hlim=64 ICMPv6 type=1 code=4",
		"IPv4 127.0.0.1 > 127.0.0.1 ttl=64 ICMP echo-request id=1 seq=2",
		"IPv4 127.0.0.1:1 > 127.0.0.1:2 ttl=64 TCP flags=S. len=0",
		"IPv4 127.0.0.1:1 > 127.0.0.1:2 ttl=64 TCP flags=none len=0",
		"IPv4 127.0.0.1 > 127.0.0.2 ttl=64 proto=17 len=48",
		"IPv6 fe80::1 > ff02::16 hlim=1 proto=0 len=36",
		"ETHER type=0x0806 len=28",
		"IPv4 malformed",
		"IPv4 127.0.0.1 > 127.0.0.2 ttl=64 TCP malformed",
	}
	assert.Empty(t, sniffBadLine(good))
	for _, bad := range []string{"got a frame", "sniffing on lo", "IPv4 127.0.0.1 > 127.0.0.2 ttl=64 UDP", "ETHER type=0x88B5 len=2",
		"IPv4 127.0.0.1:1 > 127.0.0.2:2 ttl=64 TCP flags=S len=0 (options)"} {
		assert.NotEmpty(t, sniffBadLine(append(append([]string(nil), good...), bad)), bad)
	}
	assert.NotEmpty(t, sniffBadLine([]string{"IPv4 malformed"}), "the readiness line comes first")
}

func TestEtherIPFrame(t *testing.T) {
	e := etherIP{from: netip.MustParseAddrPort("127.0.0.1:40100"), to: netip.MustParseAddrPort("127.0.0.2:40101"), proto: 6, size: 5, pad: 12}
	typ, b := e.frame()
	assert.Equal(t, uint16(0x0800), typ)
	assert.Len(t, b, 20+20+5+12)
	assert.Equal(t, uint16(45), binary.BigEndian.Uint16(b[2:4]), "total length: header, TCP header and data, not the padding")
	assert.Equal(t, byte(6), b[9])
	assert.Equal(t, uint16(40100), binary.BigEndian.Uint16(b[20:22]))
	assert.Equal(t, byte(5<<4), b[32], "data offset 5")
	assert.Equal(t, ipChecksum(b[:20]), binary.BigEndian.Uint16(b[10:12]), "the header checksum")

	e.total, e.tcpOffset = 300, 15
	_, b = e.frame()
	assert.Equal(t, uint16(300), binary.BigEndian.Uint16(b[2:4]))
	assert.Equal(t, byte(15<<4), b[32])
	e.ihl = 4
	_, b = e.frame()
	assert.Equal(t, byte(0x44), b[0], "-ihl: version 4, IHL 4")
	assert.Equal(t, byte(15<<4), b[32], "the header stays 20 bytes")

	e = etherIP{from: netip.MustParseAddrPort("[::1]:1"), to: netip.MustParseAddrPort("[::2]:1"), proto: 253, size: 10, pad: 20}
	typ, b = e.frame()
	assert.Equal(t, uint16(0x86dd), typ)
	assert.Len(t, b, 40+10+20)
	assert.Equal(t, byte(6), b[0]>>4)
	assert.Equal(t, uint16(10), binary.BigEndian.Uint16(b[4:6]), "payload length: the data, not the padding")
	assert.Equal(t, []byte{253, 64}, b[6:8])
	assert.Equal(t, netip.MustParseAddr("::2").AsSlice(), b[24:40])
	e.total = 200
	_, b = e.frame()
	assert.Equal(t, uint16(200), binary.BigEndian.Uint16(b[4:6]), "-total: IPv6's payload length")

	e = etherIP{from: netip.MustParseAddrPort("127.0.0.1:0"), to: netip.MustParseAddrPort("127.0.0.2:0"), proto: 1, size: 8, icmp: true, icmpTC: [2]byte{8, 1}}
	_, b = e.frame()
	assert.Equal(t, []byte{8, 1}, b[20:22])
}
