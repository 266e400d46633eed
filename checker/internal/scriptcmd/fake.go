package scriptcmd

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// fakeServer is a TCP server run by the checker, for lessons whose program
// is a client. It records every byte it receives.
type fakeServer struct {
	ln   net.Listener
	mode string
	wg   sync.WaitGroup

	mu       sync.Mutex
	received []byte
	conns    []net.Conn
	// filler is the local address of slowsilent's own connection, which
	// filled the queue; synSeen is when a client's first SYN left (dated
	// by waitSynSent), and accepted when the first other connection was
	// accepted.
	filler            string
	synSeen, accepted time.Time
	stop              chan struct{} // closed by close; see stopped
}

var fakeModes = []string{"blackhole", "closeearly", "drip", "echo", "hangup", "late", "oneline", "silent", "slowconnect", "slowlines", "slowsilent", "trickle", "twice"}

func cmdFakeServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "fakeserver")
	usage(ts, len(args) == 1, "fakeserver "+strings.Join(fakeModes, "|"))
	usage(ts, slices.Contains(fakeModes, args[0]), "fakeserver "+strings.Join(fakeModes, "|"))
	st := state(ts)
	var f *fakeServer
	if args[0] == "blackhole" {
		ln, filler, err := slowListener()
		ts.Check(err)
		// The queue stays full for good: nothing is ever accepted. The
		// client's first SYN is noted, for endedwithin -syn.
		f = &fakeServer{ln: ln, mode: "blackhole", filler: filler.LocalAddr().String()}
		port := ln.Addr().(*net.TCPAddr).Port
		f.wg.Go(func() {
			defer filler.Close()
			f.noteFirstSyn(port, synWaitLimit)
			<-f.stopped()
		})
	} else if args[0] == "slowconnect" {
		ln, filler, err := slowListener()
		ts.Check(err)
		f = &fakeServer{ln: ln, mode: "echo"}
		// The queue stays full for a while, so the client's first SYN is
		// dropped; its kernel's second one finds room and is served.
		f.wg.Go(func() {
			time.Sleep(slowConnectDelay)
			filler.Close()
			f.serve()
		})
	} else if args[0] == "slowsilent" {
		ln, filler, err := slowListener()
		ts.Check(err)
		f = &fakeServer{ln: ln, mode: "silent", filler: filler.LocalAddr().String()}
		port := ln.Addr().(*net.TCPAddr).Port
		// The queue stays full until a client's first SYN is out (and
		// dropped): its connect can then only get through with the SYN
		// its kernel resends, 1s after the first, whenever it started.
		f.wg.Go(func() {
			f.noteFirstSyn(port, synWaitLimit)
			filler.Close()
			f.serve()
		})
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		f = &fakeServer{ln: ln, mode: args[0]}
		f.wg.Go(f.serve)
	}
	st.mu.Lock()
	if st.fake != nil {
		st.fake.close()
	}
	st.fake = f
	st.mu.Unlock()
	ts.Setenv("ADDR", f.ln.Addr().String())
}

// noteFirstSyn waits up to limit for a client's connect to port, into the
// full queue, and notes when its first SYN left; ok is false when none came.
func (f *fakeServer) noteFirstSyn(port int, limit time.Duration) (first time.Time, ok bool) {
	first, ok = waitSynSent(port, f.stopped(), limit, 0)
	if ok {
		f.mu.Lock()
		f.synSeen = first
		f.mu.Unlock()
	}
	return first, ok
}

// slowConnectDelay is how long slowconnect's queue stays full: well before
// the client's kernel resends its SYN, 1s after the first.
const slowConnectDelay = 500 * time.Millisecond

// resentSynGap is less than the 1s after which a kernel resends a SYN:
// a connection accepted that long after the first SYN was seen came in
// with the resent one.
const resentSynGap = 500 * time.Millisecond

// synWaitLimit bounds how long slowsilent waits for a client's SYN.
const synWaitLimit = 10 * time.Second

// lateDelay is how long late waits before it echoes.
const lateDelay = time.Second

func (f *fakeServer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		if f.accepted.IsZero() && c.RemoteAddr().String() != f.filler {
			f.accepted = time.Now()
		}
		f.mu.Unlock()
		f.wg.Go(func() { f.handle(c) })
	}
}

