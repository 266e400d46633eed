package scriptcmd

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/socketlings/socketlings/checker/internal/proc"
	"golang.org/x/sys/unix"
)

const pingBusyUsage = "pingbusy ADDR [-within=DURATION] ARGS..."

// cmdPingBusy runs the program against the silent icmptarget ADDR and
// makes its host busy at the worst moment: once the first echo request has
// arrived, the program is stopped (SIGSTOP), so that it reads nothing, and
// ICMP traffic that is not its own (another ping's replies) piles up in its
// raw socket until a socket with the default receive buffer would overflow
// by half; then the real reply comes, and the program is let go (SIGCONT).
// A program that asked for a 1 MiB buffer finds the reply behind the pile;
// one that did not lost it, as a busy host loses it. Two sockets of the
// checker's, one with the default buffer and one with 1 MiB, receive the
// same traffic and prove both outcomes, so the check judges nothing on a
// machine whose net.core.rmem_max allows no bigger buffer.
func cmdPingBusy(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "pingbusy")
	usage(ts, len(args) >= 2, pingBusyUsage)
	st := state(ts)
	addr, err := netip.ParseAddr(args[0])
	ts.Check(err)
	t := st.icmpTarget(addr)
	if t == nil || !t.opts.silent {
		ts.Fatalf("pingbusy: %s is not a silent icmptarget of this script", addr)
	}
	args = args[1:]
	limit := runTimeout
	if v, ok := strings.CutPrefix(args[0], "-within="); ok {
		limit, err = time.ParseDuration(v)
		ts.Check(err)
		args = args[1:]
	}

	small, err := newBusyProbe(0)
	ts.Check(err)
	defer small.close()
	big, err := newBusyProbe(1 << 20)
	ts.Check(err)
	defer big.close()
	out, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	ts.Check(err)
	defer unix.Close(out)

	p, err := proc.Start(st.ctx, proc.Spec{Path: st.Program, Args: args, Dir: ts.Getenv("WORK"), Env: st.programEnv(),
		Limit: runOutputLimit, Confine: st.Confine, User: st.User})
	ts.Check(err)
	st.mu.Lock()
	st.lastRun = p
	st.mu.Unlock()
	defer p.Kill()
	cmdline := commandLine(args)
	deadline := st.deadline(limit)

	// The first request: the program has its socket, buffer and all.
	var req icmpRequest
	for {
		if reqs := t.record(); len(reqs) > 0 {
			req = reqs[0]
			break
		}
		if p.Exited() || time.Now().After(deadline) {
			p.Kill()
			p.Wait(time.Second)
			st.setStreams(ts, p)
			st.fail(ts, Failure{What: "the program sent no echo request to " + addr.String(), Sent: "started: " + cmdline,
				Want: "one echo request per probe, the first at once", Output: programOutput(p)})
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		ts.Fatalf("pingbusy: stop the program: %v", err)
	}
	for !processStopped(p.Pid()) {
		if p.Exited() || time.Now().After(deadline) {
			ts.Fatalf("pingbusy: the program (pid %d) did not stop", p.Pid())
		}
		time.Sleep(time.Millisecond)
	}
	t0 := time.Now()

	// The program's address: the target's route gives it 127.0.0.1.
	to := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	send := func(msg []byte) {
		unix.Sendto(out, icmpIPv4Packet(addr, to, msg), 0, &unix.SockaddrInet4{Addr: to.As4()})
	}
	reply, other := busyReplies(req)
	sent := 0
	judged := false
	for sent < 20000 {
		for range 8 {
			send(other)
		}
		sent += 8
		s, b := small.stats(), big.stats()
		if !s.found || !b.found || b.drops > 0 {
			break // no /proc/net/raw, or the big buffer is no bigger: nothing to judge here
		}
		if held := sent - s.drops; s.drops > 0 && s.drops >= held/2 {
			judged = b.queue+2*(b.queue/max(sent, 1)) < big.rcvbuf
			break
		}
	}
	send(reply)
	s, b := small.stats(), big.stats()
	judged = judged && b.drops == 0 && s.drops > 0
	p.Signal(syscall.SIGCONT)
	flood := time.Since(t0)

	exit, err := p.Wait(time.Until(deadline))
	st.setStreams(ts, p)
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("the program was still running after %s, so it was killed", limit), Sent: "started: " + cmdline,
			Want: "the program to finish on its own", Output: programOutput(p)})
	}
	if exit.Signal != "" || crashed(p) {
		st.fail(ts, Failure{What: fmt.Sprintf("the program ended with %s", exit), Sent: "started: " + cmdline, Output: programOutput(p)})
	}
	if !judged {
		ts.Logf("pingbusy: not judged: a 1 MiB receive buffer is no bigger than the default here (net.core.rmem_max); %d packets sent", sent)
		return
	}
	if pingReplyRE.MatchString(firstReplyLine(string(p.Stdout.Bytes()))) && exit.Code == 0 {
		return
	}
	st.fail(ts, Failure{
		What: fmt.Sprintf("the program missed its reply on a busy host: while it was not reading, %d ICMP packets of another ping (%d KiB in the kernel's accounting) reached its raw socket, then its reply; "+
			"a raw socket with the default receive buffer (%d bytes here) dropped some %d of them, the reply too, while one of %d bytes (what asking for 1 MiB gives on this machine) kept all. The checker held the program stopped for %s",
			sent, s.queue/1024, small.rcvbuf, s.drops, big.rcvbuf, flood.Round(time.Millisecond)),
		Sent:   "started: " + cmdline,
		Want:   "a reply line for icmp_seq=1 and exit status 0: ask for a 1 MiB receive buffer (SO_RCVBUF, SetReadBuffer(1 << 20) on the *net.IPConn) right after opening the socket",
		Output: programOutput(p)})
}

