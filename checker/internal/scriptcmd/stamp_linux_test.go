package scriptcmd

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKernelStamps: a datagram read late still carries when it arrived.
func TestKernelStamps(t *testing.T) {
	rx, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	require.NoError(t, err)
	defer rx.Close()
	enableStamps(rx)
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer tx.Close()
	sent := time.Now()
	_, err = tx.Write([]byte("TICK 1\n"))
	require.NoError(t, err)
	written := time.Now()
	// The checker reads it later than it came, as a busy one would (not
	// a wait for anything: the datagram is there already or soon).
	time.Sleep(300 * time.Millisecond)
	buf, oob := make([]byte, 64), make([]byte, stampOOB)
	require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, oobn, _, _, err := rx.ReadMsgUDPAddrPort(buf, oob)
	require.NoError(t, err)
	read := time.Now()
	at, ok := kernelStamp(oob[:oobn])
	require.True(t, ok, "the kernel stamped the datagram")
	// Loopback delivers within the write, or soon after on a busy
	// machine; the read came 300ms later.
	assert.False(t, at.Before(sent.Add(-time.Millisecond)), "stamped after it was sent")
	assert.True(t, at.Before(read.Add(-150*time.Millisecond)), "the stamp is when it arrived (%s after the write), not when it was read", at.Sub(written))
}
