package scriptcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/results"
)

func cmdDial(ts *testscript.TestScript, neg bool, args []string) {
	usage(ts, len(args) == 1 || len(args) == 2, "dial NAME [ADDR]")
	st := state(ts)
	addr := ts.Getenv("ADDR")
	if len(args) == 2 {
		addr = args[1]
	}
	if neg {
		d := net.Dialer{Deadline: st.deadline(readyTimeout)}
		if c, err := d.DialContext(st.ctx, "tcp", addr); err == nil {
			c.Close()
			st.fail(ts, Failure{What: fmt.Sprintf("a connection to %s was accepted", addr),
				Want: "the connection to be refused: nothing should listen there"})
		}
		return
	}
	st.dial(ts, args[0], addr)
}

// dial connects to addr and keeps the connection as name.
func (st *State) dial(ts *testscript.TestScript, name, addr string) net.Conn {
	d := net.Dialer{Deadline: st.deadline(readyTimeout)}
	c, err := d.DialContext(st.ctx, "tcp", addr)
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("could not connect to %s: %v", addr, err),
			Want: "the server to accept the connection"})
	}
	if addr == ts.Getenv("ADDR") && st.serverDead() {
		// The port of a server that died is free for anyone: what
		// accepted this connection may be another program's socket.
		c.Close()
		st.fail(ts, Failure{Kind: results.Exited, What: fmt.Sprintf("the server had ended before this connection to %s", addr),
			Want: "the server to keep running and accept the connection"})
	}
	st.mu.Lock()
	st.conns[name] = c
	st.mu.Unlock()
	// The server sees this address as its peer: suites can expect it.
	ts.Setenv("LOCAL_"+name, c.LocalAddr().String())
	return c
}

func cmdClose(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "close")
	usage(ts, len(args) == 1, "close NAME")
	st := state(ts)
	st.conn(ts, args[0]).Close()
	st.forget(args[0])
}

// forget drops a closed connection from the script's names.
func (st *State) forget(name string) {
	st.mu.Lock()
	delete(st.conns, name)
	st.mu.Unlock()
}

func cmdReset(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "reset")
	usage(ts, len(args) == 1, "reset NAME")
	st := state(ts)
	c := st.conn(ts, args[0]).(*net.TCPConn)
	// Linger 0: close sends RST at once instead of FIN, an abort.
	ts.Check(c.SetLinger(0))
	c.Close()
	st.forget(args[0])
}

func cmdCloseWrite(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "closewrite")
	usage(ts, len(args) == 1, "closewrite NAME")
	st := state(ts)
	// A TCP connection sends FIN; a TLS one sends its close_notify alert.
	c, ok := st.conn(ts, args[0]).(interface{ CloseWrite() error })
	if !ok {
		ts.Fatalf("connection %s cannot be half-closed", args[0])
	}
	if err := c.CloseWrite(); err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("half-closing %s failed: %v", args[0], err)})
	}
}

func cmdSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "send")
	dial, args := leadingFlag(args, "-dial")
	usage(ts, len(args) == 2, "send [-dial] NAME TEXT")
	st := state(ts)
	data, err := unescape(args[1])
	ts.Check(err)
	var c net.Conn
	if dial {
		// Connect and send at once: a server with a short idle timeout
		// counts from the accept, and a busy checker may take longer
		// than that between two commands.
		c = st.dial(ts, args[0], ts.Getenv("ADDR"))
	} else {
		c = st.conn(ts, args[0])
	}
	c.SetWriteDeadline(st.deadline(idleTimeout))
	if _, err := c.Write(data); err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("sending on %s failed: %v", args[0], err), Sent: Show(data)})
	}
}

// stallQuiet is how long stall's writes must make no progress before it
// takes the peer's buffers, and ours, to be full. A pause of the server
// shorter than that only makes stall send more.
const stallQuiet = time.Second

// stallMax bounds what stall sends: far more than the kernel buffers
// of both ends hold, even grown.
const stallMax = 256 << 20

