package scriptcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// topologyTimeout bounds building the routers and proving that they carry
// traffic both ways. It takes well under a second on an idle machine, but
// the checker's own set-up must not fail a program when the machine is
// busy (16 gradings at once on 2 cores took more than 5s).
const topologyTimeout = 15 * time.Second

// A topology is a chain of network namespaces that lesson 16's traceroute
// probes through: the script's own namespace (the source), HOPS routers, and
// a destination, joined by veth pairs. Instance n owns the addresses
// 10.n.0.0/16, where link k (k = 1..HOPS+1) is 10.n.k.0/24 with 10.n.k.1 on
// the side of the source and 10.n.k.2 on the far side, and link k's ends
// are named tr<n>-<k>a (source side) and tr<n>-<k>b. Scripts may share a
// namespace, and a script may build two chains, so every instance claims a
// free n.
//
// Each namespace other than the script's own is held open by a `cat` whose
// standard input is a pipe that only the checker holds: killed, or left
// reading an end of file when the checker dies for any reason, it takes its
// namespace, and the veths in it, away.
type topology struct {
	n       int
	hops    int
	holders []*exec.Cmd     // routers 1..hops, then the destination
	stdins  []io.Closer     // their pipes
	noise   *net.UDPConn    // the other traceroute, if asked for
	far     *net.UDPConn    // its probes that reach the destination
	done    chan struct{}   // closed to stop the noise
	stopped chan struct{}   // closed when the noise has stopped
	dupDone chan struct{}   // closed to stop the relay of dup
	dupWait chan struct{}   // closed when it has stopped
	claimed bool            // trN-1a exists in the script's namespace
	source  net.IP          // 10.n.1.1
	dest    net.IP          // 10.n.(hops+1).2
	routers []net.IP        // 10.n.k.2: the address router k answers from
	ctx     context.Context // bounds every command run while building
	ipCmd   string          // the ip command's path
	probes  *traceProbes    // what the relay saw leave, for probeports
}

func cmdTopology(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "topology")
	o, ok := topologyArgs(args)
	usage(ts, ok, topologyUsage)
	st := state(ts)
	ipCmd, err := findIP()
	if err != nil {
		st.fail(ts, Failure{What: "this check builds its routers with the ip command (iproute2), and there is none here (not in your PATH, /usr/sbin or /sbin)",
			Want: "iproute2 installed (apt install iproute2, dnf install iproute...), then run the checker again"})
	}
	if err := privateNamespace(); err != nil {
		ts.Fatalf("topology: %v", err)
	}

	ctx, cancel := context.WithDeadline(st.ctx, st.deadline(topologyTimeout))
	defer cancel()
	t := &topology{hops: o.hops, ctx: ctx, ipCmd: ipCmd, probes: scriptProbes(st)}
	ts.Defer(t.close)
	if err := t.build(o.silent, o.errs); err != nil {
		st.fail(ts, Failure{What: "the checker could not build its network of routers (not your program's fault): " + err.Error(),
			Want: "ip (iproute2) and network namespaces working inside the lesson's namespace"})
	}
	if err := t.prove(); err != nil {
		st.fail(ts, Failure{What: "the checker's network of routers does not carry traffic (not your program's fault): " + err.Error(),
			Want: "a datagram to the destination answered by ICMP port unreachable"})
	}
	if o.noise {
		if err := t.startNoise(o.silent); err != nil {
			ts.Fatalf("topology: noise: %v", err)
		}
	}
	if o.relayed() {
		if err := t.startRelay(o); err != nil {
			ts.Fatalf("topology: relay: %v", err)
		}
	}
	ts.Setenv("SOURCE", t.source.String())
	ts.Setenv("DEST", t.dest.String())
	if o.otherHost {
		ts.Setenv("OTHERHOST", t.addr(250, 2).String())
	}
	for k, r := range t.routers {
		ts.Setenv(fmt.Sprintf("HOP%d", k+1), r.String())
	}
	if o.errs {
		for name, link := range topologyErrorNets {
			ts.Setenv(name, t.addr(link, 1).String())
		}
	}
}

