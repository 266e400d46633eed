package scriptcmd

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// faults says what the proxy does to each datagram. Rates are in [0, 1].
type faults struct {
	drop, dup, reorder, corrupt float64
	delay, jitter               time.Duration
}

func parseFaults(args []string) (faults, error) {
	var f faults
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return f, fmt.Errorf("%q is not KEY=VALUE", a)
		}
		var err error
		switch k {
		case "drop":
			f.drop, err = parseRate(v)
		case "dup":
			f.dup, err = parseRate(v)
		case "reorder":
			f.reorder, err = parseRate(v)
		case "corrupt":
			f.corrupt, err = parseRate(v)
		case "delay":
			f.delay, err = time.ParseDuration(v)
		case "jitter":
			f.jitter, err = time.ParseDuration(v)
		default:
			return f, fmt.Errorf("unknown fault %q", k)
		}
		if err != nil {
			return f, fmt.Errorf("%s: %w", a, err)
		}
	}
	return f, nil
}

func parseRate(v string) (float64, error) {
	r, err := strconv.ParseFloat(v, 64)
	if err == nil && (r < 0 || r > 1) {
		err = fmt.Errorf("rate %v is not between 0 and 1", r)
	}
	return r, err
}

// fate is what happened to one datagram.
type fate struct {
	n    int    // the datagram's number in its direction, from 1
	dir  string // "→" towards the program under test's peer, "←" back
	size int
	what string
	at   time.Duration // since the proxy started
}

func (f fate) String() string {
	return fmt.Sprintf("%7.3fs  %s #%-4d %6d bytes  %s", f.at.Seconds(), f.dir, f.n, f.size, f.what)
}

// udpProxy relays datagrams between one client and an upstream address,
// deciding each datagram's fate with a seeded generator per direction: with
// the same seed and the same datagrams in the same order, the same fates.
type udpProxy struct {
	front    *net.UDPConn // the client sends here: $PROXY
	back     *net.UDPConn // towards upstream
	upstream netip.AddrPort
	f        faults
	start    time.Time

	mu     sync.Mutex
	client netip.AddrPort
	rng    map[string]*rand.Rand
	count  map[string]int
	fates  []fate
	wg     sync.WaitGroup
	closed bool
}

func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "proxy")
	usage(ts, len(args) >= 1, "proxy UPSTREAM [drop=R] [dup=R] [reorder=R] [corrupt=R] [delay=D] [jitter=D]")
	st := state(ts)
	upstream, err := netip.ParseAddrPort(args[0])
	if err != nil {
		ts.Fatalf("proxy: upstream %q is not an IP:port: %v", args[0], err)
	}
	f, err := parseFaults(args[1:])
	if err != nil {
		ts.Fatalf("proxy: %v", err)
	}
	seed := st.useSeed()
	st.mu.Lock()
	k := uint64(len(st.proxies)) // each proxy of a script draws its own fates
	st.mu.Unlock()
	p, err := newUDPProxy(upstream, f, seed, k)
	ts.Check(err)
	st.mu.Lock()
	st.proxies = append(st.proxies, p)
	st.mu.Unlock()
	ts.Setenv("PROXY", p.front.LocalAddr().String())
}

// newUDPProxy starts a proxy in front of upstream, drawing fates from
// stream k of seed. Close it when done.
func newUDPProxy(upstream netip.AddrPort, f faults, seed, k uint64) (*udpProxy, error) {
	lo := net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopbackOf(upstream.Addr()), 0))
	front, err := net.ListenUDP("udp", lo)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	back, err := net.ListenUDP("udp", lo)
	if err != nil {
		front.Close()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p := &udpProxy{
		front: front, back: back, upstream: upstream, f: f, start: time.Now(),
		rng: map[string]*rand.Rand{
			"→": rand.New(rand.NewPCG(seed, 2*k+1)),
			"←": rand.New(rand.NewPCG(seed, 2*k+2)),
		},
		count: map[string]int{},
	}
	p.wg.Go(p.forward)
	p.wg.Go(p.backward)
	return p, nil
}

