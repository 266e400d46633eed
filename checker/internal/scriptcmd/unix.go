package scriptcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/proc"
)

// Lesson 19's commands: a server on a Unix domain socket, stream or
// datagram, and the socket files it leaves behind.

// maxUnixDatagram is the largest datagram lesson 19's server echoes whole.
const maxUnixDatagram = 65536

func cmdUnixServe(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "unixserve")
	st := state(ts)
	rest := st.startBackground(ts, args, background{
		role: "server", prefix: readyPrefix, line: readyPrefix + "unix:PATH",
		whenExited:  "a line `listening on unix:PATH` (or `unixgram:PATH` with -dgram) on stdout once the socket is bound, then to keep running",
		whenTimeout: "a line `listening on unix:PATH` (or `unixgram:PATH` with -dgram) on stdout, with a newline, once the socket is bound",
	})
	network, path, ok := strings.Cut(rest, ":")
	want, wantNet := socketArg(args), "unix"
	if slices.Contains(args, "-dgram") || slices.Contains(args, "--dgram") {
		wantNet = "unixgram"
	}
	if !ok || network != wantNet || (want != "" && path != want) {
		st.fail(ts, Failure{
			What:   fmt.Sprintf("the readiness line is %q", readyPrefix+rest),
			Sent:   "started: " + commandLine(args),
			Want:   fmt.Sprintf("`listening on %s:%s`: the network (unixgram with -dgram, else unix), a colon and the path exactly as -socket gave it", wantNet, want),
			Output: st.Output(),
		})
	}
	ts.Setenv("SOCKET", path)
}

// socketArg returns the value of -socket in args, or "".
func socketArg(args []string) string {
	for i, a := range args {
		for _, p := range []string{"-socket", "--socket"} {
			if a == p && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, p+"="); ok {
				return v
			}
		}
	}
	return ""
}

// socketPath resolves a script's socket name: an abstract name (@NAME)
// as it is, a path relative to $WORK, as the program (which runs there)
// resolves it.
func socketPath(ts *testscript.TestScript, name string) string {
	if strings.HasPrefix(name, "@") {
		return name
	}
	return ts.MkAbs(name)
}

// unixDial connects to the stream socket at path (absolute, or abstract).
func (st *State) unixDial(path string) (*net.UnixConn, error) {
	short, done, err := shortSocketPath(path)
	if err != nil {
		return nil, err
	}
	defer done()
	d := net.Dialer{Deadline: st.deadline(readyTimeout)}
	c, err := d.DialContext(st.ctx, "unix", short)
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}

func cmdUnixDial(ts *testscript.TestScript, neg bool, args []string) {
	const use = "unixdial [-uid=N] NAME [PATH]"
	st := state(ts)
	uid := -1
	if len(args) > 0 {
		if v, ok := strings.CutPrefix(args[0], "-uid="); ok {
			n, err := strconv.Atoi(v)
			usage(ts, err == nil && n >= 0, use)
			uid, args = n, args[1:]
		}
	}
	usage(ts, len(args) == 1 || len(args) == 2, use)
	name := ts.Getenv("SOCKET")
	if len(args) == 2 {
		name = args[1]
	}
	path := socketPath(ts, name)
	var c *net.UnixConn
	var pid int
	var err error
	if uid >= 0 {
		c, pid, err = st.dialAs(uid, path)
	} else {
		c, err = st.unixDial(path)
		pid = os.Getpid()
		uid = os.Getuid()
	}
	if neg {
		if err == nil {
			c.Close()
			st.fail(ts, Failure{What: fmt.Sprintf("a connection to %s was accepted", path),
				Want: "the connection to be refused: nothing should listen there"})
		}
		return
	}
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("could not connect to %s: %v", path, err),
			Want: "the server to accept the connection", Output: st.Output()})
	}
	st.mu.Lock()
	st.conns[args[0]] = c
	st.mu.Unlock()
	// Who the server's SO_PEERCRED names: the process that connected.
	ts.Setenv("UID_"+args[0], strconv.Itoa(uid))
	ts.Setenv("PID_"+args[0], strconv.Itoa(pid))
}

