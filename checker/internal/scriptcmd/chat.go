package scriptcmd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// chatInFlight bounds how many lines chatroom has on their way to one
// reading client: the senders wait for the readers, so a server whose
// per-client queue holds more than this never fills it for a client that
// keeps up, however the server's goroutines happen to be scheduled.
const chatInFlight = 96

// chatMaxLine bounds one line read by chatroom.
const chatMaxLine = 64 << 10

// errChatStopped ends a chatroom read once another client has failed.
var errChatStopped = errors.New("stopped: another client failed")

// chatRoom is one run of chatroom: N clients that all send and all read,
// and, with -slow, one more that never reads.
type chatRoom struct {
	st      *State
	n, m    int
	size    int
	window  int // lines of one sender that may be on their way to a reader
	slow    bool
	nicks   []string
	conns   []net.Conn
	slowC   net.Conn
	started time.Time

	filler []byte // what pads the messages to size

	// joined[i][j]: client i was told that j joined. Only i's reader
	// writes row i, and it is read once the readers are done.
	joined [][]bool

	mu      sync.Mutex
	cond    *sync.Cond // signalled when got grows or the run stops
	got     [][]int    // got[i][j]: messages from j that i received; row n is slow's
	fails   []*Failure
	stopped bool
}

func cmdChatroom(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "chatroom")
	const use = "chatroom [-slow] N M SIZE"
	slow, args := leadingFlag(args, "-slow")
	usage(ts, len(args) == 3, use)
	n, err1 := strconv.Atoi(args[0])
	m, err2 := strconv.Atoi(args[1])
	size, err3 := strconv.Atoi(args[2])
	usage(ts, err1 == nil && err2 == nil && err3 == nil && n >= 2 && m >= 1 && size >= 1, use)
	st := state(ts)
	if f := chatroom(st, ts.Getenv("ADDR"), slow, n, m, size); f != nil {
		st.fail(ts, *f)
	}
}

// chatroom runs the conversation against the chat server at addr and
// returns what went wrong, if anything.
func chatroom(st *State, addr string, slow bool, n, m, size int) *Failure {
	r := &chatRoom{st: st, n: n, m: m, size: size, slow: slow,
		window: max(1, chatInFlight/(n-1)), started: time.Now()}
	r.cond = sync.NewCond(&r.mu)
	r.filler = printablePattern(size + 61)
	r.got = make([][]int, n+1)
	r.joined = make([][]bool, n)
	for i := range n {
		r.joined[i] = make([]bool, n)
		r.nicks = append(r.nicks, fmt.Sprintf("u%d", i+1))
	}
	for i := range r.got {
		r.got[i] = make([]int, n)
	}
	r.fails = make([]*Failure, n)
	defer r.closeAll()

	// The slow client joins first, alone, and then never reads again.
	if slow {
		c, f := r.dial(addr, "slow", slowControl)
		if f != nil {
			return f
		}
		r.slowC = c
		c.SetWriteDeadline(st.deadline(idleTimeout))
		if _, err := c.Write([]byte("slow\n")); err != nil {
			return &Failure{What: fmt.Sprintf("sending the nickname of slow failed: %v", err)}
		}
		line, err := readLine(st, c)
		if err != nil || string(line) != "welcome slow" {
			f := r.lineFailure("slow", "the reply to a nickname is not its welcome", line, err, "welcome slow")
			return &f
		}
	}
	for i := range n {
		c, f := r.dial(addr, r.nicks[i], nil)
		if f != nil {
			return f
		}
		r.conns = append(r.conns, c)
	}

	// All register at once: their readers start at once too, since the
	// first line each gets must be its welcome.
	var welcomed, readers sync.WaitGroup
	welcomed.Add(n)
	for i := range n {
		readers.Go(func() { r.receive(i, &welcomed) })
	}
	var senders sync.WaitGroup
	sendFails := make([]*Failure, n)
	for i := range n {
		senders.Go(func() {
			r.conns[i].SetWriteDeadline(st.deadline(idleTimeout))
			if _, err := r.conns[i].Write([]byte(r.nicks[i] + "\n")); err != nil {
				sendFails[i] = &Failure{What: fmt.Sprintf("sending the nickname of %s failed: %v", r.nicks[i], err)}
				r.stop()
			}
		})
	}
	senders.Wait()
	welcomed.Wait()
	if f := r.firstFailure(sendFails); f != nil {
		readers.Wait()
		return r.report(f, "registering")
	}

	// Then everyone talks at once.
	for j := range n {
		senders.Go(func() { sendFails[j] = r.talk(j) })
	}
	senders.Wait()
	readers.Wait()
	if f := r.firstFailure(sendFails); f != nil {
		return r.report(f, "talking")
	}
	if f := r.checkJoins(); f != nil {
		return r.report(f, "talking")
	}
	if slow {
		if f := r.slowClosed(); f != nil {
			return r.report(f, "after the flood")
		}
		if f := r.drainSlow(); f != nil {
			return r.report(f, "after the flood")
		}
	}
	return nil
}

