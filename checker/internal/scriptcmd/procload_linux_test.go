package scriptcmd

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestCPUTimeCountsWork(t *testing.T) {
	before, err := cpuTime(os.Getpid())
	require.NoError(t, err)
	// Spin until the count moves by a few ticks (10ms each), however
	// loaded the machine is; a count that never moves fails at 10s.
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
		now, err := cpuTime(os.Getpid())
		require.NoError(t, err)
		if now-before >= 30*time.Millisecond {
			return
		}
	}
	t.Fatal("10s of spinning did not show as 30ms of CPU time")
}

func TestRaiseLimitWithinTheHardOne(t *testing.T) {
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	// What the checker has already is enough: nothing to do.
	assert.Empty(t, raiseLimit(0, int(min(lim.Cur, 1<<20)), "the checker"))
	assert.True(t, canHold(0), "no connection needs no descriptor")
}

func TestRaiseLimitPastTheHardOne(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may raise the hard limit")
	}
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	if lim.Max >= 1<<30 {
		t.Skip("the hard limit is unlimited")
	}
	why := raiseLimit(0, int(lim.Max)+1, "the checker")
	assert.Contains(t, why, "could not raise")
	assert.False(t, canHold(int(lim.Max)))
}

func TestOpenFilesLimitReadsProc(t *testing.T) {
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	soft, err := openFilesLimit(os.Getpid())
	require.NoError(t, err)
	assert.Equal(t, lim.Cur, soft)
}