func cmdSockMode(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sockmode")
	usage(ts, len(args) == 2, "sockmode PATH MODE")
	st := state(ts)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("no socket file at %s: %v", args[0], err),
			Want: "the server's socket file, there for as long as it listens", Output: st.Output()})
	}
	if fi.Mode().Type() != fs.ModeSocket {
		st.fail(ts, Failure{What: fmt.Sprintf("%s is not a socket but %s", args[0], fi.Mode()),
			Want: "a socket file (mode s...), made by bind", Output: st.Output()})
	}
	if got := fi.Mode().Perm(); uint64(got) != want {
		st.fail(ts, Failure{What: fmt.Sprintf("the socket file's mode is %#o (%s)", uint32(got), lsMode(fi.Mode())),
			Want: fmt.Sprintf("mode %#o (%s), so that only the server's own user may connect: bind gives the file 0777 minus the umask, so set the umask to 0177 before bind (syscall.Umask)",
				want, lsMode(fs.ModeSocket|fs.FileMode(want))),
			Output: st.Output()})
	}
}

// lsMode writes a socket file's mode as ls -l does: srw-------, where Go
// writes Srw-------.
func lsMode(m fs.FileMode) string {
	if m.Type() == fs.ModeSocket {
		return "s" + m.Perm().String()[1:]
	}
	return m.String()
}

func cmdStaleSocket(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "stalesocket")
	usage(ts, len(args) == 1 || (len(args) == 2 && args[0] == "-dgram"), "stalesocket [-dgram] PATH")
	path, network := ts.MkAbs(args[len(args)-1]), "unix"
	if len(args) == 2 {
		network = "unixgram"
	}
	short, done, err := shortSocketPath(path)
	ts.Check(err)
	defer done()
	// Bound and closed without unlinking, as a crashed server leaves it:
	// the file is there, and connecting to it is refused.
	if network == "unix" {
		var ln *net.UnixListener
		ln, err = net.ListenUnix(network, &net.UnixAddr{Name: short, Net: network})
		if err == nil {
			ln.SetUnlinkOnClose(false)
			err = ln.Close()
		}
	} else {
		var c *net.UnixConn
		c, err = net.ListenUnixgram(network, &net.UnixAddr{Name: short, Net: network})
		if err == nil {
			err = c.Close()
		}
	}
	ts.Check(err)
	// A child that the checker forked just then (another check starting
	// its program) holds a copy of the socket until its exec, and a loaded
	// machine can make that last: until then a connection would still be
	// taken. Wait until it is refused, as for a file a crashed server left.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial(network, short)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			ts.Fatalf("stalesocket: %s still takes connections after it was closed", path)
		}
		time.Sleep(5 * time.Millisecond) // polling the kernel, not synchronising with the program
	}
	// The program may run as another user (class grading): the file must
	// be one it could have left itself, or connecting to it is denied
	// rather than refused.
	ts.Check(state(ts).chownToProgram(path))
}

// chownToProgram gives path to the user the script's programs run as, so
// that the program may remove it, as it could a file it made itself.
func (s *State) chownToProgram(path string) error {
	if s.User == nil {
		return nil
	}
	return os.Lchown(path, int(s.User.UID), int(s.User.GID))
}

func cmdUnixListen(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "unixlisten")
	usage(ts, len(args) == 1, "unixlisten PATH")
	path := ts.MkAbs(args[0])
	short, done, err := shortSocketPath(path)
	ts.Check(err)
	defer done()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: short, Net: "unix"})
	ts.Check(err)
	// Its short name means nothing once done has run: remove the file by
	// its real path.
	ln.SetUnlinkOnClose(false)
	// The program may run as another user: let it connect, and find the
	// server live, not a permission error.
	ts.Check(state(ts).chownToProgram(path))
	// Accept and hold every connection: a live server, busy or not.
	accepted := make(chan struct{})
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
			close(accepted)
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	ts.Defer(func() { ln.Close(); <-accepted; os.Remove(path) })
}

// gramPeer is one of the checker's datagram sockets, bound to an abstract
// name so that the server has an address to answer, with the socket it
// talks to.
type gramPeer struct {
	conn   *net.UnixConn
	target *net.UnixAddr
	name   string // the target as the script names it
	abs    string // and as an absolute path (or abstract name)
}

