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
