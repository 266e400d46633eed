package scriptcmd

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTopologyArgs(t *testing.T) {
	o, ok := topologyArgs([]string{"3", "silent=2", "noise"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 3, silent: 2, noise: true}, o)
	o, ok = topologyArgs([]string{"2", "dup"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 2, dup: true}, o)
	o, ok = topologyArgs([]string{"2", "options", "otherhost"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 2, options: true, otherHost: true}, o)
	assert.True(t, o.relayed())
	o, ok = topologyArgs([]string{"1", "slow=100ms"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 1, slow: 100 * time.Millisecond}, o)
	assert.True(t, o.relayed())
	o, ok = topologyArgs([]string{"2", "errors"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 2, errs: true}, o)
	o, ok = topologyArgs([]string{"1", "drop=6"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 1, drop: 6}, o)
	assert.True(t, o.relayed())
	o, ok = topologyArgs([]string{"2", "relay"})
	assert.True(t, ok)
	assert.True(t, o.relayed())
	for _, bad := range [][]string{nil, {"0"}, {"x"}, {"3", "silent=4"}, {"3", "silent=0"}, {"3", "loud"}, {"1", "errors"}, {"1", "slow=0s"}, {"1", "slow=x"}, {"1", "drop=1"}, {"1", "drop=x"}} {
		_, ok := topologyArgs(bad)
		assert.False(t, ok, bad)
	}
}

func TestParseTraceLine(t *testing.T) {
	l := parseTraceLine(" 3  10.0.3.2  0.051 ms *  10.0.9.2  1.2 ms !H")
	assert.Equal(t, "3", l.ttl)
	assert.Equal(t, []string{"10.0.3.2", "10.0.9.2"}, l.addrs)
	assert.Equal(t, 3, l.probes)
	assert.Equal(t, 2, l.times)
	assert.Empty(t, l.bad)
	assert.Equal(t, "router1", parseTraceLine(" 1  router1  0.1 ms").bad)
	assert.Equal(t, "0.1ms", parseTraceLine(" 1  10.0.1.2  0.1ms").bad, "a time is a number, a space, ms")
}

func TestCheckHops(t *testing.T) {
	names := map[string]string{"10.0.1.2": "router 1", "10.0.2.2": "router 2", "10.0.3.2": "the destination"}
	want := []string{"10.0.1.2", "*", "10.0.3.2"}
	check := func(out string, probes int) string {
		return checkHops(strings.Split(out, "\n"), want, probes, "10.0.3.2", names)
	}
	assert.Empty(t, check(" 1  10.0.1.2  0.100 ms  0.020 ms\n 2  * *\n 3  10.0.3.2  0.300 ms  0.040 ms", 2))
	assert.Empty(t, check("1 10.0.1.2 0.1 ms\n2 *\n3 10.0.3.2 0.3 ms", 0), "spacing is free")
	assert.Empty(t, check(" 1  10.0.1.2  0.1 ms  10.0.1.2  0.2 ms\n 2  * *\n 3  10.0.3.2  0.3 ms  10.0.3.2  0.4 ms", 2), "the address again before each time")
	for out, what := range map[string]string{
		" 1  10.0.3.2  0.1 ms":                                                    "the destination 10.0.3.2 answered, but a probe sent with TTL 1",
		" 1  10.0.1.2  0.1 ms\n 2  10.0.1.2  0.1 ms":                              "never answers",
		" 1  10.0.1.2  0.1 ms\n 3  10.0.3.2  0.1 ms\n 2  *":                       `line 2 starts with "3"`,
		" 1  10.0.1.2  0.1 ms\n 2  *":                                             "TTL 3 should have its line",
		" 1  10.0.1.2  0.1 ms\n 2  *\n 3  *":                                      "port unreachable",
		" 1  10.0.1.2  0.1 ms\n 2  *\n 3  10.0.3.2  0.1 ms\n 4  10.0.3.2  0.1 ms": "goes on after the destination",
		" 1  *\n 2  *\n 3  10.0.3.2  0.1 ms":                                      "time exceeded",
		" 1  10.0.1.2  0.1 ms *\n 2  *\n 3  10.0.3.2  0.1 ms":                     "shows 2 probe results, not 1",
		" 1  10.0.1.2  0.1 ms\n 2  *\n 3  10.0.3.2  10.0.1.2  0.1 ms":             "only 10.0.3.2 (the destination) is on the path",
	} {
		assert.Contains(t, check(out, 1), what, out)
	}
}

// traceProbe is a UDP probe from 10.7.1.1 port 40000 to 10.7.4.2 port
// 33436, TTL 2, as it leaves.
func traceProbe() []byte {
	p := make([]byte, 20+8+4)
	p[0], p[8], p[9] = 0x45, 2, 17
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	copy(p[12:], []byte{10, 7, 1, 1, 10, 7, 4, 2})
	binary.BigEndian.PutUint16(p[10:], icmpChecksum(p[:20]))
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], 33436)
	binary.BigEndian.PutUint16(p[24:], 12)
	copy(p[28:], "abcd")
	return p
}

