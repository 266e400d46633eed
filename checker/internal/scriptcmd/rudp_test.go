package scriptcmd

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's own example bytes: FIN 3 and ACK 4 of a 2500-byte transfer.
func TestRUDPMarshalMatchesREADME(t *testing.T) {
	assert.Equal(t, []byte{0x88, 0x98, 0x0b, 0x4e, 'F', 0, 0, 0, 3}, rudpMarshal(rudpFin, 3, nil))
	assert.Equal(t, []byte{0x32, 0x83, 0x5f, 0xa0, 'A', 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0}, rudpAckBytes(4, 0))
	p, err := rudpParse(rudpAckBytes(3, 0x41))
	require.NoError(t, err)
	assert.Equal(t, "ACK 3, bitmap 0x41 (packets 4, 10 too)", p.String())
	bad := rudpMarshal(rudpData, 0, []byte("x"))
	bad[0] ^= 1
	_, err = rudpParse(bad)
	assert.ErrorContains(t, err, "CRC-32")
	_, err = rudpParse(rudpMarshal(rudpData, 0, nil))
	assert.ErrorContains(t, err, "carries 0 bytes")
	assert.Contains(t, byteOrderNote(1<<24), "read the other way round are 1")
	assert.Empty(t, byteOrderNote(70))
}

// startRefReceiver runs a reference receiver writing to out.
func startRefReceiver(t *testing.T, out string) *refReceiver {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	require.NoError(t, err)
	r := &refReceiver{refPeer: refPeer{role: "reference receiver"}, conn: c, out: out,
		held: map[uint32][]byte{}, seen: map[uint32]uint32{}, lens: map[uint32]int{}, fin: -1}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.run()
	}()
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return r
}

// The two reference ends agree with each other, for every size that
// matters, and find nothing wrong.
func TestRefSendToRefReceiver(t *testing.T) {
	for _, size := range []int{0, 1, 1024, 1025, 100000} {
		out := filepath.Join(t.TempDir(), "got.bin")
		r := startRefReceiver(t, out)
		data := pattern(size, uint64(size))
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
		require.NoError(t, err)
		s := &refPeer{role: "reference sender"}
		require.NoError(t, refSend(s, c, r.conn.LocalAddr().(*net.UDPAddr).AddrPort(), data, time.Second, 10*time.Second))
		c.Close()
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got), "size %d", size)
		assert.Empty(t, s.problems, "size %d", size)
		r.mu.Lock()
		assert.Empty(t, r.problems, "size %d", size)
		r.mu.Unlock()
	}
}

// The reference receiver notes a sender that overruns the window or cuts
// the file into other pieces.
func TestRefReceiverNotesBadSender(t *testing.T) {
	r := startRefReceiver(t, filepath.Join(t.TempDir(), "got.bin"))
	c, err := net.DialUDP("udp", nil, r.conn.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer c.Close()
	buf := make([]byte, 100)
	for _, d := range [][]byte{
		rudpMarshal(rudpData, 1<<24, []byte("x")), // DATA 1, little-endian
		rudpMarshal(rudpData, 0, []byte("short")), // a piece of 5 bytes, not the last
		rudpMarshal(rudpData, 1, []byte("y")),
		rudpMarshal(rudpFin, 2, nil),
	} {
		_, err := c.Write(d)
		require.NoError(t, err)
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err = c.Read(buf)
		require.NoError(t, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.problems, 2)
	assert.Contains(t, r.problems[0], "beyond the window")
	assert.Contains(t, r.problems[0], "read the other way round are 1")
	assert.Contains(t, r.problems[1], "DATA 0 carries 5 bytes")
}
