package scriptcmd

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestICMPChecksum(t *testing.T) {
	for _, c := range []struct {
		msg  []byte
		want uint16
	}{
		{[]byte{8, 0, 0, 0, 0, 1, 0, 1, 'h', 'i'}, 0x8f94},
		{[]byte{8, 0, 0, 0, 0, 1, 0, 1, 0xff, 0xff, 0xff, 0xff}, 0xf7fd}, // carries to fold
		{[]byte{8, 0, 0, 0, 0, 1, 0, 1, 'h'}, 0x8ffd},                    // odd: 'h' is a high half
		{[]byte{8, 0, 0x8f, 0x94, 0, 1, 0, 1, 'h', 'i'}, 0},              // a right message sums to 0
	} {
		assert.Equal(t, c.want, icmpChecksum(c.msg), "% x", c.msg)
	}
}

func TestICMPEchoReplies(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0x12, 0x34, 0xab, 0xcd, 0, 2, 'h', 'i'}, time.Now())
	require.True(t, ok)
	assert.Equal(t, uint16(0x1234), req.sum)
	assert.NotEqual(t, req.sum, req.want, "the request's checksum is wrong")

	o, err := parseICMPTargetOptions([]string{"delay=20ms", "otherid", "corrupt", "dup"})
	require.NoError(t, err)
	msgs, delays := o.echoReplies(req, netip.Addr{}, netip.Addr{})
	require.Len(t, msgs, 4)
	assert.Equal(t, []time.Duration{0, 0, 20 * time.Millisecond, 20 * time.Millisecond}, delays)
	for i, m := range msgs {
		assert.Equal(t, byte(0), m[0], "reply %d is an echo reply", i)
		assert.Equal(t, uint16(2), binary.BigEndian.Uint16(m[6:]), "reply %d keeps the sequence number", i)
		assert.Equal(t, "hi", string(m[8:]))
	}
	assert.Equal(t, uint16(0xabcd^0x8000), binary.BigEndian.Uint16(msgs[0][4:]), "the decoy has another identifier")
	assert.Equal(t, uint16(0), icmpChecksum(msgs[0]), "the other identifier's reply is well formed")
	assert.NotEqual(t, uint16(0), icmpChecksum(msgs[1]), "the corrupt decoy's checksum is wrong")
	assert.Equal(t, uint16(0), icmpChecksum(msgs[2]), "the real reply is right, even to a wrong request")

	o, err = parseICMPTargetOptions([]string{"lose=2,4"})
	require.NoError(t, err)
	msgs, _ = o.echoReplies(req, netip.Addr{}, netip.Addr{})
	assert.Empty(t, msgs, "a lost sequence number gets no reply")

	for _, bad := range []string{"delay=soon", "lose=x", "loud", "silent=1"} {
		_, err := parseICMPTargetOptions([]string{bad})
		assert.Error(t, err, bad)
	}
}

func TestICMPJudgeRequests(t *testing.T) {
	mk := func(id, seq uint16, size int, fix bool) icmpRequest {
		m := make([]byte, 8+size)
		m[0] = 8
		binary.BigEndian.PutUint16(m[4:], id)
		binary.BigEndian.PutUint16(m[6:], seq)
		if fix {
			binary.BigEndian.PutUint16(m[2:], icmpChecksum(m))
		}
		r, _ := parseEchoRequest(m, time.Now())
		return r
	}
	addr := netip.MustParseAddr("198.51.100.1")
	good := []icmpRequest{mk(7, 1, 56, true), mk(7, 2, 56, true)}
	assert.Nil(t, judgeEchoRequests(good, addr, 2, 56))
	for name, c := range map[string]struct {
		reqs []icmpRequest
		size int
		want string
	}{
		"checksum": {[]icmpRequest{mk(7, 1, 56, false)}, 56, "checksum"},
		"count":    {good[:1], 56, "received 1"},
		"order":    {[]icmpRequest{good[1], good[0]}, 56, "sequence number"},
		"id":       {[]icmpRequest{good[0], mk(8, 2, 56, true)}, 56, "identifier"},
		"size":     {good, 57, "bytes of data"},
	} {
		f := judgeEchoRequests(c.reqs, addr, 2, c.size)
		if assert.NotNil(t, f, name) {
			assert.Contains(t, f.What, c.want, name)
		}
	}
}

