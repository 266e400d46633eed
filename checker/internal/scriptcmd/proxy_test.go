package scriptcmd

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runProxy sends n datagrams through a proxy with faults f and seed, to an
// upstream that answers each, and returns the fates of the datagrams sent.
func runProxy(t *testing.T, f faults, seed uint64, n int) []string {
	t.Helper()
	up, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	require.NoError(t, err)
	defer up.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			k, from, err := up.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			up.WriteToUDPAddrPort(buf[:k], from)
		}
	}()
	p, err := newUDPProxy(up.LocalAddr().(*net.UDPAddr).AddrPort(), f, seed, 0)
	require.NoError(t, err)
	defer p.close()
	c, err := net.DialUDP("udp", nil, p.front.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer c.Close()
	for i := range n {
		_, err := c.Write([]byte{byte(i)})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		fates, _ := p.record(1 << 20)
		k := 0
		for _, f := range fates {
			if f.dir == "→" {
				k++
			}
		}
		return k == n
	}, 5*time.Second, time.Millisecond)
	fates, _ := p.record(1 << 20)
	var out []string
	for _, f := range fates {
		if f.dir == "→" {
			out = append(out, f.what)
		}
	}
	return out
}

func TestProxySameSeedSameFates(t *testing.T) {
	f := faults{drop: 0.2, dup: 0.1, reorder: 0.1, corrupt: 0.05, jitter: time.Millisecond}
	a := runProxy(t, f, 42, 200)
	b := runProxy(t, f, 42, 200)
	c := runProxy(t, f, 43, 200)
	assert.Equal(t, a, b, "the same seed must give the same fates")
	assert.NotEqual(t, a, c, "another seed gives other fates")
	dropped := 0
	for _, w := range a {
		if w == "dropped" {
			dropped++
		}
	}
	assert.InDelta(t, 40, dropped, 25, "about a fifth dropped")
}

func TestProxyNoFaultsDeliversAll(t *testing.T) {
	for _, w := range runProxy(t, faults{}, 1, 50) {
		assert.Equal(t, "delivered", w)
	}
}

func TestParseFaults(t *testing.T) {
	f, err := parseFaults([]string{"drop=0.1", "delay=20ms", "reorder=0.05"})
	require.NoError(t, err)
	assert.Equal(t, faults{drop: 0.1, delay: 20 * time.Millisecond, reorder: 0.05}, f)
	for _, bad := range []string{"drop", "drop=2", "loss=0.1", "delay=soon"} {
		_, err := parseFaults([]string{bad})
		assert.Error(t, err, bad)
	}
}