// firstReplyLine returns the first line of out that has the shape of a
// reply line, or "".
func firstReplyLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if pingReplyRE.MatchString(l) {
			return l
		}
	}
	return ""
}

// busyReplies returns the reply to req and another ping's reply of the
// same size, with another identifier.
func busyReplies(req icmpRequest) (reply, other []byte) {
	o := icmpTargetOptions{lose: map[uint16]bool{}}
	msgs, _ := o.echoReplies(req, netip.Addr{}, netip.Addr{})
	reply = msgs[0]
	other = append([]byte(nil), reply...)
	other[4] ^= 0x80
	other[2], other[3] = 0, 0
	sum := icmpChecksum(other)
	other[2], other[3] = byte(sum>>8), byte(sum)
	return reply, other
}

// busyProbe is a raw ICMP socket of the checker's that never reads: its
// row of /proc/net/raw says how much a program's socket of the same buffer
// would hold, and drop.
type busyProbe struct {
	conn   *net.IPConn
	inode  uint64
	rcvbuf int // as the kernel granted it
}

// rawStats is a socket's row of /proc/net/raw: bytes queued, packets
// dropped, and whether the row was there at all.
type rawStats struct {
	queue, drops int
	found        bool
}

func newBusyProbe(rcvbuf int) (*busyProbe, error) {
	c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return nil, fmt.Errorf("raw ICMP socket: %w", err)
	}
	b := &busyProbe{conn: c.(*net.IPConn)}
	if rcvbuf > 0 {
		b.conn.SetReadBuffer(rcvbuf)
	}
	rc, err := b.conn.SyscallConn()
	if err != nil {
		c.Close()
		return nil, err
	}
	var serr error
	rc.Control(func(fd uintptr) {
		var st unix.Stat_t
		if serr = unix.Fstat(int(fd), &st); serr == nil {
			b.inode = st.Ino
			b.rcvbuf, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		}
	})
	if serr != nil {
		c.Close()
		return nil, fmt.Errorf("raw ICMP socket: %w", serr)
	}
	return b, nil
}

func (b *busyProbe) close() { b.conn.Close() }

// stats reads the socket's receive queue (bytes) and drops from
// /proc/net/raw.
func (b *busyProbe) stats() rawStats {
	f, err := os.Open("/proc/thread-self/net/raw")
	if err != nil {
		return rawStats{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
		fl := strings.Fields(sc.Text())
		if len(fl) < 13 || fl[9] != strconv.FormatUint(b.inode, 10) {
			continue
		}
		_, rx, _ := strings.Cut(fl[4], ":")
		q, _ := strconv.ParseInt(rx, 16, 64)
		d, _ := strconv.Atoi(fl[12])
		return rawStats{queue: int(q), drops: d, found: true}
	}
	return rawStats{}
}

// processStopped reports whether process pid is stopped (state T in
// /proc/PID/stat).
func processStopped(pid int) bool {
	state, ok := processState(pid)
	return ok && (state == 'T' || state == 't')
}