func (s *State) gramPeer(ts *testscript.TestScript, name string) *gramPeer {
	v := s.Keep(gramKey{}, func() any { return &gramPeers{m: map[string]*gramPeer{}} }).(*gramPeers)
	v.mu.Lock()
	defer v.mu.Unlock()
	p, ok := v.m[name]
	if !ok {
		ts.Fatalf("no datagram socket named %q (gramdial it first)", name)
	}
	return p
}

func cmdGramDial(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gramdial")
	usage(ts, len(args) == 1 || len(args) == 2, "gramdial NAME [PATH]")
	st := state(ts)
	name := ts.Getenv("SOCKET")
	if len(args) == 2 {
		name = args[1]
	}
	// The target's name is resolved at every send: keep a short one for
	// the whole script.
	abs := socketPath(ts, name)
	target, done, err := shortSocketPath(abs)
	ts.Check(err)
	ts.Defer(done)
	// Bound in the abstract namespace: the name fits sun_path wherever
	// $WORK is, the server may answer whatever user it runs as, and there
	// is no file to remove.
	local := fmt.Sprintf("@socketlings-%d-%s-%d", os.Getpid(), args[0], time.Now().UnixNano())
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: local, Net: "unixgram"})
	ts.Check(err)
	ts.Defer(func() { c.Close() })
	v := st.Keep(gramKey{}, func() any { return &gramPeers{m: map[string]*gramPeer{}} }).(*gramPeers)
	v.mu.Lock()
	v.m[args[0]] = &gramPeer{conn: c, target: &net.UnixAddr{Name: target, Net: "unixgram"}, name: name, abs: abs}
	v.mu.Unlock()
	ts.Setenv("LOCAL_"+args[0], local)
}

func cmdGramSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gramsend")
	usage(ts, len(args) == 2, "gramsend NAME TEXT")
	st := state(ts)
	data, err := unescape(args[1])
	ts.Check(err)
	gramSend(ts, st, st.gramPeer(ts, args[0]), data)
}

func gramSend(ts *testscript.TestScript, st *State, p *gramPeer, data []byte) {
	p.conn.SetWriteDeadline(st.deadline(idleTimeout))
	if _, err := p.conn.WriteToUnix(data, p.target); err != nil {
		what := fmt.Sprintf("sending a datagram to %s failed: %v", p.name, err)
		if errors.Is(err, syscall.ECONNREFUSED) {
			what = fmt.Sprintf("sending a datagram to %s was refused: no socket is bound there any more", p.name)
		}
		st.fail(ts, Failure{What: what, Sent: Show(data), Output: st.Output()})
	}
}

func cmdGramExpect(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gramexpect")
	usage(ts, len(args) == 2, "gramexpect NAME TEXT")
	st := state(ts)
	want, err := unescape(args[1])
	ts.Check(err)
	p := st.gramPeer(ts, args[0])
	if f := gramReceive(st, p, want); f != nil {
		st.fail(ts, *f)
	}
}

// gramReceive waits for one datagram on p and judges it against want.
func gramReceive(st *State, p *gramPeer, want []byte) *Failure {
	buf := make([]byte, maxUnixDatagram+1)
	p.conn.SetReadDeadline(st.deadline(idleTimeout))
	n, from, err := p.conn.ReadFromUnix(buf)
	got := buf[:n]
	wantDesc := fmt.Sprintf("one datagram of %d bytes from %s: %s", len(want), p.name, Show(want))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &Failure{What: fmt.Sprintf("no datagram arrived within %s", idleTimeout), Want: wantDesc, Output: st.Output()}
	case err != nil:
		return &Failure{What: fmt.Sprintf("receiving a datagram failed: %v", err), Want: wantDesc}
	case from == nil || (from.Name != p.name && from.Name != p.target.Name && from.Name != p.abs):
		name := "an unnamed socket"
		if from != nil && from.Name != "" {
			name = from.Name
		}
		return &Failure{What: fmt.Sprintf("the reply came from %s, not from %s", name, p.name), Got: Show(got),
			Want: "the reply sent from the socket the datagram went to"}
	case len(got) != len(want):
		return &Failure{What: fmt.Sprintf("the datagram has %d bytes instead of %d: datagram boundaries must be kept", len(got), len(want)),
			Got: Show(got), Want: wantDesc}
	case !bytes.Equal(got, want):
		return &Failure{What: fmt.Sprintf("the datagram differs from the one expected at byte %d", firstDiff(got, want)), Got: Show(got), Want: wantDesc}
	}
	return nil
}