func TestPingJudgeOutput(t *testing.T) {
	good := `PING 198.51.100.1: 56 data bytes
64 bytes from 198.51.100.1: icmp_seq=1 time=20.100 ms
Request timeout for icmp_seq 2
64 bytes from 198.51.100.1: icmp_seq=3 ttl=64 time=20.300 ms

--- 198.51.100.1 ping statistics ---
3 packets transmitted, 2 received, 33% packet loss
rtt min/avg/max = 20.100/20.200/20.300 ms
`
	assert.Nil(t, judgePingOutput(good))
	silent := "PING 1.2.3.4: 56 data bytes\nRequest timeout for icmp_seq 1\n\n--- 1.2.3.4 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss\n"
	assert.Nil(t, judgePingOutput(silent))

	for name, c := range map[string]struct{ old, new, want string }{
		"avg over sent": {"20.200/", "13.467/", "avg"},
		"loss":          {"33%", "0%", "packet loss"},
		"received":      {"2 received", "3 received", "received"},
		"order":         {"icmp_seq 2", "icmp_seq 4", "probe 2"},
		"stray line":    {"Request timeout", "no answer", "a line the contract"},
		"no summary":    {"3 packets transmitted, 2 received, 33% packet loss\n", "", "no line"},
	} {
		out := pingReplaceOnce(t, good, c.old, c.new)
		f := judgePingOutput(out)
		if assert.NotNil(t, f, name) {
			assert.Contains(t, f.What, c.want, name)
		}
	}

	o := icmpTargetOptions{delay: 20 * time.Millisecond, lose: map[uint16]bool{2: true}}
	assert.Nil(t, judgePingTimes(good, o, nil))
	f := judgePingTimes(pingReplaceOnce(t, good, "time=20.100", "time=0.100"), o, nil)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "icmp_seq=1 after 0.100 ms")
	f = judgePingTimes(pingReplaceOnce(t, good, "Request timeout for icmp_seq 2", "64 bytes from 198.51.100.1: icmp_seq=2 time=20.1 ms"), o, nil)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "never answered")
}

func pingReplaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	i := strings.Index(s, old)
	require.GreaterOrEqual(t, i, 0, "%q not in the sample", old)
	return s[:i] + new + s[i+len(old):]
}

func TestICMPBadCodeAndPrevious(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0, 0, 0xab, 0xcd, 0, 3, 'h', 'i'}, time.Now())
	require.True(t, ok)
	o, err := parseICMPTargetOptions([]string{"badcode", "previous", "delay=5ms"})
	require.NoError(t, err)
	assert.True(t, o.previous)
	msgs, delays := o.echoReplies(req, netip.Addr{}, netip.Addr{})
	require.Len(t, msgs, 2)
	assert.Equal(t, []time.Duration{0, 5 * time.Millisecond}, delays)
	assert.Equal(t, byte(1), msgs[0][1], "the decoy has code 1")
	assert.Equal(t, uint16(0), icmpChecksum(msgs[0]), "and a right checksum")
	assert.Equal(t, byte(0), msgs[1][1])

	const good = "PING 198.51.100.1: 56 data bytes\n64 bytes from 198.51.100.1: icmp_seq=1 time=100.100 ms\n"
	assert.Nil(t, judgePingMax(good, 500*time.Millisecond))
	f := judgePingMax(pingReplaceOnce(t, good, "100.100", "100100.000"), 500*time.Millisecond)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "more than -W")
	f = judgePingTimes(good, icmpTargetOptions{previous: true}, nil)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "only when the next one arrives")
}

func TestICMPJudgeGaps(t *testing.T) {
	t0 := time.Now()
	reqs := []icmpRequest{{at: t0, seq: 1}, {at: t0.Add(200 * time.Millisecond), seq: 2}, {at: t0.Add(400 * time.Millisecond), seq: 3}}
	assert.Nil(t, judgeEchoGaps(reqs, 100*time.Millisecond))
	reqs[2].at = t0.Add(210 * time.Millisecond)
	f := judgeEchoGaps(reqs, 100*time.Millisecond)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "icmp_seq=3 left 10.0ms after icmp_seq=2")
}

