package scriptcmd

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadHelper: a helper process sends from the checker's socket on its
// own clock, and every send it reports is one the receiver got, bracketed
// by the clock before and after it.
func TestLoadHelper(t *testing.T) {
	st := testState(t)
	rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer rx.Close()
	tx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer tx.Close()
	p := &udpPeer{conn: tx, target: rx.LocalAddr().(*net.UDPAddr).AddrPort()}

	l := st.joinLoad(p, "bob", time.Millisecond)
	buf := make([]byte, 64)
	from := tx.LocalAddr().(*net.UDPAddr).AddrPort()
	got := 0
	rx.SetReadDeadline(time.Now().Add(10 * time.Second))
	for got < 50 {
		n, addr, err := rx.ReadFromUDPAddrPort(buf)
		require.NoError(t, err)
		assert.Equal(t, "JOIN bob", string(buf[:n]))
		assert.Equal(t, from, netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port()), "sent from the checker's socket")
		got++
	}
	sends := l.stop()
	require.GreaterOrEqual(t, len(sends), got)
	for i, s := range sends {
		assert.False(t, s.to.Before(s.from), "send %d", i)
		if i > 0 {
			assert.False(t, s.from.Before(sends[i-1].to), "send %d", i)
		}
	}
}

// TestInterruptHelper: the interrupting helper signals the threads of a
// process until it is stopped.
func TestInterruptHelper(t *testing.T) {
	st := testState(t)
	// A shell that counts the SIGURGs it gets and says when it has one.
	cmd := exec.Command("sh", "-c", `trap 'echo urg' URG; echo ready; while :; do sleep 0.01; done`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipe, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	out := pipe.(*os.File)
	require.NoError(t, out.SetReadDeadline(time.Now().Add(10*time.Second)))
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	buf := make([]byte, 64)
	n, err := out.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "ready\n", string(buf[:n]))

	stop := st.interrupt(cmd.Process.Pid)
	got := ""
	for len(got) < len("urg\n") {
		n, err := out.Read(buf)
		require.NoError(t, err)
		got += string(buf[:n])
	}
	stop()
	assert.Contains(t, got, "urg")
}