func cmdStall(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "stall")
	usage(ts, len(args) == 1, "stall NAME")
	st := state(ts)
	if f := stall(st, st.conn(ts, args[0]), args[0], stallMax); f != nil {
		st.fail(ts, *f)
	}
}

// stall writes to c, never reading, until for stallQuiet nothing more
// goes in, or the peer closes or resets c (it gave up on a client that does
// not read, which is its right), or max bytes went in (a failure: the peer
// does not echo).
func stall(st *State, c net.Conn, name string, max int) *Failure {
	chunk := printablePattern(64 << 10)
	sent := 0
	for sent < max {
		c.SetWriteDeadline(st.deadline(stallQuiet))
		n, err := c.Write(chunk[:min(len(chunk), max-sent)])
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Nothing more goes in: the server no longer reads from us,
			// because its own write back to us is blocked.
			c.SetWriteDeadline(time.Time{})
			return nil
		}
		if err != nil {
			return nil
		}
	}
	return &Failure{What: fmt.Sprintf("the server took %d bytes on %s, never read back, and still wanted more", sent, name),
		Want: "the echo to back up: a server that echoes stops reading when it cannot write"}
}

func cmdExpect(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "expect")
	usage(ts, len(args) == 2, "expect NAME TEXT")
	st := state(ts)
	want, err := unescape(args[1])
	ts.Check(err)
	got, err := readN(st, st.conn(ts, args[0]), len(want))
	if err == nil && bytes.Equal(got, want) {
		return
	}
	f := Failure{Got: Show(got), Want: Show(want)}
	switch {
	case err == nil:
		f.What = "the reply is not what was expected"
	case errors.Is(err, io.EOF):
		f.What = fmt.Sprintf("the connection was closed after %d of the %d bytes expected", len(got), len(want))
	case errors.Is(err, os.ErrDeadlineExceeded):
		f.What = fmt.Sprintf("waited %s for the reply, got %d of the %d bytes expected", idleTimeout, len(got), len(want))
	default:
		f.What = fmt.Sprintf("reading the reply failed after %d of %d bytes: %v", len(got), len(want), err)
	}
	st.fail(ts, f)
}

func cmdExpectEOF(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "expecteof")
	// -rst: a reset counts as closed too. A server that hangs up on a
	// deadline may not have read all a client sent, and closing a socket
	// with unread bytes sends RST: that is a close, not a fault, there.
	rst, args := leadingFlag(args, "-rst")
	usage(ts, len(args) == 1, "expecteof [-rst] NAME")
	st := state(ts)
	got, err := readN(st, st.conn(ts, args[0]), 1<<20)
	switch {
	case errors.Is(err, io.EOF) && len(got) == 0:
		return
	case rst && isReset(err) && len(got) == 0:
		return
	case errors.Is(err, io.EOF):
		st.fail(ts, Failure{What: "extra bytes arrived before the connection was closed", Got: Show(got), Want: "the connection closed (EOF) with nothing more"})
	case errors.Is(err, os.ErrDeadlineExceeded):
		st.fail(ts, Failure{What: fmt.Sprintf("the connection was still open after %s", idleTimeout), Got: Show(got),
			Want: "the program to close the connection (EOF)"})
	case isReset(err):
		st.fail(ts, Failure{What: "the connection was reset (RST) instead of closed (FIN)", Got: Show(got),
			Want: "an orderly close: read everything the peer sent, then close"})
	default:
		st.fail(ts, Failure{What: fmt.Sprintf("waiting for EOF failed: %v", err), Got: Show(got)})
	}
}