func TestICMPChatter(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0, 0, 0xab, 0xcd, 0, 1}, time.Now())
	require.True(t, ok)
	o, err := parseICMPTargetOptions([]string{"chatter"})
	require.NoError(t, err)
	msgs, delays := o.echoReplies(req, netip.Addr{}, netip.Addr{})
	require.Len(t, msgs, 40)
	assert.Equal(t, 1950*time.Millisecond, delays[39])
	for _, m := range msgs {
		assert.NotEqual(t, uint16(0xabcd), binary.BigEndian.Uint16(m[4:]), "never the program's own reply")
	}
}

func TestPingJudgeErrors(t *testing.T) {
	out := `PING 10.1.200.1: 56 data bytes
From 10.1.1.2 icmp_seq=1 Destination Net Unreachable
Request timeout for icmp_seq 2

--- 10.1.200.1 ping statistics ---
2 packets transmitted, 0 received, +1 errors, 100% packet loss
`
	assert.Nil(t, judgePingOutput(out))
	f := judgePingOutput(pingReplaceOnce(t, out, ", +1 errors", ""))
	require.NotNil(t, f)
	assert.Contains(t, f.What, "1 error lines")
	f = judgePingOutput(pingReplaceOnce(t, out, "From 10.1.1.2 icmp_seq=1 Destination Net Unreachable", "Request timeout for icmp_seq 1"))
	require.NotNil(t, f)
	assert.Contains(t, f.What, "no error line")
}

func TestICMPOtherErrors(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0, 0, 0xab, 0xcd, 0, 3, 'h', 'i'}, time.Now())
	require.True(t, ok)
	o, err := parseICMPTargetOptions([]string{"othererr", "delay=10ms"})
	require.NoError(t, err)
	from, to := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("198.51.100.9")
	msgs, delays := o.echoReplies(req, from, to)
	require.Len(t, msgs, 4)
	assert.Equal(t, []time.Duration{0, 0, 0, 10 * time.Millisecond}, delays)
	for i, m := range msgs[:3] {
		assert.Equal(t, []byte{3, 1}, m[:2], "decoy %d is a Destination Host Unreachable", i)
		assert.Equal(t, uint16(0), icmpChecksum(m), "decoy %d is well formed", i)
		ip := m[8:]
		assert.Equal(t, byte(0x45), ip[0])
		assert.Equal(t, byte(1), ip[9], "the quoted packet is ICMP")
		assert.Equal(t, from.AsSlice(), ip[12:16])
		assert.Equal(t, uint16(0), icmpChecksum(ip[:20]), "the quoted IPv4 header's checksum")
		assert.Equal(t, byte(8), ip[20], "it quotes an echo request")
	}
	assert.Equal(t, to.AsSlice(), msgs[0][24:28])
	assert.Equal(t, []uint16{0xabcd ^ 0x8000, 3}, []uint16{binary.BigEndian.Uint16(msgs[0][32:]), binary.BigEndian.Uint16(msgs[0][34:])}, "another ping's request")
	assert.Equal(t, to.AsSlice(), msgs[1][24:28])
	assert.Equal(t, []uint16{0xabcd, 2}, []uint16{binary.BigEndian.Uint16(msgs[1][32:]), binary.BigEndian.Uint16(msgs[1][34:])}, "the previous probe")
	assert.Equal(t, icmpOtherHost.AsSlice(), msgs[2][24:28], "a request to another host")
	assert.Equal(t, []uint16{0xabcd, 3}, []uint16{binary.BigEndian.Uint16(msgs[2][32:]), binary.BigEndian.Uint16(msgs[2][34:])}, "with our identifier and sequence number")
	assert.Equal(t, byte(0), msgs[3][0], "then the reply")
}

