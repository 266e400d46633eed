package scriptcmd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// maxDatagram is the largest UDP payload over IPv4: 65535 minus the IPv4
// and UDP headers.
const maxDatagram = 65507

// udpPeer is one of the checker's UDP sockets, with the address it talks to.
type udpPeer struct {
	conn   *net.UDPConn
	target netip.AddrPort
	// lastSend is a moment just before the last datagram udpSend sent.
	lastSend time.Time
}

func (s *State) udpPeer(ts *testscript.TestScript, name string) *udpPeer {
	s.mu.Lock()
	p, ok := s.udp[name]
	s.mu.Unlock()
	if !ok {
		ts.Fatalf("no UDP socket named %q (udpdial it first)", name)
	}
	return p
}

func cmdUDPDial(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpdial")
	usage(ts, len(args) == 1 || len(args) == 2, "udpdial NAME [ADDR]")
	st := state(ts)
	target := addrArg(ts, "udpdial", args, 1)
	// Not connected on purpose: a reply from any other address is seen,
	// and reported, instead of being filtered out by the kernel.
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopbackOf(target.Addr()), 0)))
	ts.Check(err)
	enableStamps(c) // for the commands that time arrivals (gameticks)
	st.mu.Lock()
	st.udp[args[0]] = &udpPeer{conn: c, target: target}
	st.mu.Unlock()
	ts.Setenv("LOCAL_"+args[0], c.LocalAddr().String())
}

func loopbackOf(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		return netip.IPv6Loopback()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

func cmdUDPSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpsend")
	usage(ts, len(args) == 2, "udpsend NAME TEXT")
	st := state(ts)
	data, err := unescape(args[1])
	ts.Check(err)
	udpSend(ts, st, st.udpPeer(ts, args[0]), data)
}

func cmdUDPSendGen(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpsendgen")
	usage(ts, len(args) == 2, "udpsendgen NAME SIZE")
	st := state(ts)
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	usage(ts, size >= 0 && size <= maxDatagram, fmt.Sprintf("udpsendgen NAME SIZE, with SIZE at most %d", maxDatagram))
	udpSend(ts, st, st.udpPeer(ts, args[0]), pattern(size, uint64(size)))
}

func udpSend(ts *testscript.TestScript, st *State, p *udpPeer, data []byte) {
	p.lastSend = time.Now()
	p.conn.SetWriteDeadline(st.deadline(idleTimeout))
	if _, err := p.conn.WriteToUDPAddrPort(data, p.target); err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("sending a datagram to %s failed: %v", p.target, err), Sent: Show(data)})
	}
}

// lastUDPSend is when the UDP socket name last sent a datagram through
// udpSend (zero if there is no such socket, or it sent none).
func (st *State) lastUDPSend(name string) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	if p, ok := st.udp[name]; ok {
		return p.lastSend
	}
	return time.Time{}
}

// udpReceive waits up to the idle timeout for one datagram.
func udpReceive(st *State, p *udpPeer, wait time.Duration) ([]byte, netip.AddrPort, error) {
	buf := make([]byte, maxDatagram+1)
	p.conn.SetReadDeadline(st.deadline(wait))
	n, from, err := p.conn.ReadFromUDPAddrPort(buf)
	return buf[:n], from, err
}

func cmdUDPExpect(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpexpect")
	usage(ts, len(args) == 2, "udpexpect NAME TEXT")
	st := state(ts)
	want, err := unescape(args[1])
	ts.Check(err)
	udpExpect(ts, st, st.udpPeer(ts, args[0]), want)
}

func cmdUDPExpectGen(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpexpectgen")
	usage(ts, len(args) == 2, "udpexpectgen NAME SIZE")
	st := state(ts)
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	udpExpect(ts, st, st.udpPeer(ts, args[0]), pattern(size, uint64(size)))
}

func udpExpect(ts *testscript.TestScript, st *State, p *udpPeer, want []byte) {
	got, from, err := udpReceive(st, p, idleTimeout)
	if f := judgeDatagram(p, want, got, from, err); f != nil {
		st.fail(ts, *f)
	}
}

// judgeDatagram compares one received datagram with the one expected.
func judgeDatagram(p *udpPeer, want, got []byte, from netip.AddrPort, err error) *Failure {
	wantDesc := fmt.Sprintf("one datagram of %d bytes from %s: %s", len(want), p.target, Show(want))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &Failure{What: fmt.Sprintf("no datagram arrived within %s", idleTimeout), Want: wantDesc}
	case err != nil:
		return &Failure{What: fmt.Sprintf("receiving a datagram failed: %v", err), Want: wantDesc}
	case from.Addr().Unmap() != p.target.Addr().Unmap() || from.Port() != p.target.Port():
		return &Failure{What: fmt.Sprintf("the reply came from %s, not from %s", from, p.target), Got: Show(got),
			Want: "the reply sent from the socket the request went to"}
	case len(got) != len(want):
		return &Failure{What: fmt.Sprintf("the datagram has %d bytes instead of %d: datagram boundaries must be kept", len(got), len(want)),
			Got: Show(got), Want: wantDesc}
	case !bytes.Equal(got, want):
		i := firstDiff(got, want)
		return &Failure{What: fmt.Sprintf("the datagram differs from the one expected at byte %d", i), Got: Show(got), Want: wantDesc}
	}
	return nil
}

