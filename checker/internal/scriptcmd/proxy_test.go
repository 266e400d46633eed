package scriptcmd

import (
	"fmt"
	"math/rand/v2"
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

// TestProxyFatesIgnoreArrivalOrder feeds the same datagrams, retransmitted
// copies included, in two arrival orders: each datagram, and each copy of
// it, meets the same fate. This is what lets --seed replay a failure when
// timers make the retransmissions come in another order.
func TestProxyFatesIgnoreArrivalOrder(t *testing.T) {
	f := faults{drop: 0.3, dup: 0.1, reorder: 0.2, corrupt: 0.1, delay: 5 * time.Millisecond, jitter: 3 * time.Millisecond}
	type sent struct {
		dir  string
		data []byte
	}
	var order []sent
	for i := range 40 {
		for range 3 { // each datagram and two retransmissions of it
			order = append(order, sent{"→", []byte{'D', byte(i)}}, sent{"←", []byte{'A', byte(i)}})
		}
	}
	fatesOf := func(order []sent) map[string]string {
		fs := newFates(7, 1, f)
		out := map[string]string{}
		for _, s := range order {
			d, nth := fs.draw(s.dir, s.data)
			out[fmt.Sprintf("%s %x copy %d", s.dir, s.data, nth)] = fmt.Sprintf("%s %d %s %x", d.what, d.copies, d.delay, d.payload)
		}
		return out
	}
	a := fatesOf(order)
	shuffled := append([]sent(nil), order...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	assert.Equal(t, a, fatesOf(shuffled), "the same datagrams in another order must meet the same fates")
	assert.Len(t, a, len(order))

	// Another seed, or another proxy of the same script, draws other fates.
	other := newFates(8, 1, f)
	differ := 0
	for _, s := range order[:60] {
		d, nth := other.draw(s.dir, s.data)
		if a[fmt.Sprintf("%s %x copy %d", s.dir, s.data, nth)] != fmt.Sprintf("%s %d %s %x", d.what, d.copies, d.delay, d.payload) {
			differ++
		}
	}
	assert.Greater(t, differ, 10, "another seed gives other fates")
}
