package scriptcmd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/proc"
	"github.com/socketlings/socketlings/checker/internal/results"
)

const readyPrefix = "listening on "

// runOutputLimit is how much of a client's stdout and stderr run keeps.
const runOutputLimit = 4 << 20

// background says how a program started in the background announces that
// it is ready, and what to tell a learner when it does not.
type background struct {
	role        string // "server", "sniffer"
	prefix      string // the readiness line starts with this
	line        string // the whole readiness line, as the contract writes it
	whenExited  string // what was expected, when it exited before the line
	whenTimeout string // what was expected, when the line never came
	limit       int    // output kept (0: proc.DefaultLimit)
	// signalsFirst holds the program's first print to judge whether it
	// handles SIGINT by then (see serve -signals-first).
	signalsFirst bool
	// listeningFirst holds the program's first print to judge whether it
	// has a listening TCP socket by then (see serve -listening-first).
	listeningFirst bool
}

// startBackground starts the lesson's program with args as the script's
// server and waits (at most readyTimeout) for its readiness line; it
// returns the rest of that line.
func (st *State) startBackground(ts *testscript.TestScript, args []string, b background) string {
	st.mu.Lock()
	running := st.server != nil && !st.server.Exited()
	st.mu.Unlock()
	if running {
		ts.Fatalf("a %s is already running; terminate it first", b.role)
	}
	ready := make(chan string, 1)
	p, err := proc.Start(st.ctx, proc.Spec{
		Path: st.Program, Args: args, Dir: ts.Getenv("WORK"), Env: st.programEnv(), Confine: st.Confine, User: st.User, Limit: b.limit,
		Held: b.signalsFirst || b.listeningFirst,
		OnStdoutLine: func(line string) {
			if strings.HasPrefix(line, b.prefix) {
				select {
				case ready <- strings.TrimSpace(strings.TrimPrefix(line, b.prefix)):
				default:
				}
			}
		},
	})
	ts.Check(err)
	st.mu.Lock()
	st.server = p
	st.stopAsked, st.judged, st.endedAlone = false, false, false
	st.mu.Unlock()

	cmdline := commandLine(args)
	if b.signalsFirst || b.listeningFirst {
		st.judgeFirstPrint(ts, p, b, cmdline)
	}
	timer := time.NewTimer(time.Until(st.deadline(readyTimeout)))
	defer timer.Stop()
	select {
	case rest := <-ready:
		return rest
	case <-p.Done():
		exit, _ := p.Wait(0)
		st.fail(ts, Failure{
			Kind:   results.NotReady,
			What:   fmt.Sprintf("the %s exited (%s) before printing %q", b.role, exit, b.line),
			Sent:   "started: " + cmdline,
			Want:   b.whenExited,
			Output: programOutput(p),
		})
	case <-timer.C:
		st.fail(ts, Failure{
			Kind:   results.NotReady,
			What:   fmt.Sprintf("the %s did not print %q within %s", b.role, b.line, readyTimeout),
			Sent:   "started: " + cmdline,
			Want:   b.whenTimeout,
			Output: programOutput(p),
		})
	}
	return "" // not reached: fail stops the script
}

// judgeFirstPrint waits until the held program p blocks in its first
// print and judges what it had set up by then: a handler for SIGINT
// (b.signalsFirst), a listening TCP socket (b.listeningFirst); it fails
// the check if that is missing, and lets the print through. A program that
// exits or never prints is left to the readiness wait that follows, and
// where /proc cannot show what the program does, nothing is judged.
func (st *State) judgeFirstPrint(ts *testscript.TestScript, p *proc.Process, b background, cmdline string) {
	defer p.Release()
	deadline := st.deadline(readyTimeout)
	for {
		blocked, known := p.Printing()
		if !known || p.Exited() || time.Now().After(deadline) {
			return
		}
		if blocked {
			break
		}
		time.Sleep(2 * time.Millisecond) // polling /proc, not synchronising with the program
	}
	if b.listeningFirst {
		if up, err := listensAny(p.Pid()); err == nil && !up {
			p.Release()
			st.fail(ts, Failure{
				What:   fmt.Sprintf("the %s printed on stdout before it was listening", b.role),
				Sent:   "started: " + cmdline + " (its first print held until the checker had looked in /proc)",
				Got:    "when it first wrote to stdout (that should be its readiness line), it had no listening TCP socket: a client that connects the moment it reads the line is refused",
				Want:   "the readiness line after listen succeeds: socket, setsockopt, bind, listen, getsockname, then print",
				Output: programOutput(p),
			})
		}
	}
	if !b.signalsFirst {
		return
	}
	if caught, err := p.Catches(syscall.SIGINT); err != nil || caught {
		return
	}
	p.Release()
	st.fail(ts, Failure{
		What:   fmt.Sprintf("the %s printed on stdout before it handled SIGINT and SIGTERM", b.role),
		Sent:   "started: " + cmdline + " (as a shell starts a background job: SIGINT ignored until the program asks for it)",
		Got:    "when it first wrote to stdout (that should be its readiness line), no handler for SIGINT yet: signal.Notify came later, or never",
		Want:   "signal.Notify (or signal.NotifyContext) for SIGINT and SIGTERM before the readiness line: whoever reads the line may stop you at once, and a signal that comes before Notify kills the program (or, in a background job, is lost)",
		Output: programOutput(p),
	})
}