// topologyErrorNets are the networks (10.n.LINK.0/24, past every real
// link) that `topology HOPS errors` routes into ICMP errors, and the
// variable that names the first address of each.
var topologyErrorNets = map[string]int{
	"NETUNREACH":  200, // router 1 has no route: Destination Net Unreachable
	"HOSTUNREACH": 201, // router 1's route is `unreachable`: Destination Host Unreachable
	"LOOP":        202, // routers 1 and 2 send it to each other: Time to live exceeded
	"FILTERED":    203, // router 1's route is `prohibit`: Packet filtered
}

// findIP finds the ip command, also where an ordinary user's PATH may not
// look.
func findIP() (string, error) {
	if p, err := exec.LookPath("ip"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/ip", "/sbin/ip"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no ip command")
}

// privateNamespace refuses to touch a namespace that has interfaces of its
// own besides loopback and topologies: the host's, most likely.
func privateNamespace() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, ifi := range ifs {
		if ifi.Name != "lo" && !strings.HasPrefix(ifi.Name, "tr") {
			return fmt.Errorf("it changes interfaces and routes, so it runs only in a network namespace of its own (a lesson marked Isolated), and this one has %s", ifi.Name)
		}
	}
	return nil
}

func (t *topology) addr(link, end int) net.IP {
	return net.IPv4(10, byte(t.n), byte(link), byte(end)).To4()
}

func (t *topology) link(k int, side string) string {
	return fmt.Sprintf("tr%d-%d%s", t.n, k, side)
}