func cmdUDPQuiet(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpquiet")
	usage(ts, len(args) == 2 || len(args) == 3, "udpquiet NAME DURATION [BUT]")
	st := state(ts)
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	// BUT, if given, is a datagram that may come, as a late copy of one
	// already answered: it is not what the silence is about.
	var but []byte
	if len(args) == 3 {
		but, err = unescape(args[2])
		ts.Check(err)
	}
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return
		}
		got, from, err := udpReceive(st, st.udpPeer(ts, args[0]), left)
		if err != nil {
			return
		}
		if but != nil && bytes.Equal(got, but) {
			continue
		}
		st.fail(ts, Failure{What: fmt.Sprintf("a datagram arrived from %s where none should", from), Got: Show(got),
			Want: "nothing for " + d.String()})
	}
}

func cmdUDPCrowd(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpcrowd")
	usage(ts, len(args) == 3, "udpcrowd N M SIZE")
	st := state(ts)
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	m, err := strconv.Atoi(args[1])
	ts.Check(err)
	size, err := strconv.Atoi(args[2])
	ts.Check(err)
	target, err := netip.ParseAddrPort(ts.Getenv("ADDR"))
	ts.Check(err)

	peers := make([]*udpPeer, n)
	for i := range peers {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopbackOf(target.Addr()), 0)))
		ts.Check(err)
		defer c.Close()
		peers[i] = &udpPeer{conn: c, target: target}
	}
	// Every peer sends a datagram, then waits for its echo before the
	// next, all at once: the server sees their datagrams interleaved.
	fails := make([]*Failure, n)
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Go(func() {
			for j := range m {
				d := pattern(size, uint64(i*m+j+1))
				p.conn.SetWriteDeadline(st.deadline(idleTimeout))
				if _, err := p.conn.WriteToUDPAddrPort(d, p.target); err != nil {
					fails[i] = &Failure{What: fmt.Sprintf("sending failed: %v", err)}
					return
				}
				got, from, err := udpReceive(st, p, idleTimeout)
				if f := judgeDatagram(p, d, got, from, err); f != nil {
					f.What = fmt.Sprintf("datagram %d of %d: %s", j+1, m, f.What)
					fails[i] = f
					return
				}
			}
		})
	}
	wg.Wait()
	if failed, first := tally(fails); failed > 0 {
		f := *fails[first]
		f.What = fmt.Sprintf("%d of %d peers sending at the same time did not get their own datagrams back; peer %d (%s): %s",
			failed, n, first+1, peers[first].conn.LocalAddr(), f.What)
		st.fail(ts, f)
	}
}

func cmdUDPBurst(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpburst")
	usage(ts, len(args) == 3, "udpburst NAME N SIZE")
	st := state(ts)
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	size, err := strconv.Atoi(args[2])
	ts.Check(err)
	usage(ts, n >= 1 && size >= 8 && size <= maxDatagram, fmt.Sprintf("udpburst NAME N SIZE, with N at least 1 and SIZE from 8 to %d", maxDatagram))
	p := st.udpPeer(ts, args[0])
	// All of them leave in one tight loop, before any echo is read: they
	// wait together in the server's receive queue, so a server that
	// echoes them other than one by one, in the order read, shows it.
	burst := make([][]byte, n)
	for i := range burst {
		burst[i] = pattern(size, uint64(1000+i))
	}
	for _, d := range burst {
		udpSend(ts, st, p, d)
	}
	for i, want := range burst {
		got, from, err := udpReceive(st, p, idleTimeout)
		f := judgeDatagram(p, want, got, from, err)
		if f == nil {
			continue
		}
		if j := slices.IndexFunc(burst, func(d []byte) bool { return bytes.Equal(d, got) }); j >= 0 && err == nil {
			f = &Failure{What: fmt.Sprintf("echo %d of the burst was datagram %d's: the echoes came back in another order than the datagrams were sent", i+1, j+1),
				Got: Show(got), Want: fmt.Sprintf("datagram %d of %d: %s", i+1, n, Show(want))}
		} else {
			f.What = fmt.Sprintf("echo %d of %d datagrams sent back to back: %s", i+1, n, f.What)
		}
		st.fail(ts, *f)
	}
}

// addrArg is the IP:port in args[i], or $ADDR when args has no i-th word.
func addrArg(ts *testscript.TestScript, cmd string, args []string, i int) netip.AddrPort {
	addr := ts.Getenv("ADDR")
	if len(args) > i {
		addr = args[i]
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		ts.Fatalf("%s: %q is not an IP:port: %v", cmd, addr, err)
	}
	return ap
}