func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "serve")
	st := state(ts)
	var signalsFirst, listeningFirst bool
	for len(args) > 0 && (args[0] == "-signals-first" || args[0] == "-listening-first") {
		signalsFirst = signalsFirst || args[0] == "-signals-first"
		listeningFirst = listeningFirst || args[0] == "-listening-first"
		args = args[1:]
	}
	addr := st.startBackground(ts, args, background{
		role: "server", prefix: readyPrefix, line: readyPrefix + "HOST:PORT",
		whenExited:   "a line `listening on HOST:PORT` on stdout once it is ready for clients (after bind, and listen for TCP), then to keep running",
		whenTimeout:  "a line `listening on HOST:PORT` on stdout (print it with a newline, after listen succeeds)",
		signalsFirst: signalsFirst, listeningFirst: listeningFirst,
	})
	cmdline := commandLine(args)
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" || port == "" {
		st.fail(ts, Failure{
			What: fmt.Sprintf("the readiness line names %q, which is not an address a client can connect to", addr),
			Sent: "started: " + cmdline,
			Want: "the address the listener really got, port included (with -addr 127.0.0.1:0 the kernel picks the port: ask the socket for it)",
		})
	}
	ts.Setenv("ADDR", addr)
	ts.Setenv("HOST", host)
	ts.Setenv("PORT", port)
}

func cmdTerminate(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "terminate")
	usage(ts, len(args) == 0 || (len(args) == 1 && (args[0] == "INT" || args[0] == "TERM")), "terminate [INT|TERM]")
	sig, name := syscall.SIGTERM, "SIGTERM"
	if len(args) == 1 && args[0] == "INT" {
		sig, name = syscall.SIGINT, "SIGINT"
	}
	st := state(ts)
	p := st.runningServer(ts)
	st.askStop()
	p.Signal(sig)
	st.waitExit(ts, p, 0, "after "+name, name, "exit status 0 (catch SIGINT and SIGTERM with os/signal and return from main)")
}

func cmdReadyHost(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "readyhost")
	usage(ts, len(args) == 1, "readyhost HOST")
	st := state(ts)
	if got := ts.Getenv("HOST"); got != args[0] {
		st.fail(ts, Failure{What: "the readiness line names another host than the one -addr asked for",
			Got:    readyPrefix + ts.Getenv("ADDR"),
			Want:   fmt.Sprintf("%s%s:PORT: the address the listener really has (ask the socket for it), not one written by hand", readyPrefix, args[0]),
			Output: st.Output()})
	}
}

func cmdSigterm(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sigterm")
	usage(ts, len(args) == 0, "sigterm")
	st := state(ts)
	p := st.runningServer(ts)
	port, err := strconv.Atoi(ts.Getenv("PORT"))
	ts.Check(err)
	st.askStop()
	p.Signal(syscall.SIGTERM)
	deadline := st.deadline(stopTimeout)
	for {
		up, err := listeningBy(p.Pid(), port)
		ts.Check(err)
		if !up {
			return
		}
		if p.Exited() || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling the kernel's table, not synchronising with the program
	}
	if p.Exited() {
		st.fail(ts, Failure{What: "the server exited at once on SIGTERM", Sent: "SIGTERM",
			Want: "stop accepting, but keep serving the clients already connected until they are done", Output: programOutput(p)})
	}
	st.fail(ts, Failure{What: fmt.Sprintf("the server was still listening on port %d %s after SIGTERM", port, stopTimeout),
		Sent: "SIGTERM", Want: "the listener closed soon after SIGTERM, so no new client is accepted", Output: programOutput(p)})
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "exits")
	code := 0
	statuses, args := statusArg(ts, args)
	usage(ts, len(args) == 0 && len(statuses) <= 1, "exits [-status=N]")
	if len(statuses) == 1 {
		code = statuses[0]
	}
	st := state(ts)
	st.mu.Lock()
	p := st.server
	st.mu.Unlock()
	if p == nil {
		ts.Fatalf("exits: no server was started")
	}
	want := "exit status 0 once its work is done"
	if code != 0 {
		want = fmt.Sprintf("exit status %d with one line on stderr saying what went wrong", code)
	}
	st.waitExit(ts, p, code, "after it should have finished on its own", "", want)
}