func (r *chatRoom) dial(addr, nick string, control func(string, string, syscall.RawConn) error) (net.Conn, *Failure) {
	d := net.Dialer{Deadline: r.st.deadline(readyTimeout), Control: control}
	c, err := d.DialContext(r.st.ctx, "tcp", addr)
	if err != nil {
		return nil, &Failure{What: fmt.Sprintf("client %s could not connect: %v", nick, err),
			Want: "every client to be accepted"}
	}
	c.(*net.TCPConn).SetNoDelay(true) // the pieces of a line leave one by one
	return c, nil
}

func (r *chatRoom) closeAll() {
	for _, c := range r.conns {
		c.Close()
	}
	if r.slowC != nil {
		r.slowC.Close()
	}
}

// stop makes every reader and sender give up at once, after a failure.
func (r *chatRoom) stop() {
	r.mu.Lock()
	r.stopped = true
	r.cond.Broadcast()
	r.mu.Unlock()
	for _, c := range r.conns {
		c.SetReadDeadline(time.Now())
	}
}

func (r *chatRoom) isStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// text is message k of sender j: numbered, so a reader knows which it is,
// and padded to r.size bytes, so that the lines can be long.
func (r *chatRoom) text(j, k int) string {
	text := fmt.Sprintf("message %d from u%d", k, j+1)
	if pad := r.size - len(text) - 1; pad > 0 {
		text += " " + string(r.filler[k%61:k%61+pad])
	}
	return text
}

// talk sends sender j's m messages, never more than r.window of them ahead
// of the slowest reader, in writes that cut lines at arbitrary places.
func (r *chatRoom) talk(j int) *Failure {
	c := r.conns[j]
	// Pieces of two thirds of a line: most lines reach the server in two
	// reads, which a server that takes one read for one line gets wrong.
	piece := min(1500, max(7, r.size*2/3+1))
	next := 1
	for next <= r.m {
		r.mu.Lock()
		// Wait for the readers to catch up, but never longer than the
		// idle timeout without progress: a bound on every wait.
		stalled := false
		seen, until := r.slowestLocked(j), r.st.deadline(idleTimeout)
		for !r.stopped && next-1-r.slowestLocked(j) >= r.window {
			if now := r.slowestLocked(j); now != seen {
				seen, until = now, r.st.deadline(idleTimeout)
			} else if !time.Now().Before(until) {
				stalled = true
				break
			}
			wake := time.AfterFunc(time.Until(until), func() {
				r.mu.Lock()
				r.cond.Broadcast()
				r.mu.Unlock()
			})
			r.cond.Wait()
			wake.Stop()
		}
		stopped := r.stopped
		upto := min(r.m, r.slowestLocked(j)+r.window)
		r.mu.Unlock()
		if stopped {
			return nil
		}
		if stalled {
			r.stop()
			return &Failure{What: fmt.Sprintf("no client read another message from %s for %s", r.nicks[j], idleTimeout),
				Sent: fmt.Sprintf("messages up to number %d", next-1),
				Want: "every message delivered to every other client"}
		}
		var batch bytes.Buffer
		for ; next <= upto; next++ {
			batch.WriteString(r.text(j, next) + "\n")
		}
		data := batch.Bytes()
		for off := 0; off < len(data); off += piece {
			c.SetWriteDeadline(r.st.deadline(idleTimeout))
			if _, err := c.Write(data[off:min(off+piece, len(data))]); err != nil {
				if r.isStopped() {
					return nil
				}
				r.stop()
				return &Failure{What: fmt.Sprintf("%s could not send its messages: %v", r.nicks[j], err),
					Sent: fmt.Sprintf("messages up to number %d", next-1),
					Want: "the server to keep reading from every client in the room"}
			}
		}
	}
	return nil
}

// slowestLocked is how many of j's messages the slowest other reader has.
func (r *chatRoom) slowestLocked(j int) int {
	least := r.m
	for i := range r.n {
		if i != j {
			least = min(least, r.got[i][j])
		}
	}
	return least
}

