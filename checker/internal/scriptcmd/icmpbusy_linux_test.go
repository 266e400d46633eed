package scriptcmd

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBusyReplies(t *testing.T) {
	req, ok := parseEchoRequest([]byte{8, 0, 0, 0, 0x12, 0x34, 0, 1, 'h', 'i'}, time.Now())
	require.True(t, ok)
	reply, other := busyReplies(req)
	assert.Equal(t, byte(0), reply[0])
	assert.Equal(t, uint16(0x1234), binary.BigEndian.Uint16(reply[4:]))
	assert.Equal(t, uint16(0x1234^0x8000), binary.BigEndian.Uint16(other[4:]), "another ping's identifier")
	assert.Equal(t, uint16(0), icmpChecksum(reply))
	assert.Equal(t, uint16(0), icmpChecksum(other), "another ping's reply is well formed")
	assert.Equal(t, len(reply), len(other))
}

func TestProcessStopped(t *testing.T) {
	assert.False(t, processStopped(os.Getpid()), "a running test is not stopped")
	assert.False(t, processStopped(-1))
}

// TestBusyProbe needs CAP_NET_RAW: it opens a raw socket and finds its row
// in /proc/net/raw.
func TestBusyProbe(t *testing.T) {
	b, err := newBusyProbe(1 << 20)
	if err != nil {
		t.Skipf("no raw socket here: %v", err)
	}
	defer b.close()
	small, err := newBusyProbe(0)
	require.NoError(t, err)
	defer small.close()
	assert.NotZero(t, b.inode)
	assert.GreaterOrEqual(t, b.rcvbuf, small.rcvbuf, "asking for 1 MiB never shrinks the buffer")
	assert.True(t, b.stats().found, "its row of /proc/net/raw")
}