// askStop records that the script is about to ask the server to stop.
func (st *State) askStop() {
	st.mu.Lock()
	st.stopAsked = true
	st.mu.Unlock()
}

// runningServer returns the server, which must still be running.
func (st *State) runningServer(ts *testscript.TestScript) *proc.Process {
	st.mu.Lock()
	p := st.server
	st.mu.Unlock()
	if p == nil {
		ts.Fatalf("no server was started")
	}
	if p.Exited() {
		exit, _ := p.Wait(0)
		st.fail(ts, Failure{What: fmt.Sprintf("the server had already exited (%s) before it was asked to stop", exit),
			Want: "the server to keep running until SIGTERM", Output: programOutput(p)})
	}
	return p
}

// waitExit waits for the server to exit with status code and no data race,
// and makes its output what `stdout` and `stderr` match.
func (st *State) waitExit(ts *testscript.TestScript, p *proc.Process, code int, when, sent, want string) {
	st.mu.Lock()
	st.judged = true
	st.mu.Unlock()
	exit, err := p.Wait(time.Until(st.deadline(stopTimeout)))
	if i := bytes.Index(p.Stderr.Bytes(), []byte("WARNING: DATA RACE")); i >= 0 {
		st.fail(ts, Failure{Kind: results.Race, What: "the race detector found a data race in the server",
			Want:   "every variable that several goroutines touch guarded by a mutex (or a channel, or sync/atomic)",
			Output: "the race report:\n" + indent(tail(string(p.Stderr.Bytes()[i:]), 30))})
	}
	if errors.Is(err, proc.ErrTimeout) {
		st.fail(ts, Failure{Kind: results.ExitStatus, What: fmt.Sprintf("the server was still running %s %s", stopTimeout, when),
			Sent: sent, Want: want, Output: programOutput(p)})
	}
	if exit.Signal != "" && sent != "" && exit.Signal == sent {
		// Killed by the very signal it was sent: it never caught it.
		st.fail(ts, Failure{Kind: results.ExitStatus, What: fmt.Sprintf("the server did not catch %s: the signal killed it", sent),
			Sent: sent, Want: want, Output: programOutput(p)})
	}
	if exit.Code != code || exit.Signal != "" || (code != 0 && crashed(p)) {
		st.fail(ts, Failure{Kind: results.ExitStatus, What: fmt.Sprintf("the server ended with %s %s", exit, when),
			Sent: sent, Want: want, Output: programOutput(p)})
	}
	st.setStreams(ts, p)
}

func cmdRun(ts *testscript.TestScript, neg bool, args []string) {
	st := state(ts)
	want, args := statusArg(ts, args) // the exit statuses that pass
	if want != nil {
		noNeg(ts, neg, "run -status=N")
	}
	p, exit, cmdline := st.runToEnd(ts, args, "the program to finish on its own; is it waiting for data that will never come?")
	switch {
	case want != nil:
		if !slices.Contains(want, exit.Code) {
			words := make([]string, len(want))
			for i, n := range want {
				words[i] = strconv.Itoa(n)
			}
			st.fail(ts, Failure{Kind: results.ExitStatus, What: fmt.Sprintf("the program ended with %s", exit), Sent: "started: " + cmdline,
				Want: "exit status " + strings.Join(words, " or "), Output: programOutput(p)})
		}
	case neg && exit.Code != 1:
		st.fail(ts, Failure{Kind: results.ExitStatus, What: fmt.Sprintf("the program ended with %s, but this run must fail with exit status 1", exit),
			Sent: "started: " + cmdline,
			Want: "exit status 1 and one line on stderr saying what went wrong", Output: programOutput(p)})
	case !neg && exit.Code != 0:
		st.fail(ts, Failure{Kind: results.ExitStatus, What: fmt.Sprintf("the program ended with %s", exit), Sent: "started: " + cmdline,
			Want: "exit status 0", Output: programOutput(p)})
	}
}

// leadingFlag takes the flag name (such as "-slow") off the front of args,
// and reports whether it was there.
func leadingFlag(args []string, name string) (bool, []string) {
	if len(args) > 0 && args[0] == name {
		return true, args[1:]
	}
	return false, args
}