func (f *fakeServer) record(b []byte) {
	f.mu.Lock()
	f.received = append(f.received, b...)
	f.mu.Unlock()
}

func (f *fakeServer) handle(c net.Conn) {
	defer c.Close()
	switch f.mode {
	case "oneline":
		f.oneLine(c)
		return
	case "slowlines":
		f.slowLines(c)
		return
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		f.record(buf[:n])
		switch f.mode {
		case "echo":
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		case "trickle":
			for off := 0; off < n; off += 3 {
				if _, werr := c.Write(buf[off:min(off+3, n)]); werr != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		case "late":
			if n > 0 {
				time.Sleep(lateDelay)
				if _, werr := c.Write(buf[:n]); werr != nil {
					return
				}
			}
		case "twice":
			if _, werr := c.Write(append(buf[:n:n], buf[:n]...)); werr != nil {
				return
			}
		case "silent":
			if err != nil {
				// Never close first either: a client that half-closed
				// must still need its own deadline to stop waiting.
				<-f.stopped()
				return
			}
		case "drip":
			if n > 0 {
				f.drip(c)
				return
			}
		case "hangup":
			if n > 0 {
				// Take the whole message, then close with a plain FIN and
				// not one byte of echo.
				c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				rest, _ := io.ReadAll(c)
				f.record(rest)
				return
			}
		case "closeearly":
			if n > 0 {
				c.Write(buf[:(n+1)/2])
				// Take the rest of the message, if any, so that closing
				// sends a plain FIN rather than a reset.
				c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				rest, _ := io.ReadAll(c)
				f.record(rest)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// oneLine echoes the first line it reads, whole, and closes with a FIN:
// a reply that ends cleanly, at a line's end, but holds fewer lines than
// were sent, so that only counting them shows what was lost.
func (f *fakeServer) oneLine(c net.Conn) {
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		f.record(buf[:n])
		got = append(got, buf[:n]...)
		if i := bytes.IndexByte(got, '\n'); i >= 0 {
			if _, err := c.Write(got[:i+1]); err != nil {
				return
			}
			break
		}
		if err != nil {
			return
		}
	}
	// Take the rest of the message, if any, so that closing sends a plain
	// FIN rather than a reset.
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	rest, _ := io.ReadAll(c)
	f.record(rest)
}

// slowLines echoes each whole line it reads, slowLinesInterval after the
// line before (the first at once), and closes with a FIN once it has
// echoed every line sent before the client's EOF: replies that each come well
// within a client's timeout but together take longer, which only a
// deadline on the whole exchange cuts short.
func (f *fakeServer) slowLines(c net.Conn) {
	lines := make(chan []byte, 1024)
	done := make(chan struct{})
	defer close(done) // handle then closes c, which ends the reader's Read
	go func() {
		defer close(lines)
		var got []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			f.record(buf[:n])
			got = append(got, buf[:n]...)
			for {
				i := bytes.IndexByte(got, '\n')
				if i < 0 {
					break
				}
				select {
				case lines <- bytes.Clone(got[:i+1]):
				case <-done:
					return
				}
				got = got[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	first := true
	for line := range lines {
		if !first {
			select {
			case <-time.After(slowLinesInterval):
			case <-f.stopped():
				return
			}
		}
		first = false
		if _, err := c.Write(line); err != nil {
			return
		}
	}
}

// slowLinesInterval is how far apart slowlines sends its lines: a third
// of the 1s timeout the checks give the client.
const slowLinesInterval = 300 * time.Millisecond

// drip sends one byte every dripInterval for as long as the connection
// lasts: a reply that keeps coming and never completes, which only a
// deadline on the whole wait can cut short.
func (f *fakeServer) drip(c net.Conn) {
	t := time.NewTicker(dripInterval)
	defer t.Stop()
	for range t.C {
		if _, err := c.Write([]byte{'.'}); err != nil {
			return
		}
	}
}

// dripInterval is how far apart drip's bytes are: well under any timeout
// a lesson gives its client, so each byte resets a per-read deadline.
const dripInterval = 100 * time.Millisecond

// stopped returns a channel that close closes.
func (f *fakeServer) stopped() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stop == nil {
		f.stop = make(chan struct{})
	}
	return f.stop
}

func (f *fakeServer) close() {
	f.ln.Close()
	f.stopped()
	f.mu.Lock()
	close(f.stop)
	for _, c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func cmdReceived(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "received")
	usage(ts, len(args) == 1, "received TEXT")
	st := state(ts)
	want, err := unescape(args[0])
	ts.Check(err)
	st.mu.Lock()
	f := st.fake
	st.mu.Unlock()
	if f == nil {
		ts.Fatalf("received: no fakeserver is running")
	}
	f.mu.Lock()
	got := string(f.received)
	f.mu.Unlock()
	if got != string(want) {
		st.fail(ts, Failure{What: "the server did not receive the message that was expected",
			Got: Show([]byte(got)), Want: Show(want)})
	}
}

func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "freeport")
	usage(ts, len(args) == 0 || (len(args) == 1 && (args[0] == "tcp" || args[0] == "udp")), "freeport [tcp|udp]")
	// Take a port from the kernel and give it back: nothing listens there
	// now, and nothing else is likely to take it in the next moments.
	var addr string
	if len(args) == 1 && args[0] == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		ts.Check(err)
		addr = c.LocalAddr().String()
		c.Close()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		addr = ln.Addr().String()
		ln.Close()
	}
	ts.Setenv("ADDR", addr)
}

func cmdBusyPort(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "busyport")
	usage(ts, len(args) == 0 || (len(args) == 1 && (args[0] == "tcp" || args[0] == "udp")), "busyport [tcp|udp]")
	// Hold the port until the script ends, so that a program told to use
	// it finds it taken.
	var addr string
	if len(args) == 1 && args[0] == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		ts.Check(err)
		ts.Defer(func() { c.Close() })
		addr = c.LocalAddr().String()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		ts.Defer(func() { ln.Close() })
		addr = ln.Addr().String()
	}
	ts.Setenv("ADDR", addr)
}

func cmdGen(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gen")
	usage(ts, len(args) == 2, "gen NAME SIZE")
	var size int
	_, err := fmt.Sscan(args[1], &size)
	ts.Check(err)
	ts.Setenv(args[0], string(printablePattern(size)))
}

func cmdEndedWithin(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "endedwithin")
	fromSyn := len(args) == 2 && args[0] == "-syn"
	if fromSyn {
		args = args[1:]
	}
	usage(ts, len(args) == 1, "endedwithin [-syn] DURATION")
	limit, err := time.ParseDuration(args[0])
	ts.Check(err)
	st := state(ts)
	st.mu.Lock()
	f, start, end := st.fake, st.lastRunStart, st.lastRunEnd
	var synSeen, accepted time.Time
	if f != nil {
		f.mu.Lock()
		synSeen, accepted = f.synSeen, f.accepted
		f.mu.Unlock()
	}
	st.mu.Unlock()
	if f == nil || end.IsZero() {
		ts.Fatalf("endedwithin needs a fakeserver and a run before it")
	}
	if fromSyn {
		if synSeen.IsZero() || synSeen.After(end) {
			// No SYN was seen (a busy checker's polls may miss one):
			// the program's start comes before any SYN of its own, so
			// judging from there is never kinder to a slow program.
			synSeen = start
		}
		if took := end.Sub(synSeen); took > limit {
			st.fail(ts, Failure{
				What: fmt.Sprintf("the program ended %s after it began to connect", took.Round(10*time.Millisecond)),
				Want: fmt.Sprintf("at most %s: the timeout bounds the whole wait, so a connect that never completes is given up at the timeout, not tried again past it", limit),
			})
		}
		return
	}
	if accepted.IsZero() || accepted.After(end) {
		return // the connect never got through: the run's own checks judge it
	}
	if synSeen.IsZero() || accepted.Sub(synSeen) < resentSynGap {
		// The first SYN found room after all (on a loaded machine the
		// kernel may handle it only after the queue was freed): the
		// connect was not late, so there is nothing to judge.
		return
	}
	if took := end.Sub(accepted); took > limit {
		st.fail(ts, Failure{
			What: fmt.Sprintf("the program ended %s after its connect got through (about 1s after it started connecting)", took.Round(10*time.Millisecond)),
			Want: fmt.Sprintf("at most %s: the timeout bounds the whole wait, the connect included, so a connect that took 1s leaves only the rest of it (compute the deadline once, before dialling, and give the dial the same deadline)", limit),
		})
	}
}