func cmdGramBurst(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gramburst")
	usage(ts, len(args) == 3, "gramburst NAME N SIZE")
	st := state(ts)
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	size, err := strconv.Atoi(args[2])
	ts.Check(err)
	// Linux queues at most 10 datagrams for a Unix socket by default
	// (net.unix.max_dgram_qlen): a burst must leave room for its echoes.
	usage(ts, n >= 1 && n <= 8 && size >= 8 && size <= maxUnixDatagram, fmt.Sprintf("gramburst NAME N SIZE, with N from 1 to 8 and SIZE from 8 to %d", maxUnixDatagram))
	p := st.gramPeer(ts, args[0])
	burst := make([][]byte, n)
	for i := range burst {
		burst[i] = pattern(size, uint64(2000+i))
	}
	// All leave before any echo is read, so they queue together: a server
	// that reads a stream of bytes instead of datagrams merges them.
	for _, d := range burst {
		gramSend(ts, st, p, d)
	}
	for i, want := range burst {
		f := gramReceive(st, p, want)
		if f == nil {
			continue
		}
		f.What = fmt.Sprintf("echo %d of %d datagrams of %d bytes sent back to back: %s", i+1, n, size, f.What)
		st.fail(ts, *f)
	}
}

type gramKey struct{}

// gramPeers are a script's datagram sockets by name.
type gramPeers struct {
	mu sync.Mutex
	m  map[string]*gramPeer
}

func cmdAbstractName(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "abstractname")
	usage(ts, len(args) == 1, "abstractname VAR")
	// Abstract names are shared by the whole network namespace, and
	// several scripts run at once: the pid and the time keep them apart.
	ts.Setenv(args[0], fmt.Sprintf("@socketlings-%d-%d", os.Getpid(), time.Now().UnixNano()))
}

func cmdUnixRefuses(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "unixrefuses")
	usage(ts, len(args) > 0, "unixrefuses ARGS...")
	st := state(ts)
	ready := make(chan string, 1)
	p, err := proc.Start(st.ctx, proc.Spec{
		Path: st.Program, Args: args, Dir: ts.Getenv("WORK"), Env: st.programEnv(), Confine: st.Confine, User: st.User, Limit: runOutputLimit,
		OnStdoutLine: func(line string) {
			if strings.HasPrefix(line, readyPrefix) {
				select {
				case ready <- line:
				default:
				}
			}
		},
	})
	ts.Check(err)
	st.mu.Lock()
	st.lastRun = p
	st.mu.Unlock()
	cmdline := commandLine(args)
	timer := time.NewTimer(time.Until(st.deadline(stopTimeout)))
	defer timer.Stop()
	select {
	case <-p.Done():
	case line := <-ready:
		p.Kill()
		p.Wait(stopTimeout)
		st.fail(ts, Failure{What: "the program started, where it must refuse to", Sent: "started: " + cmdline,
			Got:    Show([]byte(line + "\n")),
			Want:   "exit status 1 with one line on stderr, and the path left as it was: never remove what is not a stale socket file",
			Output: programOutput(p)})
	case <-timer.C:
		p.Kill()
		p.Wait(stopTimeout)
		st.fail(ts, Failure{What: fmt.Sprintf("the program was still running after %s, without a readiness line", stopTimeout), Sent: "started: " + cmdline,
			Want: "exit status 1 at once, with one line on stderr", Output: programOutput(p)})
	}
	exit, _ := p.Wait(0)
	ts.Stdout().Write(p.Stdout.Bytes())
	ts.Stderr().Write(p.Stderr.Bytes())
	if exit.Code != 1 || exit.Signal != "" || crashed(p) {
		st.fail(ts, Failure{What: fmt.Sprintf("the program ended with %s", exit), Sent: "started: " + cmdline,
			Want: "exit status 1 and one line on stderr saying why it does not start (a panic is not a way to fail)", Output: programOutput(p)})
	}
}
