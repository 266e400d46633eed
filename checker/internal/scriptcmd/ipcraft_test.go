package scriptcmd

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A packet that tcpdump calls "[udp sum ok]": 127.0.0.1:4242 → 127.0.0.1:59623,
// TTL 7, "hello"; its IPv4 checksum was left for the kernel (0).
const helloPacket = "45000021000000000711b5ca7f0000017f0000011092e8e7000dc48568656c6c6f"

func mustPacket(t *testing.T, h string) ipv4Packet {
	t.Helper()
	b, err := hex.DecodeString(h)
	require.NoError(t, err)
	p, err := parseIPv4(b)
	require.NoError(t, err)
	return p
}

func TestInternetChecksum(t *testing.T) {
	// RFC 1071's example: the words 0001 f203 f4f5 f6f7 sum to 0xddf2.
	data := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	assert.Equal(t, uint16(0xddf2), foldSum(onesSum(0, data)))

	p := mustPacket(t, helloPacket)
	assert.Equal(t, uint16(0xc485), udpChecksum(p.src, p.dst, p.payload()))
	assert.Equal(t, uint16(0xb5ca), ipChecksum(p.raw[:20]))
}

func TestJudgeUDP(t *testing.T) {
	p := mustPacket(t, helloPacket)
	lines, drop := judgeUDP(p, true)
	assert.Empty(t, drop, lines)

	// Without the pseudo-header.
	bad := append([]byte(nil), p.raw...)
	seg := bad[20:]
	binary.BigEndian.PutUint16(seg[6:], 0)
	binary.BigEndian.PutUint16(seg[6:], ^foldSum(onesSum(0, seg)))
	q, _ := parseIPv4(bad)
	lines, drop = judgeUDP(q, false)
	assert.Contains(t, drop, "checksum")
	assert.Contains(t, strings.Join(lines, "\n"), "without the pseudo-header")

	// The odd last byte added as a low byte.
	binary.BigEndian.PutUint16(seg[6:], 0)
	s := onesSum(pseudoHeaderSum(q.src, q.dst, len(seg)), seg)
	binary.BigEndian.PutUint16(seg[6:], ^foldSum(s-uint32('o')<<8+uint32('o')))
	lines, _ = judgeUDP(q, false)
	assert.Contains(t, strings.Join(lines, "\n"), "low byte")

	// A UDP length in little-endian.
	binary.BigEndian.PutUint16(seg[4:], 13<<8)
	lines, drop = judgeUDP(q, false)
	assert.Contains(t, drop, "UDP length")
	assert.Contains(t, strings.Join(lines, "\n"), "swapped")
}

func TestJudgePrinted(t *testing.T) {
	p := mustPacket(t, helloPacket)
	_, problem := judgePrinted(p)
	assert.Empty(t, problem)

	b := append([]byte(nil), p.raw...)
	binary.BigEndian.PutUint16(b[10:], 0)
	q, _ := parseIPv4(b)
	lines, problem := judgePrinted(q)
	assert.Contains(t, problem, "header checksum")
	assert.Contains(t, strings.Join(lines, "\n"), "0xb5ca")

	binary.BigEndian.PutUint16(b[2:], 33<<8)
	binary.BigEndian.PutUint16(b[10:], ipChecksum(b[:20]))
	q, _ = parseIPv4(b)
	lines, problem = judgePrinted(q)
	assert.Contains(t, problem, "total length")
	assert.Contains(t, strings.Join(lines, "\n"), "swapped")
}

func TestZeroSumPayload(t *testing.T) {
	src, dst := [4]byte{127, 0, 0, 1}, [4]byte{127, 0, 0, 1}
	for _, port := range []uint16{1, 4242, 40000, 65535} {
		payload, ok := zeroSumPayload(src, 4242, dst, port)
		require.True(t, ok, "port %d", port)
		assert.True(t, printable(payload))
		seg := make([]byte, 8+len(payload))
		binary.BigEndian.PutUint16(seg[0:], 4242)
		binary.BigEndian.PutUint16(seg[2:], port)
		binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
		copy(seg[8:], payload)
		assert.Equal(t, uint16(0), udpChecksum(src, dst, seg), "port %d", port)
	}
}

func TestCarryPayload(t *testing.T) {
	src, dst := [4]byte{127, 0, 0, 1}, [4]byte{127, 0, 0, 1}
	for _, port := range []uint16{1, 4242, 40000, 65535} {
		for _, size := range []int{16, 1000, 65506} {
			payload, ok := carryPayload(src, 4646, dst, port, size)
			require.True(t, ok, "port %d, size %d", port, size)
			require.Len(t, payload, size)
			seg := make([]byte, 8+size)
			binary.BigEndian.PutUint16(seg[0:], 4646)
			binary.BigEndian.PutUint16(seg[2:], port)
			binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
			copy(seg[8:], payload)
			s := onesSum(pseudoHeaderSum(src, dst, len(seg)), seg)
			once := s>>16 + s&0xffff
			assert.Greater(t, once, uint32(0xffff), "port %d, size %d: one fold must not be enough", port, size)
		}
	}
}

func TestWireAttribution(t *testing.T) {
	w := &udpWire{port: 0x1234}
	p := mustPacket(t, helloPacket)
	w.add(time.Now(), p.raw) // ports 4242 and 59623: not ours
	b := append([]byte(nil), p.raw...)
	binary.BigEndian.PutUint16(b[22:], 0x3412) // the port, bytes swapped
	binary.BigEndian.PutUint16(b[26:], 0)
	binary.BigEndian.PutUint16(b[26:], udpChecksum(p.src, p.dst, b[20:]))
	w.add(time.Now(), b)
	assert.Len(t, w.ours, 1)
	assert.Len(t, w.others, 1)
	assert.Contains(t, w.report([]byte("hello")), "swapped")
}