func TestTraceOtherHostAnswer(t *testing.T) {
	d := traceOtherHostAnswer(traceProbe(), [4]byte{10, 7, 250, 2})
	require.NotNil(t, d)
	assert.Equal(t, uint16(0), icmpChecksum(d[:20]), "the outer header's checksum")
	assert.Equal(t, []byte{10, 7, 250, 2, 10, 7, 1, 1}, d[12:20], "from the other host to the probe's source")
	msg := d[20:]
	assert.Equal(t, []byte{3, 3}, msg[:2], "port unreachable")
	assert.Equal(t, uint16(0), icmpChecksum(msg), "the error's checksum")
	q := msg[8:]
	assert.Len(t, q, 28, "the probe's header and 8 bytes")
	assert.Equal(t, uint16(0), icmpChecksum(q[:20]), "the quoted header's checksum")
	assert.Equal(t, []byte{10, 7, 1, 1, 10, 7, 250, 2}, q[12:20], "the probe, as if it went to the other host")
	assert.Equal(t, []uint16{40000, 33436}, []uint16{binary.BigEndian.Uint16(q[20:]), binary.BigEndian.Uint16(q[22:])}, "its ports")
	assert.Nil(t, traceOtherHostAnswer([]byte{0x45, 0}, [4]byte{}))
}

func TestTraceAnswerKey(t *testing.T) {
	probe, err := parseIPv4(traceProbe())
	require.NoError(t, err)
	key := traceProbeKey(probe.proto, probe.payload())
	require.NotEmpty(t, key)
	// A port unreachable that quotes the probe (to another host, but with
	// its UDP header) answers it; one that quotes it with an option too.
	answer, err := parseIPv4(traceOtherHostAnswer(traceProbe(), [4]byte{10, 7, 250, 2}))
	require.NoError(t, err)
	assert.Equal(t, key, traceAnswerKey(answer))
	withOption, err := parseIPv4(traceQuoteWithOption(answer.raw))
	require.NoError(t, err)
	assert.Equal(t, key, traceAnswerKey(withOption))
	// Another destination port is another probe.
	other := traceProbe()
	other[23]++
	otherProbe, err := parseIPv4(other)
	require.NoError(t, err)
	assert.NotEqual(t, key, traceProbeKey(otherProbe.proto, otherProbe.payload()))
	// An echo request and its reply share identifier and sequence number.
	request := []byte{8, 0, 0, 0, 0x12, 0x34, 0, 7}
	reply := make([]byte, 28)
	reply[0], reply[9] = 0x45, 1
	copy(reply[20:], []byte{0, 0, 0, 0, 0x12, 0x34, 0, 7})
	replyPkt, err := parseIPv4(reply)
	require.NoError(t, err)
	assert.Equal(t, traceProbeKey(1, request), traceAnswerKey(replyPkt))
	assert.Empty(t, traceProbeKey(6, make([]byte, 20)), "not a probe")
}

func TestTraceQuoteWithOption(t *testing.T) {
	// Router 2's time exceeded about the probe, quoting its header and
	// 8 bytes.
	probe := traceProbe()
	msg := append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, probe[:28]...)
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	p := make([]byte, 20, 20+len(msg))
	p[0], p[8], p[9] = 0x45, 63, 1
	binary.BigEndian.PutUint16(p[2:], uint16(20+len(msg)))
	copy(p[12:], []byte{10, 7, 2, 2, 10, 7, 1, 1})
	binary.BigEndian.PutUint16(p[10:], icmpChecksum(p))
	p = append(p, msg...)

	out := traceQuoteWithOption(p)
	require.NotNil(t, out)
	require.Len(t, out, len(p)+4)
	assert.Equal(t, uint16(len(out)), binary.BigEndian.Uint16(out[2:]))
	assert.Equal(t, uint16(0), icmpChecksum(out[:20]), "the outer header's checksum")
	assert.Equal(t, uint16(0), icmpChecksum(out[20:]), "the error's checksum")
	q := out[28:]
	assert.Equal(t, byte(0x46), q[0], "IHL 6")
	assert.Equal(t, uint16(0), icmpChecksum(q[:24]), "the quoted header's checksum, option included")
	assert.Equal(t, uint16(len(probe)+4), binary.BigEndian.Uint16(q[2:]), "the quoted packet's length, option included")
	assert.Equal(t, traceRouterAlert, q[20:24])
	assert.Equal(t, probe[20:28], q[24:32], "the UDP header after the option")
	assert.Nil(t, traceQuoteWithOption(probe), "a UDP packet is no ICMP error")
}

func TestCheckAnswered(t *testing.T) {
	want := []string{"10.0.1.2", "*", "10.0.3.2"}
	assert.Empty(t, checkAnswered([]string{" 1  10.0.1.2  100.1 ms  100.2 ms", " 2  * *", " 3  10.0.3.2  100.3 ms  100.1 ms"}, want))
	what := checkAnswered([]string{" 1  10.0.1.2  100.1 ms  100.2 ms", " 2  * *", " 3  10.0.3.2  100.3 ms *"}, want)
	assert.Contains(t, what, "line 3 (TTL 3) has 1 stars")
}