func (t *topology) build(silent int, icmpErrors bool) error {
	for range t.hops + 1 {
		if err := t.startHolder(); err != nil {
			return err
		}
	}
	if err := t.claim(); err != nil {
		return err
	}
	t.source = t.addr(1, 1)
	t.dest = t.addr(t.hops+1, 2)
	for k := 1; k <= t.hops; k++ {
		t.routers = append(t.routers, t.addr(k, 2))
	}

	// In the script's namespace: the other links, each end moved to the
	// namespace it belongs in, and the source's side of link 1.
	var cmds []string
	for k := 2; k <= t.hops+1; k++ {
		cmds = append(cmds, fmt.Sprintf("link add %s type veth peer name %s", t.link(k, "a"), t.link(k, "b")))
	}
	for k := 1; k <= t.hops+1; k++ {
		if k > 1 {
			cmds = append(cmds, fmt.Sprintf("link set %s netns %d", t.link(k, "a"), t.holders[k-2].Process.Pid))
		}
		cmds = append(cmds, fmt.Sprintf("link set %s netns %d", t.link(k, "b"), t.holders[k-1].Process.Pid))
	}
	cmds = append(cmds,
		fmt.Sprintf("addr add %s/24 dev %s", t.source, t.link(1, "a")),
		fmt.Sprintf("link set %s up", t.link(1, "a")),
		fmt.Sprintf("route add 10.%d.0.0/16 via %s", t.n, t.addr(1, 2)))
	if err := t.ip(cmds); err != nil {
		return err
	}

	// Node k (router k, or the destination when k is hops+1) has the far
	// end of link k and the near end of link k+1. The nodes are set up
	// side by side: each is a few programs run.
	errs := make([]error, t.hops+1)
	var wg sync.WaitGroup
	for k := 1; k <= t.hops+1; k++ {
		cmds := []string{
			"link set lo up",
			fmt.Sprintf("addr add %s/24 dev %s", t.addr(k, 2), t.link(k, "b")),
			fmt.Sprintf("link set %s up", t.link(k, "b")),
		}
		// The kernel sends at most one ICMP error a second to each
		// address after a burst of six; traceroutes run again and again
		// here, so no limit.
		sysctls := map[string]string{"net/ipv4/icmp_ratelimit": "0"}
		if icmpErrors {
			// Nor the kernel's global budget for errors (1000 a second
			// with bursts of 50, shared by every namespace on older
			// kernels), which other checks running at the same time
			// may spend: no ICMP type is rate limited here.
			sysctls["net/ipv4/icmp_ratemask"] = "0"
		}
		if k <= t.hops {
			sysctls["net/ipv4/ip_forward"] = "1"
			cmds = append(cmds,
				fmt.Sprintf("addr add %s/24 dev %s", t.addr(k+1, 1), t.link(k+1, "a")),
				fmt.Sprintf("link set %s up", t.link(k+1, "a")),
				// Onwards, everything of this instance; back, the links
				// between the source and here.
				fmt.Sprintf("route add 10.%d.0.0/16 via %s", t.n, t.addr(k+1, 2)))
			for j := 1; j < k; j++ {
				cmds = append(cmds, fmt.Sprintf("route add 10.%d.%d.0/24 via %s", t.n, j, t.addr(k, 1)))
			}
			if icmpErrors && k == 1 {
				// A throw route ends the main table's lookup with no
				// route at all (as if none matched), the others with
				// their own error.
				cmds = append(cmds,
					fmt.Sprintf("route add throw 10.%d.%d.0/24", t.n, topologyErrorNets["NETUNREACH"]),
					fmt.Sprintf("route add unreachable 10.%d.%d.0/24", t.n, topologyErrorNets["HOSTUNREACH"]),
					fmt.Sprintf("route add prohibit 10.%d.%d.0/24", t.n, topologyErrorNets["FILTERED"]))
			}
			if icmpErrors && k == 2 {
				// Back to router 1, which sends it here again: a routing
				// loop, until the TTL runs out.
				cmds = append(cmds, fmt.Sprintf("route add 10.%d.%d.0/24 via %s", t.n, topologyErrorNets["LOOP"], t.addr(k, 1)))
			}
			if k == silent {
				// Packets this router makes itself (iif lo), time
				// exceeded included, find no route; packets it forwards
				// come in on a veth and are not concerned.
				cmds = append(cmds, "rule add iif lo blackhole pref 100")
			}
		} else {
			cmds = append(cmds, fmt.Sprintf("route add default via %s", t.addr(k, 1)))
		}
		wg.Go(func() {
			err := inNetns(t.holders[k-1].Process.Pid, func() error {
				for name, v := range sysctls {
					if err := os.WriteFile("/proc/sys/"+name, []byte(v), 0); err != nil {
						return err
					}
				}
				return t.ip(cmds)
			})
			if err != nil {
				errs[k-1] = fmt.Errorf("node %d: %w", k, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startHolder starts a process in a new network namespace that lives as
// long as the checker holds its standard input open.
func (t *topology) startHolder() error {
	cmd := exec.Command("cat")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		in.Close()
		return fmt.Errorf("start a process in a new network namespace: %w", err)
	}
	t.holders = append(t.holders, cmd)
	t.stdins = append(t.stdins, in)
	return nil
}

// claim picks the first free instance number: creating link 1 in the
// script's namespace fails while another script's instance owns its name.
func (t *topology) claim() error {
	for n := 1; n < 255; n++ {
		t.n = n
		out, err := exec.CommandContext(t.ctx, t.ipCmd, "link", "add", t.link(1, "a"), "type", "veth", "peer", "name", t.link(1, "b")).CombinedOutput()
		if err == nil {
			t.claimed = true
			return nil
		}
		if !strings.Contains(string(out), "File exists") {
			return fmt.Errorf("ip link add %s: %v: %s", t.link(1, "a"), err, strings.TrimSpace(string(out)))
		}
	}
	return errors.New("no free instance: 254 topologies exist already")
}

// ip runs the commands with one `ip -batch`, in the calling thread's
// network namespace.
func (t *topology) ip(cmds []string) error {
	cmd := exec.CommandContext(t.ctx, t.ipCmd, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip -batch: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// inNetns runs f on an OS thread that has joined the network namespace of
// process pid; whatever f starts starts there. The thread then goes back to
// the checker's own namespace before it is given back to the Go scheduler;
// if it cannot, it is never given back: it ends with the goroutine. (It
// must not stay put otherwise: a locked goroutine that ends on the
// process's main thread wedges that thread, in the namespace it joined, and
// /proc/self/net then shows that namespace to the whole checker.)
func inNetns(pid int, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open the checker's own network namespace: %w", err)
			return
		}
		defer unix.Close(home)
		fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open the namespace of process %d: %w", pid, err)
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			errc <- fmt.Errorf("join the namespace of process %d: %w", pid, err)
			return
		}
		err = f()
		if unix.Setns(home, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// prove sends datagrams to a port of the destination where nothing
// listens until one comes back refused: the routes work both ways, and
// the first neighbour lookups are done.
func (t *topology) prove() error {
	c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: t.dest, Port: 9})
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	deadline := start.Add(topologyTimeout)
	if dl, ok := t.ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	buf := make([]byte, 64)
	for time.Now().Before(deadline) {
		if _, err := c.Write([]byte("topology")); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		wait := time.Now().Add(100 * time.Millisecond)
		if wait.After(deadline) {
			wait = deadline
		}
		c.SetReadDeadline(wait)
		_, err := c.Read(buf)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
	}
	return fmt.Errorf("no ICMP port unreachable from %s within %s", t.dest, time.Since(start).Round(time.Millisecond))
}

// noisePeriod and noisePorts shape the other traceroute: a probe every
// 10ms, to the ports 33434-33449 in turn, so that each of these ports is
// quoted back at least once in any 160ms.
const (
	noisePeriod = 10 * time.Millisecond
	noisePorts  = 16
)

// startNoise plays another traceroute on the same machine: UDP probes to
// the destination from a port of its own, with a TTL that expires at the
// first router that answers, and as many from a second port with a TTL
// that reaches the destination. The program under test receives the
// routers' time exceeded and the destination's port unreachable on its
// raw socket too, and must see that they quote a probe that is not one of
// its own.
func (t *topology) startNoise(silent int) error {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: t.source})
	if err != nil {
		return err
	}
	ttl := 1
	if silent == 1 {
		ttl = 2
	}
	if err := ipv4.NewPacketConn(c).SetTTL(ttl); err != nil {
		c.Close()
		return err
	}
	far, err := net.ListenUDP("udp4", &net.UDPAddr{IP: t.source})
	if err != nil {
		c.Close()
		return err
	}
	t.noise, t.far, t.done, t.stopped = c, far, make(chan struct{}), make(chan struct{})
	go func() {
		defer close(t.stopped)
		tick := time.NewTicker(noisePeriod)
		defer tick.Stop()
		for i := 0; ; i++ {
			to := &net.UDPAddr{IP: t.dest, Port: 33434 + i%noisePorts}
			if _, err := c.WriteToUDP([]byte("another traceroute"), to); err != nil {
				return
			}
			if _, err := far.WriteToUDP([]byte("another traceroute"), to); err != nil {
				return
			}
			select {
			case <-tick.C:
			case <-t.done:
				return
			}
		}
	}()
	return nil
}

// close takes everything away: the noise, the relay, link 1 in the
// script's namespace (its route goes with it), and the holders, whose
// namespaces and veths then vanish.
func (t *topology) close() {
	if t.noise != nil {
		close(t.done)
		<-t.stopped
		t.noise.Close()
		t.far.Close()
	}
	if t.dupDone != nil {
		close(t.dupDone)
		<-t.dupWait
	}
	if t.claimed {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		exec.CommandContext(ctx, t.ipCmd, "link", "del", t.link(1, "a")).Run()
		cancel()
	}
	for i, h := range t.holders {
		t.stdins[i].Close()
		h.Process.Kill()
		h.Wait()
	}
}