// statusArg takes a first argument -status=N[,M...] off args: the exit
// statuses a command accepts (nil when there is none).
func statusArg(ts *testscript.TestScript, args []string) ([]int, []string) {
	if len(args) == 0 {
		return nil, args
	}
	v, ok := strings.CutPrefix(args[0], "-status=")
	if !ok {
		return nil, args
	}
	var statuses []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(f)
		ts.Check(err)
		statuses = append(statuses, n)
	}
	return statuses, args[1:]
}

// runToEnd runs the lesson's program with args ([-within=DURATION] first,
// default runTimeout) until it exits, and makes its output what `stdout`
// and `stderr` match. It fails the script when the program had to be
// killed (saying timeoutWant), died of a signal, or panicked; judging the
// exit status is the caller's.
func (st *State) runToEnd(ts *testscript.TestScript, args []string, timeoutWant string) (*proc.Process, proc.Exit, string) {
	limit := runTimeout
	if len(args) > 0 {
		if v, ok := strings.CutPrefix(args[0], "-within="); ok {
			d, err := time.ParseDuration(v)
			ts.Check(err)
			limit, args = d, args[1:]
		}
	}
	st.mu.Lock()
	st.lastRunStart = time.Now()
	st.mu.Unlock()
	// A client's reply is its output: keep enough of it to compare.
	p, err := proc.Start(st.ctx, proc.Spec{Path: st.Program, Args: args, Dir: ts.Getenv("WORK"), Env: st.programEnv(), Limit: runOutputLimit, Confine: st.Confine, User: st.User})
	ts.Check(err)
	st.mu.Lock()
	st.lastRun = p
	st.mu.Unlock()
	exit, err := p.Wait(time.Until(st.deadline(limit)))
	st.mu.Lock()
	st.lastRunEnd = time.Now()
	st.mu.Unlock()
	cmdline := commandLine(args)
	if errors.Is(err, proc.ErrTimeout) {
		st.fail(ts, Failure{Kind: results.NoReply, What: fmt.Sprintf("the program was still running after %s, so it was killed", limit),
			Sent: "started: " + cmdline, Want: timeoutWant, Output: programOutput(p)})
	}
	st.setStreams(ts, p)
	if exit.Signal != "" {
		st.fail(ts, Failure{What: fmt.Sprintf("the program was %s", exit), Sent: "started: " + cmdline, Output: programOutput(p)})
	}
	if crashed(p) {
		st.fail(ts, Failure{What: "the program crashed with a panic", Sent: "started: " + cmdline,
			Want: "errors handled: print one line to stderr and exit 1", Output: programOutput(p)})
	}
	return p, exit, cmdline
}

// panicRE finds the trace a Go program prints when it panics, in any
// goroutine, or dies of a fatal runtime error or a signal.
// A thread the runtime could not create through libc ends in
// "runtime/cgo: pthread_create failed" and SIGABRT; since Go 1.23 a
// traceback's goroutine headers may carry "gp=... m=..." before the state.
var panicRE = regexp.MustCompile(`(?m)^(panic: |fatal error: |runtime/cgo: |SIG[A-Z]+: [^\n]*\nPC=|goroutine \d+ [^\n]*\[)`)

// panicked reports whether stderr holds a Go panic's trace.
func panicked(stderr []byte) bool { return panicRE.Match(stderr) }

// crashed reports whether p's stderr holds a Go panic's trace, at its start
// or at the end of a flood.
func crashed(p *proc.Process) bool {
	return panicked(p.Stderr.Bytes()) || panicked(p.Stderr.Tail())
}

// commandLine shows how the program was started, quoting arguments that
// need it, as a shell would.
func commandLine(args []string) string {
	var b strings.Builder
	b.WriteString("program")
	for _, a := range args {
		b.WriteByte(' ')
		if len(a) > 80 {
			a = fmt.Sprintf("%s…(%d bytes)", a[:40], len(a))
		}
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$*?") {
			a = strconv.Quote(a)
		}
		b.WriteString(a)
	}
	return b.String()
}

// programEnv is the environment of a learner's program: the checker's own
// (when a learner runs the checker) or a scrubbed one with nothing of the
// grader's (class grading, st.User set); no pause at exit for programs
// built with -race (by default the race runtime sleeps a second before
// exiting); and at least four Ps, so that goroutines really run in parallel
// and the race detector sees the races they make, even on a one- or
// two-core machine.
func (st *State) programEnv() []string {
	env := os.Environ()
	if st.User != nil {
		env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent", "TMPDIR=/tmp", "LANG=C.UTF-8"}
	}
	return append(env, "GORACE=atexit_sleep_ms=0", fmt.Sprintf("GOMAXPROCS=%d", max(4, runtime.NumCPU())))
}
