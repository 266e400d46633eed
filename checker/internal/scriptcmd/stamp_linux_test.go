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
// Linux turns receive stamps on for the whole machine lazily (a datagram
// that came before that is stamped when it is read), so the test tries a
// few times.
func TestKernelStamps(t *testing.T) {
	rx, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	require.NoError(t, err)
	defer rx.Close()
	enableStamps(rx)
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer tx.Close()
	var early time.Duration
	for range 10 {
		sent := time.Now()
		_, err = tx.Write([]byte("TICK 1\n"))
		require.NoError(t, err)
		// Read late, as a busy checker would (not a wait for anything:
		// the datagram is there already, or soon).
		time.Sleep(100 * time.Millisecond)
		buf, oob := make([]byte, 64), make([]byte, stampOOB)
		require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, oobn, _, _, err := rx.ReadMsgUDPAddrPort(buf, oob)
		require.NoError(t, err)
		read := time.Now()
		at, ok := kernelStamp(oob[:oobn])
		require.True(t, ok, "the kernel stamped the datagram")
		assert.False(t, at.Before(sent.Add(-time.Millisecond)), "stamped after it was sent")
		if early = read.Sub(at); early > 50*time.Millisecond {
			return
		}
	}
	t.Errorf("every stamp was the time of the read (the last %s before it), not of the arrival", early)
}

// TestWaiting: the kernel says whether a datagram is queued, without a
// read, so a drain does not depend on how soon the checker gets to run.
func TestWaiting(t *testing.T) {
	rx, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	require.NoError(t, err)
	defer rx.Close()
	queued, known := waiting(rx)
	require.True(t, known)
	assert.False(t, queued)
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer tx.Close()
	_, err = tx.Write([]byte("x"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { q, _ := waiting(rx); return q }, 5*time.Second, time.Millisecond)
	rx.SetReadDeadline(time.Now().Add(time.Second))
	_, _, err = rx.ReadFromUDPAddrPort(make([]byte, 8))
	require.NoError(t, err)
	queued, _ = waiting(rx)
	assert.False(t, queued)
}
