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
	// The checker reads it later than it came, as a busy one would (not
	// a wait for anything: the datagram is there already or soon).
	time.Sleep(50 * time.Millisecond)
	buf, oob := make([]byte, 64), make([]byte, stampOOB)
	require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, oobn, _, _, err := rx.ReadMsgUDPAddrPort(buf, oob)
	require.NoError(t, err)
	at, ok := kernelStamp(oob[:oobn])
	require.True(t, ok, "the kernel stamped the datagram")
	assert.WithinDuration(t, sent, at, 40*time.Millisecond, "the stamp is when it arrived, not when it was read")
}