// chatReader reads one client's lines, each read bounded by the idle
// timeout and cut short when the run stops.
type chatReader struct {
	r *chatRoom
	c net.Conn
}

func (d chatReader) Read(p []byte) (int, error) {
	d.c.SetReadDeadline(d.r.st.deadline(idleTimeout))
	if d.r.isStopped() { // after the deadline is set: stop cannot slip in between
		return 0, errChatStopped
	}
	return d.c.Read(p)
}

func readChatLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return string(line), fmt.Errorf("no newline in the first %d bytes", chatMaxLine)
	}
	if err != nil {
		return string(line), err
	}
	return strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"), nil
}

// receive reads client i's lines until it has every other client's
// messages (and, with -slow, the notice that slow left), checking each one.
func (r *chatRoom) receive(i int, welcomed *sync.WaitGroup) {
	nick := r.nicks[i]
	isWelcomed := false
	defer func() {
		if !isWelcomed {
			welcomed.Done()
		}
	}()
	fail := func(f Failure) {
		r.mu.Lock()
		first := !r.stopped
		if first {
			r.fails[i] = &f
		}
		r.mu.Unlock()
		if first {
			r.stop()
		}
	}
	br := bufio.NewReaderSize(chatReader{r, r.conns[i]}, chatMaxLine)

	line, err := readChatLine(br)
	if err != nil && r.isStopped() {
		return // a consequence of another client's failure
	}
	if err != nil || line != "welcome "+nick {
		fail(r.lineFailure(nick, "the first line after registering is not the welcome", []byte(line), err, "welcome "+nick))
		return
	}
	isWelcomed = true
	welcomed.Done()

	want := (r.n - 1) * r.m
	count, slowLeft := 0, false
	for count < want || (r.slow && !slowLeft) {
		line, err := readChatLine(br)
		if err != nil && r.isStopped() {
			return
		}
		if err != nil {
			f := Failure{Got: fmt.Sprintf("%d of the %d messages from the others", count, want),
				Want: "every message from every other client, promptly"}
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				f.What = fmt.Sprintf("the room stalled: nothing more arrived at %s for %s", nick, idleTimeout)
			case errors.Is(err, io.EOF):
				f.What = fmt.Sprintf("the server closed %s's connection", nick)
			case isReset(err):
				f.What = fmt.Sprintf("the server reset %s's connection", nick)
			default:
				f.What = fmt.Sprintf("reading at %s failed: %v", nick, err)
			}
			if r.slow && count == want {
				why := f.What
				f.What = fmt.Sprintf("%s got every message, but no notice that slow left", nick)
				if errors.Is(err, os.ErrDeadlineExceeded) {
					f.What += fmt.Sprintf(" within %s", idleTimeout)
				} else {
					f.What += ": " + why
				}
				f.Got = "every message, then no `* slow left`"
				f.Want = "`* slow left`: slow never reads, so its queue fills up and the server must disconnect it and say so"
			} else if r.slow {
				f.Want += "; a client that never reads (slow) must not hold the room up"
			}
			fail(f)
			return
		}
		if notice, ok := strings.CutPrefix(line, "* "); ok {
			if f := r.checkNotice(i, notice, &slowLeft); f != nil {
				f.Got = Show([]byte(line + "\n"))
				fail(*f)
				return
			}
			continue
		}
		if f := r.checkMessage(i, nick, line, true); f != nil {
			fail(*f)
			return
		}
		count++
	}
}

// checkNotice checks a notice ("* " cut off) that client i received.
func (r *chatRoom) checkNotice(i int, notice string, slowLeft *bool) *Failure {
	nick := r.nicks[i]
	who, what, _ := strings.Cut(notice, " ")
	j := r.index(who)
	switch {
	case who == "slow" && what == "left" && r.slow && !*slowLeft:
		*slowLeft = true
	case who == "slow" && what == "left" && r.slow:
		return &Failure{What: fmt.Sprintf("%s was told twice that slow left", nick), Want: "one leave notice per client"}
	case who == "slow" && what == "joined" && r.slow:
		return &Failure{What: fmt.Sprintf("%s was told that slow joined, but slow was in the room before %s came", nick, nick),
			Want: "join notices only about clients who join later"}
	case what == "joined" && j == i:
		return &Failure{What: fmt.Sprintf("%s was told about its own arrival", nick),
			Want: "join notices about the other clients only"}
	case what == "joined" && j >= 0 && r.joined[i][j]:
		return &Failure{What: fmt.Sprintf("%s was told twice that %s joined", nick, who), Want: "one join notice per client"}
	case what == "joined" && j >= 0:
		r.joined[i][j] = true
	case what == "left" && j >= 0:
		return &Failure{What: fmt.Sprintf("%s was told that %s left, but %s is still connected", nick, who, who),
			Want: "a leave notice only for a client that left; a client that reads as fast as it can is never dropped as slow"}
	default:
		return &Failure{What: fmt.Sprintf("%s received a notice that is not part of the protocol", nick),
			Want: "`* NICK joined` or `* NICK left`, about a client in the room"}
	}
	return nil
}

