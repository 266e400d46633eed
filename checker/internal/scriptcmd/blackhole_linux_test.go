package scriptcmd

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestSlowListener: a connect made while the queue is full gets through
// only once it is drained, at the SYN's first retransmission (1s), which is
// what fakeserver slowconnect relies on.
func TestSlowListener(t *testing.T) {
	ln, filler, err := slowListener()
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		time.Sleep(slowConnectDelay)
		filler.Close()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	start := time.Now()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	took := time.Since(start)
	require.NoError(t, err)
	c.Close()
	assert.Greater(t, took, 800*time.Millisecond, "the first SYN must be dropped")
	assert.Less(t, took, 4*time.Second, "the second SYN must get through")
}

// TestWaitSynSentDatesTheFirstSyn: a connect into a full queue is seen in
// SYN_SENT, and dated from its retransmit timer to when its first SYN
// left, however late the poll comes.
func TestWaitSynSentDatesTheFirstSyn(t *testing.T) {
	ln, filler, err := slowListener()
	require.NoError(t, err)
	defer ln.Close()
	defer filler.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	// A non-blocking connect sends its SYN before it returns.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(fd)
	before := time.Now()
	err = unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
	sent := time.Now()
	require.ErrorIs(t, err, unix.EINPROGRESS)

	// A poll 300ms late, as a busy checker's may be.
	time.Sleep(300 * time.Millisecond)
	first, ok := waitSynSent(port, nil, time.Second, 0)
	seen := time.Now()
	require.True(t, ok, "no socket in SYN_SENT towards port %d", port)
	if seen.Sub(sent) >= synRetransmit {
		t.Skipf("the poll came %s after the SYN, after its resend: nothing to date on so busy a machine", seen.Sub(sent))
	}
	// The table counts in 10ms ticks.
	assert.WithinRange(t, first, before.Add(-20*time.Millisecond), sent.Add(20*time.Millisecond),
		"the first SYN left between %s and %s after the test began; the poll saw it %s after", 0, sent.Sub(before), seen.Sub(before))
}

func TestFirstSynAt(t *testing.T) {
	now := time.Now()
	// 0x3c ticks of 10ms left on the retransmit timer: sent 400ms ago.
	assert.Equal(t, now.Add(-400*time.Millisecond), firstSynAt(now, "01:0000003C", "00000000"))
	// Already resent, another timer, or garbage: now.
	assert.Equal(t, now, firstSynAt(now, "01:0000003C", "00000001"))
	assert.Equal(t, now, firstSynAt(now, "00:00000000", "00000000"))
	assert.Equal(t, now, firstSynAt(now, "01:zz", "00000000"))
}
