package scriptcmd

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	addr := ln.Addr().String()
	port := ln.Addr().(*net.TCPAddr).Port

	start := time.Now()
	dialed := make(chan struct{})
	go func() {
		defer close(dialed)
		if c, err := net.DialTimeout("tcp", addr, 900*time.Millisecond); err == nil {
			c.Close()
		}
	}()
	defer func() { <-dialed }()
	// A poll 300ms late, as a busy checker's may be.
	time.Sleep(300 * time.Millisecond)
	first, ok := waitSynSent(port, nil, time.Second, 0)
	seen := time.Now()
	require.True(t, ok, "no socket in SYN_SENT towards %s", addr)
	assert.WithinRange(t, first, start.Add(-20*time.Millisecond), seen)
	assert.Less(t, first.Sub(start), 150*time.Millisecond, "the first SYN left at once, not when the poll saw it (%s later)", seen.Sub(start))
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