func cmdExpectRest(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "expectrest")
	usage(ts, len(args) == 2, "expectrest NAME REGEXP")
	st := state(ts)
	re, err := regexp.Compile(`\A(?:` + args[1] + `)\z`)
	ts.Check(err)
	got, err := readN(st, st.conn(ts, args[0]), 1<<20)
	want := fmt.Sprintf("bytes matching %#q, then the connection closed (EOF)", args[1])
	switch {
	case errors.Is(err, io.EOF) && re.Match(got):
		return
	case errors.Is(err, io.EOF):
		st.fail(ts, Failure{What: "what arrived before the connection was closed is not what was expected", Got: Show(got), Want: want})
	case errors.Is(err, os.ErrDeadlineExceeded):
		st.fail(ts, Failure{What: fmt.Sprintf("the connection was still open after %s without a byte", idleTimeout), Got: Show(got), Want: want})
	case isReset(err):
		st.fail(ts, Failure{What: "the connection was reset (RST) instead of closed (FIN)", Got: Show(got),
			Want: "an orderly close: read everything the peer sent, then close"})
	default:
		st.fail(ts, Failure{What: fmt.Sprintf("reading until EOF failed: %v", err), Got: Show(got), Want: want})
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && bytes.Contains([]byte(op.Err.Error()), []byte("reset"))
}

// readN reads until n bytes arrived, the peer closed, or no byte came for
// idleTimeout. It returns what it read and io.EOF, a deadline error or nil.
func readN(st *State, c net.Conn, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<16))
	chunk := make([]byte, 32<<10)
	for len(buf) < n {
		c.SetReadDeadline(st.deadline(idleTimeout))
		k, err := c.Read(chunk[:min(len(chunk), n-len(buf))])
		buf = append(buf, chunk[:k]...)
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readSlowly is readN with a pause after each read of at most 4 KiB.
func readSlowly(st *State, c net.Conn, n int, pause time.Duration) ([]byte, error) {
	if pause == 0 {
		return readN(st, c, n)
	}
	buf := make([]byte, 0, n)
	chunk := make([]byte, 4096)
	for len(buf) < n {
		c.SetReadDeadline(st.deadline(idleTimeout))
		k, err := c.Read(chunk[:min(len(chunk), n-len(buf))])
		buf = append(buf, chunk[:k]...)
		if err != nil {
			return buf, err
		}
		time.Sleep(pause)
	}
	return buf, nil
}

// pattern returns size bytes of a seeded pseudo-random stream: every byte
// value occurs, so text-only handling shows up, and no period lines up with
// a buffer size.
func pattern(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x50c1e7))
	b := make([]byte, size)
	for i := 0; i < size; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < size; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func cmdRoundtrip(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "roundtrip")
	const use = "roundtrip [-interrupt] NAME SIZE [CHUNK]"
	interrupt, args := leadingFlag(args, "-interrupt")
	usage(ts, len(args) == 2 || len(args) == 3, use)
	st := state(ts)
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	chunk := 64 << 10
	if len(args) == 3 {
		chunk, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	data := pattern(size, uint64(size))
	c := st.conn(ts, args[0])
	if !interrupt {
		if f := roundtrip(st, c, data, chunk, 0); f != nil {
			st.fail(ts, *f)
		}
		return
	}
	p := st.runningServer(ts)
	stop := st.interrupt(p.Pid())
	// A slow reader (4 KiB, then a pause) keeps the server's send buffer
	// full, so its writes block part way, where a signal cuts them short
	// (with 50µs pauses, the buffers sometimes kept up and a write that
	// drops the rest of a short write went unnoticed).
	f := roundtrip(st, c, data, chunk, 250*time.Microsecond)
	stop()
	if f != nil {
		f.Sent += ", while signalling the server's threads so that its writes return early"
		st.fail(ts, *f)
	}
}