func TestICMPErrorDecoys(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0, 0, 0xab, 0xcd, 0, 3, 'h', 'i'}, time.Now())
	require.True(t, ok)
	from, to := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("198.51.100.9")

	o, err := parseICMPTargetOptions([]string{"corrupterr"})
	require.NoError(t, err)
	msgs, _ := o.echoReplies(req, from, to)
	require.Len(t, msgs, 2)
	assert.Equal(t, []byte{3, 1}, msgs[0][:2])
	assert.NotEqual(t, uint16(0), icmpChecksum(msgs[0]), "the error's checksum does not add up")
	assert.Equal(t, to.AsSlice(), msgs[0][24:28])
	assert.Equal(t, []uint16{0xabcd, 3}, []uint16{binary.BigEndian.Uint16(msgs[0][32:]), binary.BigEndian.Uint16(msgs[0][34:])}, "it quotes this very request")
	assert.Equal(t, byte(0), msgs[1][0], "then the reply")

	o, err = parseICMPTargetOptions([]string{"opterr"})
	require.NoError(t, err)
	msgs, _ = o.echoReplies(req, from, to)
	require.Len(t, msgs, 1, "an error, no reply")
	m := msgs[0]
	assert.Equal(t, uint16(0), icmpChecksum(m), "the error is well formed")
	ip := m[8:]
	assert.Equal(t, byte(0x46), ip[0], "IHL 6")
	assert.Equal(t, uint16(0), icmpChecksum(ip[:24]), "the quoted IPv4 header's checksum, option included")
	assert.Equal(t, icmpRouterAlert, ip[20:24])
	assert.Equal(t, to.AsSlice(), ip[16:20])
	assert.Equal(t, []byte{8, 0}, ip[24:26], "the echo request after the option")
	assert.Equal(t, []uint16{0xabcd, 3}, []uint16{binary.BigEndian.Uint16(ip[28:]), binary.BigEndian.Uint16(ip[30:])})
}

func TestPingJudgeOtherErrors(t *testing.T) {
	out := "PING 198.51.100.9: 56 data bytes\nFrom 198.51.100.9 icmp_seq=1 Destination Host Unreachable\n\n--- 198.51.100.9 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss\n"
	f := judgePingTimes(out, icmpTargetOptions{otherErr: true, delay: 100 * time.Millisecond}, nil)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "every error this target sends is about another echo request")
}

func TestICMPLookalikes(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0, 0, 0xab, 0xcd, 0, 3, 'h', 'i'}, time.Now())
	require.True(t, ok)
	from, to := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("198.51.100.9")
	_, err := parseICMPTargetOptions([]string{"lookalike=nosuch"})
	assert.Error(t, err)
	for kind := range icmpLookalikes {
		o, err := parseICMPTargetOptions([]string{"lookalike=" + kind, "delay=10ms"})
		require.NoError(t, err, kind)
		msgs, delays := o.echoReplies(req, from, to)
		require.Len(t, msgs, 2, kind)
		assert.Equal(t, []time.Duration{0, 10 * time.Millisecond}, delays, kind)
		assert.Equal(t, byte(0), msgs[1][0], "then the reply: "+kind)
		m := msgs[0]
		assert.Equal(t, uint16(0), icmpChecksum(m), "the checksum adds up: "+kind)
		ip := m[8:]
		assert.Equal(t, uint16(0), icmpChecksum(ip[:20]), "the quoted header's checksum: "+kind)
		assert.Equal(t, to.AsSlice(), ip[16:20], "to HOST: "+kind)
		// Each differs from an error about this very request in one way.
		want := icmpQuoteError(from, to, 0xabcd, 3, nil)
		switch kind {
		case "redirect":
			assert.Equal(t, []byte{5, 1}, m[:2])
		case "paramproblem":
			assert.Equal(t, []byte{12, 0}, m[:2])
		case "version6":
			assert.Equal(t, byte(0x65), ip[0])
		case "udp":
			assert.Equal(t, byte(17), ip[9])
		case "echoreply":
			assert.Equal(t, byte(0), ip[20])
			assert.Equal(t, uint16(0), icmpChecksum(ip[20:28]), "the quoted reply's checksum")
		case "short":
			assert.Len(t, m, 8+20+4)
			assert.Equal(t, want[8:32], m[8:], "the request's first 4 bytes, as quoted")
			continue
		}
		assert.Len(t, m, len(want), kind)
		assert.Equal(t, want[32:36], m[32:36], "the identifier and sequence number: "+kind)
	}
}
