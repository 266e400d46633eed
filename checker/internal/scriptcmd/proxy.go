package scriptcmd

import (
	"fmt"
	"hash/fnv"
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
	copy int    // how many datagrams with these bytes went this way, this one included
	size int
	what string
	at   time.Duration // since the proxy started
}

func (f fate) String() string {
	nth := ""
	if f.copy > 1 {
		nth = fmt.Sprintf(" (copy %d of these bytes)", f.copy)
	}
	return fmt.Sprintf("%7.3fs  %s #%-4d %6d bytes  %s%s", f.at.Seconds(), f.dir, f.n, f.size, f.what, nth)
}

// decision is a fate to carry out: how many copies, after how long, with
// which bytes.
type decision struct {
	copies  int
	delay   time.Duration
	payload []byte
	what    string
}

// fates draws each datagram's fate from the seed, the proxy's index in its
// script, the direction, the datagram's bytes and how many datagrams with
// the same bytes went the same way before it. Not from its arrival order:
// a retransmission that overtakes another, or a timer that fires a little
// earlier in a replay, changes when a datagram comes, not what becomes of
// it, so --seed replays the same fates. Not safe for concurrent use.
type fates struct {
	seed, k uint64
	f       faults
	seen    map[string]map[uint64]int // direction → hash of the bytes → datagrams so far
}

func newFates(seed, k uint64, f faults) *fates {
	return &fates{seed: seed, k: k, f: f, seen: map[string]map[uint64]int{}}
}

// draw decides the fate of data, going in direction dir; it returns the
// decision and how many times these bytes have gone that way, this one
// included.
func (fs *fates) draw(dir string, data []byte) (decision, int) {
	h := fnv.New64a()
	h.Write(data)
	sum := h.Sum64()
	if fs.seen[dir] == nil {
		fs.seen[dir] = map[uint64]int{}
	}
	fs.seen[dir][sum]++
	nth := fs.seen[dir][sum]
	stream := 2*fs.k + 1
	if dir == "←" {
		stream++
	}
	// PCG's two words: the seed mixed with the bytes, and the proxy, the
	// direction and the copy's rank. The same five give the same numbers.
	r := rand.New(rand.NewPCG(fs.seed^sum, stream<<32^uint64(nth)))
	// Draw every number for every datagram, whatever the rates, so that
	// changing one rate does not shift the others' decisions.
	drop, dup, reorder, corrupt := r.Float64(), r.Float64(), r.Float64(), r.Float64()
	jitter := time.Duration(0)
	if fs.f.jitter > 0 {
		jitter = time.Duration(r.Int64N(int64(fs.f.jitter)))
	}
	corruptAt := 0
	if len(data) > 0 {
		corruptAt = r.IntN(len(data))
	}
	d := decision{copies: 1, delay: fs.f.delay + jitter, payload: data}
	var whats []string
	switch {
	case drop < fs.f.drop:
		d.copies = 0
		whats = append(whats, "dropped")
	case dup < fs.f.dup:
		d.copies = 2
		whats = append(whats, "duplicated")
	}
	if d.copies > 0 && reorder < fs.f.reorder {
		// Held back long enough for later datagrams to overtake it.
		d.delay += 3*fs.f.delay + 20*time.Millisecond
		whats = append(whats, "reordered")
	}
	if d.copies > 0 && corrupt < fs.f.corrupt && len(data) > 0 {
		d.payload = append([]byte(nil), data...)
		d.payload[corruptAt] ^= 0xff
		whats = append(whats, fmt.Sprintf("corrupted at byte %d", corruptAt))
	}
	if d.copies > 0 && d.delay > 0 {
		whats = append(whats, fmt.Sprintf("delayed %s", d.delay.Round(time.Millisecond)))
	}
	if d.copies == 0 {
		d.delay = 0
	}
	if len(whats) == 0 {
		whats = append(whats, "delivered")
	}
	d.what = strings.Join(whats, ", ")
	return d, nth
}

// udpProxy relays datagrams between one client and an upstream address,
// deciding each datagram's fate with fates: with the same seed, the same
// datagram meets the same fate, whenever it comes.
type udpProxy struct {
	front    *net.UDPConn // the client sends here: $PROXY
	back     *net.UDPConn // towards upstream
	upstream netip.AddrPort
	start    time.Time

	mu     sync.Mutex
	client netip.AddrPort
	draw   *fates
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
		front: front, back: back, upstream: upstream, start: time.Now(),
		draw: newFates(seed, k, f), count: map[string]int{},
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
	d, nth := p.draw.draw(dir, data)
	p.count[dir]++
	p.fates = append(p.fates, fate{n: p.count[dir], dir: dir, copy: nth, size: len(data), what: d.what, at: time.Since(p.start)})
	copies, delay := d.copies, d.delay
	closed := p.closed
	p.mu.Unlock()
	if closed || copies == 0 || !to.IsValid() {
		return
	}
	payload := append([]byte(nil), d.payload...)
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