func (p *udpProxy) forward() {
	buf := make([]byte, maxDatagram+1)
	for {
		n, from, err := p.front.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.client = from
		p.mu.Unlock()
		p.relay("→", buf[:n], p.back, p.upstream)
	}
}

func (p *udpProxy) backward() {
	buf := make([]byte, maxDatagram+1)
	for {
		n, _, err := p.back.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		client := p.client
		p.mu.Unlock()
		p.relay("←", buf[:n], p.front, client)
	}
}

// relay decides one datagram's fate and carries it out.
func (p *udpProxy) relay(dir string, data []byte, out *net.UDPConn, to netip.AddrPort) {
	p.mu.Lock()
	r := p.rng[dir]
	p.count[dir]++
	n := p.count[dir]
	// Draw every number for every datagram, whatever the rates, so that
	// changing one rate does not shift the others' decisions.
	drop, dup, reorder, corrupt := r.Float64(), r.Float64(), r.Float64(), r.Float64()
	jitter := time.Duration(0)
	if p.f.jitter > 0 {
		jitter = time.Duration(r.Int64N(int64(p.f.jitter)))
	}
	corruptAt := 0
	if len(data) > 0 {
		corruptAt = r.IntN(len(data))
	}
	rec := fate{n: n, dir: dir, size: len(data), at: time.Since(p.start)}
	delay := p.f.delay + jitter
	var whats []string
	copies := 1
	switch {
	case drop < p.f.drop:
		copies = 0
		whats = append(whats, "dropped")
	case dup < p.f.dup:
		copies = 2
		whats = append(whats, "duplicated")
	}
	if copies > 0 && reorder < p.f.reorder {
		// Held back long enough for later datagrams to overtake it.
		delay += 3*p.f.delay + 20*time.Millisecond
		whats = append(whats, "reordered")
	}
	payload := data
	if copies > 0 && corrupt < p.f.corrupt && len(data) > 0 {
		payload = append([]byte(nil), data...)
		payload[corruptAt] ^= 0xff
		whats = append(whats, fmt.Sprintf("corrupted at byte %d", corruptAt))
	}
	if copies > 0 && delay > 0 {
		whats = append(whats, fmt.Sprintf("delayed %s", delay.Round(time.Millisecond)))
	}
	if len(whats) == 0 {
		whats = append(whats, "delivered")
	}
	rec.what = strings.Join(whats, ", ")
	p.fates = append(p.fates, rec)
	closed := p.closed
	p.mu.Unlock()
	if closed || copies == 0 || !to.IsValid() {
		return
	}
	payload = append([]byte(nil), payload...)
	send := func() {
		for range copies {
			out.WriteToUDPAddrPort(payload, to)
		}
	}
	if delay == 0 {
		send()
		return
	}
	p.wg.Add(1)
	time.AfterFunc(delay, func() {
		defer p.wg.Done()
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if !closed {
			send()
		}
	})
}

// record returns the last n fates, oldest first, and how many there were.
func (p *udpProxy) record(n int) ([]fate, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	all := len(p.fates)
	return append([]fate(nil), p.fates[max(0, all-n):]...), all
}

func (p *udpProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.front.Close()
	p.back.Close()
	p.wg.Wait()
}

// proxyNote renders the end of each proxy's record for a failure report.
func (s *State) proxyNote() string {
	s.mu.Lock()
	proxies := append([]*udpProxy(nil), s.proxies...)
	s.mu.Unlock()
	var b strings.Builder
	for _, p := range proxies {
		fates, all := p.record(20)
		if all == 0 {
			continue
		}
		fmt.Fprintf(&b, "the proxy's record (→ towards %s, ← back; last %d of %d datagrams):\n", p.upstream, len(fates), all)
		for _, f := range fates {
			b.WriteString("  " + f.String() + "\n")
		}
	}
	return b.String()
}