// roundtrip writes data in chunks while reading the echo and compares,
// pausing for pause after each read. It is safe to call from many
// goroutines on different connections.
func roundtrip(st *State, c net.Conn, data []byte, chunk int, pause time.Duration) *Failure {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	werr := make(chan error, 1)
	go func() {
		// A chunk's write waits on the reader below, which may be slow on
		// purpose and slower still on a busy machine: it is bounded by the
		// script's deadline, and a server that stalls is found by the
		// reader's own wait for the next byte.
		c.SetWriteDeadline(st.deadline(time.Hour))
		for off := 0; off < len(data); off += chunk {
			if _, err := c.Write(data[off:min(off+chunk, len(data))]); err != nil {
				werr <- fmt.Errorf("after writing %d bytes: %w", off, err)
				return
			}
		}
		werr <- nil
	}()
	got, rerr := readSlowly(st, c, len(data), pause)
	var writeErr error
	if rerr == nil {
		writeErr = <-werr
	}
	sent := fmt.Sprintf("%d bytes in writes of %d", len(data), min(chunk, len(data)))
	if rerr == nil && writeErr == nil && bytes.Equal(got, data) {
		return nil
	}
	f := &Failure{Sent: sent, Want: fmt.Sprintf("the same %d bytes back, in the same order", len(data))}
	i := firstDiff(got, data)
	switch {
	case i < len(got):
		f.What = fmt.Sprintf("the echo differs from what was sent at byte %d of %d", i, len(data))
		f.Got = fmt.Sprintf("%s at byte %d", Show(got[i:min(i+16, len(got))]), i)
		f.Want = fmt.Sprintf("%s at byte %d", Show(data[i:min(i+16, len(data))]), i)
	case errors.Is(rerr, io.EOF):
		f.What = fmt.Sprintf("the connection was closed after %d of %d bytes came back", len(got), len(data))
		f.Got = fmt.Sprintf("%d bytes, then EOF", len(got))
	case errors.Is(rerr, os.ErrDeadlineExceeded):
		f.What = fmt.Sprintf("the echo stopped after %d of %d bytes", len(got), len(data))
		f.Got = fmt.Sprintf("%d bytes, then nothing for %s", len(got), idleTimeout)
	case rerr != nil:
		f.What = fmt.Sprintf("reading the echo failed after %d of %d bytes: %v", len(got), len(data), rerr)
		f.Got = fmt.Sprintf("%d bytes", len(got))
	default:
		f.What = fmt.Sprintf("writing failed: %v", writeErr)
	}
	return f
}

// tally counts the failures of a crowd and finds the first.
func tally(fails []*Failure) (failed, first int) {
	first = -1
	for i, f := range fails {
		if f != nil {
			failed++
			if first < 0 {
				first = i
			}
		}
	}
	return failed, first
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func cmdCrowd(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "crowd")
	usage(ts, len(args) == 2, "crowd N SIZE")
	st := state(ts)
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	addr := ts.Getenv("ADDR")

	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		d := net.Dialer{Deadline: st.deadline(readyTimeout)}
		c, err := d.DialContext(st.ctx, "tcp", addr)
		if err != nil {
			st.fail(ts, Failure{What: fmt.Sprintf("client %d of %d could not connect: %v", i+1, n, err),
				Want: fmt.Sprintf("%d connections open at once", n)})
		}
		conns[i] = c
	}

	// Every client echoes while all of them are connected: this is what
	// tells a concurrent server from one that serves clients in turn.
	fails := make([]*Failure, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range conns {
		wg.Go(func() {
			fails[i] = roundtrip(st, c, pattern(size, uint64(i)), 16<<10, 0)
		})
	}
	wg.Wait()
	if failed, first := tally(fails); failed > 0 {
		f := *fails[first]
		f.What = fmt.Sprintf("%d of %d clients connected at the same time did not get their echo (took %s); client %d: %s",
			failed, n, time.Since(start).Round(time.Millisecond), first+1, f.What)
		st.fail(ts, f)
	}

	// Then each says goodbye and must see the server close its side.
	errs := make([]error, n)
	for i, c := range conns {
		wg.Go(func() {
			c.(*net.TCPConn).CloseWrite()
			got, err := readN(st, c, 1)
			if !errors.Is(err, io.EOF) || len(got) > 0 {
				errs[i] = fmt.Errorf("got %s and %v", Show(got), err)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			st.fail(ts, Failure{What: fmt.Sprintf("client %d half-closed its connection, but the server did not close it", i+1),
				Got: err.Error(), Want: "EOF: the server closes the connection once it has echoed everything"})
		}
	}
}
