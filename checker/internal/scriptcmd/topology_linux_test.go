package scriptcmd

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/socketlings/socketlings/checker/internal/netns"
)

const topologyChildEnv = "SCRIPTCMD_TOPOLOGY_TEST_CHILD"

// TestTopology builds two topologies side by side in a network namespace
// of its own (the test binary runs itself again inside one), traces
// through one of them, and checks that everything goes at the end.
func TestTopology(t *testing.T) {
	if os.Getenv(topologyChildEnv) == "" {
		if _, err := findIP(); err != nil {
			t.Skip("no ip command (iproute2) here")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTopology$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), topologyChildEnv+"=1")
		cmd.SysProcAttr = netns.ProcAttr()
		if cmd.SysProcAttr == nil {
			t.Skip("no network namespaces here")
		}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Skipf("no network namespace can be made here: %v", err)
		}
		require.NoError(t, err, "in the namespace:\n%s", out)
		return
	}

	require.NoError(t, netns.LoopbackUp())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ip, err := findIP()
	require.NoError(t, err)
	a := &topology{hops: 3, ctx: ctx, ipCmd: ip}
	defer a.close()
	require.NoError(t, a.build(2, true))
	require.NoError(t, a.prove())
	b := &topology{hops: 1, ctx: ctx, ipCmd: ip}
	defer b.close()
	require.NoError(t, b.build(0, false))
	require.NoError(t, b.prove())
	assert.NotEqual(t, a.n, b.n, "two topologies at once use two instances")
	require.Len(t, a.routers, 3)

	raw, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	require.NoError(t, err)
	defer raw.Close()
	udp, err := net.ListenUDP("udp4", nil)
	require.NoError(t, err)
	defer udp.Close()
	port := udp.LocalAddr().(*net.UDPAddr).Port

	// Router 2 is silent; the others answer from their side facing us.
	want := []net.IP{a.routers[0], nil, a.routers[2], a.dest}
	for ttl, w := range want {
		ttl++
		require.NoError(t, ipv4.NewPacketConn(udp).SetTTL(ttl))
		_, err := udp.WriteToUDP([]byte("probe"), &net.UDPAddr{IP: a.dest, Port: 33434 + ttl})
		require.NoError(t, err)
		from, typ := awaitQuote(t, raw, port, 33434+ttl, 300*time.Millisecond)
		if w == nil {
			assert.Nil(t, from, "TTL %d: router 2 must be silent", ttl)
			continue
		}
		assert.Equal(t, w.String(), from.String(), "TTL %d", ttl)
		if ttl == len(want) {
			assert.Equal(t, ipv4.ICMPTypeDestinationUnreachable, typ)
		} else {
			assert.Equal(t, ipv4.ICMPTypeTimeExceeded, typ)
		}
	}

	// The other traceroute: router 1 answers its probes, which quote a
	// port that is not ours.
	require.NoError(t, a.startNoise(2))
	seen := map[int]bool{}
	deadline := time.Now().Add(300 * time.Millisecond)
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		raw.SetReadDeadline(deadline)
		n, from, err := raw.ReadFrom(buf)
		if err != nil {
			break
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || m.Type != ipv4.ICMPTypeTimeExceeded {
			continue
		}
		src, dst, ok := quotedPorts(m.Body.(*icmp.TimeExceeded).Data)
		if ok && src != port && from.String() == a.routers[0].String() {
			seen[dst] = true
		}
	}
	assert.GreaterOrEqual(t, len(seen), 10, "the noise reaches router 1 on many ports")

	// dup on the other topology: the copy of the answer to the probe
	// before comes first, then the answer to this one.
	require.NoError(t, b.startRelay(topologyOpts{dup: true}))
	probe, err := net.ListenUDP("udp4", nil)
	require.NoError(t, err)
	defer probe.Close()
	mine := probe.LocalAddr().(*net.UDPAddr).Port
	for ttl, want := range [][]int{{33434}, {33434, 33435}} {
		require.NoError(t, ipv4.NewPacketConn(probe).SetTTL(ttl+1))
		_, err := probe.WriteToUDP([]byte("probe"), &net.UDPAddr{IP: b.dest, Port: 33434 + ttl})
		require.NoError(t, err)
		for _, port := range want {
			assert.Equal(t, port, nextQuote(t, raw, mine, 300*time.Millisecond), "TTL %d: the ports quoted, in order", ttl+1)
		}
	}
	assert.Equal(t, 0, nextQuote(t, raw, mine, 100*time.Millisecond), "nothing more: no packet left since the last answer")

	// Everything goes.
	name := a.link(1, "a")
	holders := a.holders
	a.close()
	a.holders, a.noise, a.claimed = nil, nil, false
	_, err = net.InterfaceByName(name)
	assert.Error(t, err, "link 1 is deleted")
	for _, h := range holders {
		assert.NotNil(t, h.ProcessState, "every holder has exited")
	}
	_, err = net.InterfaceByName(b.link(1, "a"))
	assert.NoError(t, err, "the other topology is still there")
}

// awaitQuote waits for an ICMP error that quotes the UDP probe from port to
// dport, and returns who sent it and its type; nil if none came in time.
func awaitQuote(t *testing.T, raw *icmp.PacketConn, port, dport int, wait time.Duration) (net.IP, icmp.Type) {
	t.Helper()
	buf := make([]byte, 1500)
	raw.SetReadDeadline(time.Now().Add(wait))
	for {
		n, from, err := raw.ReadFrom(buf)
		if err != nil {
			return nil, nil
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil {
			continue
		}
		var data []byte
		switch b := m.Body.(type) {
		case *icmp.TimeExceeded:
			data = b.Data
		case *icmp.DstUnreach:
			data = b.Data
		default:
			continue
		}
		if src, dst, ok := quotedPorts(data); ok && src == port && dst == dport {
			return from.(*net.IPAddr).IP, m.Type
		}
	}
}

func quotedPorts(data []byte) (src, dst int, ok bool) {
	h, err := icmp.ParseIPv4Header(data)
	if err != nil || h.Protocol != 17 || len(data) < h.Len+4 {
		return 0, 0, false
	}
	return int(binary.BigEndian.Uint16(data[h.Len:])), int(binary.BigEndian.Uint16(data[h.Len+2:])), true
}

// nextQuote waits for the next ICMP error that quotes a UDP probe from
// port, and returns the destination port it quotes; 0 if none came in
// time.
func nextQuote(t *testing.T, raw *icmp.PacketConn, port int, wait time.Duration) int {
	t.Helper()
	buf := make([]byte, 1500)
	raw.SetReadDeadline(time.Now().Add(wait))
	for {
		n, _, err := raw.ReadFrom(buf)
		if err != nil {
			return 0
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil {
			continue
		}
		var data []byte
		switch b := m.Body.(type) {
		case *icmp.TimeExceeded:
			data = b.Data
		case *icmp.DstUnreach:
			data = b.Data
		}
		if src, dst, ok := quotedPorts(data); ok && src == port {
			return dst
		}
	}
}