// checkMessage checks one message line received by client i (-1: slow) and
// counts it. complete says that every message must arrive: otherwise
// (slow) a client may stop receiving, but never skip one.
func (r *chatRoom) checkMessage(i int, nick, line string, complete bool) *Failure {
	from, text, ok := strings.Cut(line, ": ")
	j := r.index(from)
	if !ok || j < 0 {
		return &Failure{What: fmt.Sprintf("%s received a line that is not a message from a client in the room", nick),
			Got: Show([]byte(line + "\n")), Want: "`NICK: text`, or a `* ` notice"}
	}
	if j == i {
		return &Failure{What: fmt.Sprintf("%s received its own message back", nick), Got: Show([]byte(line + "\n")),
			Want: "messages from the other clients only: a message goes to everyone but its sender"}
	}
	row := i
	if i < 0 {
		row = r.n
	}
	r.mu.Lock()
	k := r.got[row][j] + 1
	r.mu.Unlock()
	want := r.text(j, k)
	if text != want {
		var n int
		if _, err := fmt.Sscanf(text, "message %d from", &n); err == nil {
			switch {
			case n < k:
				return &Failure{What: fmt.Sprintf("%s received message %d from %s a second time", nick, n, from),
					Got: Show([]byte(line + "\n")), Want: fmt.Sprintf("message %d from %s: each message exactly once", k, from)}
			case n > k:
				what := fmt.Sprintf("%s received message %d from %s before message %d: a message was lost or overtaken", nick, n, from, k)
				if !complete {
					what = fmt.Sprintf("%s's messages have a hole: message %d from %s came after message %d",
						nick, n, from, k-1)
				}
				return &Failure{What: what, Got: Show([]byte(line + "\n")),
					Want: fmt.Sprintf("message %d from %s: every message, in the order its sender sent them", k, from)}
			}
		}
		return &Failure{What: fmt.Sprintf("message %d from %s arrived at %s changed", k, from, nick),
			Got: Show([]byte(line + "\n")), Want: Show([]byte(from + ": " + want + "\n"))}
	}
	r.mu.Lock()
	r.got[row][j]++
	r.cond.Broadcast()
	r.mu.Unlock()
	return nil
}

func (r *chatRoom) index(nick string) int {
	k, err := strconv.Atoi(strings.TrimPrefix(nick, "u"))
	if !strings.HasPrefix(nick, "u") || err != nil || k < 1 || k > r.n || r.nicks[k-1] != nick {
		return -1
	}
	return k - 1
}

// checkJoins: of two clients that registered at the same time, the one
// that came second is announced to the first, never both, never neither.
func (r *chatRoom) checkJoins() *Failure {
	for i := range r.n {
		for j := i + 1; j < r.n; j++ {
			a, b := r.joined[i][j], r.joined[j][i]
			if a && b {
				return &Failure{What: fmt.Sprintf("%s and %s were each told that the other joined", r.nicks[i], r.nicks[j]),
					Want: "whoever registered second is announced to the first, and only to the first: add the client and announce it in one step under the lock"}
			}
			if !a && !b {
				return &Failure{What: fmt.Sprintf("neither %s nor %s was told that the other joined", r.nicks[i], r.nicks[j]),
					Want: "whoever registered second is announced to the first: add the client and announce it in one step under the lock"}
			}
		}
	}
	return nil
}

// drainSlow reads what the server had sent to slow before dropping it: a
// part of the conversation with no holes, then the end of the connection.
// slowClosed checks, where the kernel's socket table can be read, that the
// server closed its end of slow's connection when it dropped slow, before
// slow reads a byte. A server that only forgets slow leaves its end
// ESTABLISHED and its writer blocked on the full buffer for ever; a closed
// end with bytes still unsent is in FIN_WAIT1. Only a state seen counts: a
// look that misses the socket (the table changed while it was read) looks
// again, and an end never seen at all is not judged.
func (r *chatRoom) slowClosed() *Failure {
	server := r.slowC.RemoteAddr().(*net.TCPAddr).Port
	slow := r.slowC.LocalAddr().(*net.TCPAddr).Port
	seenOpen := false
	for until := r.st.deadline(idleTimeout); ; {
		found, open, err := tcpEnd(server, slow)
		if errors.Is(err, errors.ErrUnsupported) {
			return nil // not Linux: drainSlow's EOF is all we can see
		}
		if err != nil {
			return &Failure{What: fmt.Sprintf("looking up the server's end of slow's connection: %v", err)}
		}
		if found && !open {
			return nil
		}
		seenOpen = seenOpen || found
		if time.Now().After(until) {
			if !seenOpen {
				return nil // gone from the table (the kernel dropped it): closed
			}
			return &Failure{What: fmt.Sprintf("the others were told \"* slow left\", yet %s after it the server's socket for slow was still open (ESTABLISHED in /proc/net/tcp)", idleTimeout),
				Want: "the server closes the connection of the client it disconnects (conn.Close), which also wakes its writer blocked on the full buffer"}
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel's table
	}
}

func (r *chatRoom) drainSlow() *Failure {
	// Room again, so that what the server's kernel still holds comes fast.
	r.slowC.(*net.TCPConn).SetReadBuffer(4 << 20)
	br := bufio.NewReaderSize(chatReader{r, r.slowC}, chatMaxLine)
	lines, total := 0, 0
	for total < 256<<20 {
		line, err := readChatLine(br)
		total += len(line)
		switch {
		case err == nil:
			total++
		case errors.Is(err, io.EOF), isReset(err):
			// Dropped, maybe in the middle of a line: that is fine.
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			return &Failure{What: "slow never read a byte, yet the server did not disconnect it",
				Got: fmt.Sprintf("once slow read: %d lines (%d bytes), then the connection stayed open for %s",
					lines, total, idleTimeout),
				Want: "a bounded queue per client: when slow's queue is full, the server disconnects it"}
		default:
			return &Failure{What: fmt.Sprintf("reading what slow was sent failed: %v", err)}
		}
		lines++
		if strings.HasPrefix(line, "* ") {
			continue // the others joining: checked on the others' side
		}
		if f := r.checkMessage(-1, "slow", line, false); f != nil {
			return f
		}
	}
	return &Failure{What: "slow was sent more than 256 MiB and still not disconnected",
		Want: "a bounded queue per client: when slow's queue is full, the server disconnects it"}
}

// lineFailure describes a line that was not what was expected, or a read
// that failed.
func (r *chatRoom) lineFailure(nick, what string, line []byte, err error, want string) Failure {
	f := Failure{Got: Show(line)}
	if want != "" {
		f.Want = Show([]byte(want + "\n"))
	}
	switch {
	case err == nil:
		f.What = what
		f.Got = Show(append(line, '\n'))
	case errors.Is(err, io.EOF):
		f.What = fmt.Sprintf("the server closed %s's connection", nick)
	case errors.Is(err, os.ErrDeadlineExceeded):
		f.What = fmt.Sprintf("nothing more arrived at %s for %s", nick, idleTimeout)
	case isReset(err):
		f.What = fmt.Sprintf("the server reset %s's connection", nick)
	default:
		f.What = fmt.Sprintf("reading at %s failed: %v", nick, err)
	}
	if err != nil && what != "" {
		f.What = what + ": " + f.What
	}
	return f
}

func (r *chatRoom) firstFailure(sendFails []*Failure) *Failure {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.fails {
		if f != nil {
			return f
		}
	}
	for _, f := range sendFails {
		if f != nil {
			return f
		}
	}
	return nil
}

// report adds what the run was doing to f.
func (r *chatRoom) report(f *Failure, phase string) *Failure {
	out := *f
	scene := fmt.Sprintf("%d clients (u1 to u%d) registered at once, then each sent %d messages of %d bytes to the room, all at the same time",
		r.n, r.n, r.m, r.size)
	if r.slow {
		scene = "a client named slow joined and never read; then " + scene
	}
	out.Sent = strings.TrimPrefix(strings.Join([]string{out.Sent, scene}, "; "), "; ")
	out.What = fmt.Sprintf("%s (while %s, after %s)", out.What, phase, time.Since(r.started).Round(time.Millisecond))
	return &out
}
