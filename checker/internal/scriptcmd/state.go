package scriptcmd

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/proc"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// Timeouts that bound every wait a command makes.
const (
	readyTimeout = 5 * time.Second  // serve: for the readiness line
	idleTimeout  = 3 * time.Second  // reads: for the next byte
	runTimeout   = 10 * time.Second // run: for a client to finish
	stopTimeout  = 5 * time.Second  // stop: for the server to exit
)

// Failure is what a command found wrong (see results.Failure). The checker
// prints it in place of testscript's log.
type Failure = results.Failure

// State is one script's world: the program under test, its server process,
// open connections and the fake server. The checker makes one per script
// and reads Failure back after the script ends.
type State struct {
	// Program is the built learner program; Source its source folder.
	Program string
	Source  string
	// Seed seeds every random fault the script injects; SeedUsed reports
	// whether the script injected any, so a report can print the seed.
	Seed     uint64
	seedUsed bool
	// Confine, if set, puts every program the script starts under limits.
	Confine func(pid int)
	// User, if set, is who the script's programs run as (class grading as
	// root): they get a scrubbed environment, and the script's $WORK is
	// theirs to write.
	User *proc.User

	ctx context.Context

	mu        sync.Mutex
	failure   *Failure
	server    *proc.Process
	conns     map[string]net.Conn
	udp       map[string]*udpPeer
	proxies   []*udpProxy
	udpServer *udpServer
	dns       []*dnsServer
	fake      *fakeServer
	kept      map[any]any
	lastRun   *proc.Process
	// lastRunStart is a moment before the last run's program started;
	// lastRunEnd is when it was seen to exit: never before it did.
	lastRunStart, lastRunEnd time.Time
	streams                  *Streams // what stdout and stderr match: see setStreams
	// stopAsked: the script sent the server a signal that ends it;
	// judged: a command judged how it ended; endedAlone: it had ended
	// when a step of the script was done (see EndFailure).
	stopAsked, judged, endedAlone bool
}

// NewState returns the state for one script. ctx bounds everything the script
// starts; when it ends, every process is killed.
func NewState(ctx context.Context, program, source string) *State {
	return &State{Program: program, Source: source, ctx: ctx, conns: map[string]net.Conn{}, udp: map[string]*udpPeer{}}
}

// Failure returns the structured failure of the command that failed the
// script, or nil when the script failed in a built-in command (or passed).
func (s *State) Failure() *Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure
}

// Output returns what the server (or, failing that, the last program run)
// printed, for failures in built-in commands.
func (s *State) Output() string {
	s.mu.Lock()
	p := s.server
	if p == nil {
		p = s.lastRun
	}
	s.mu.Unlock()
	if p == nil {
		return ""
	}
	return programOutput(p)
}

// setStreams makes p's output what testscript's stdout, stderr and cmp
// commands look at, and keeps it for Streams.
func (s *State) setStreams(ts *testscript.TestScript, p *proc.Process) {
	out, errOut := p.Stdout.Bytes(), p.Stderr.Bytes()
	ts.Stdout().Write(out)
	ts.Stderr().Write(errOut)
	s.mu.Lock()
	s.streams = &Streams{Stdout: out, Stderr: errOut, Getenv: ts.Getenv}
	s.mu.Unlock()
}

// Streams are what the script's stdout, stderr and cmp commands looked at:
// the output of the last program that ended, and the script's variables
// (cmpenv expands them).
type Streams struct {
	Stdout, Stderr []byte
	Getenv         func(string) string
}

// Streams returns what the script's stdout and stderr commands looked at
// last, or nil when no program ended.
func (s *State) Streams() *Streams {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams
}

type stateKey struct{}

// Setup returns a testscript Setup function that installs st for the
// commands and arranges for everything to be cleaned up at the script's end.
func Setup(st *State) func(*testscript.Env) error {
	return func(env *testscript.Env) error {
		env.Values[stateKey{}] = st
		env.Defer(st.cleanup)
		if u := st.User; u != nil {
			// The folder and the files the script's archive put there
			// (a file the program must replace, say) are the program's.
			err := filepath.WalkDir(env.WorkDir, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return os.Lchown(p, int(u.UID), int(u.GID))
			})
			if err != nil {
				return fmt.Errorf("give the program its work folder: %w", err)
			}
		}
		return nil
	}
}

func (s *State) cleanup() {
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	for _, p := range s.udp {
		p.conn.Close()
	}
	server, failed := s.server, s.failure != nil
	s.mu.Unlock()
	if server != nil {
		s.settle(server, failed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastRun != nil {
		s.lastRun.Kill()
	}
	if s.fake != nil {
		s.fake.close()
	}
	for _, p := range s.proxies {
		p.close()
	}
	if s.udpServer != nil {
		s.udpServer.close()
	}
	for _, d := range s.dns {
		d.close()
	}
}

// Keep returns the script's value under key, made by newValue the first
// time: the place for a command's own per-script data, such as lesson 15's
// ICMP targets. It is safe for concurrent use; the value guards itself.
func (s *State) Keep(key any, newValue func() any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kept == nil {
		s.kept = map[any]any{}
	}
	v, ok := s.kept[key]
	if !ok {
		v = newValue()
		s.kept[key] = v
	}
	return v
}

// dnsNote gathers what the script's DNS servers could not parse.
func (s *State) dnsNote() string {
	s.mu.Lock()
	servers := append([]*dnsServer(nil), s.dns...)
	s.mu.Unlock()
	var b strings.Builder
	for _, d := range servers {
		b.WriteString(d.note())
	}
	return b.String()
}

// useSeed returns the script's seed and records that it mattered.
func (s *State) useSeed() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seedUsed = true
	return s.Seed
}

// SeedUsed reports whether the script injected seeded faults.
func (s *State) SeedUsed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seedUsed
}

func state(ts *testscript.TestScript) *State {
	return ts.Value(stateKey{}).(*State)
}

// fail records f and stops the script.
func (s *State) fail(ts *testscript.TestScript, f Failure) {
	note := s.serverNote()
	if note != "" && f.Output == "" {
		f.Output = note
	}
	f.Kind = kindOf(f, note != "")
	for _, note := range []string{s.proxyNote(), s.dnsNote(), s.refNote()} {
		if note != "" {
			f.Output = strings.TrimLeft(strings.TrimRight(f.Output, "\n")+"\n"+note, "\n")
		}
	}
	s.mu.Lock()
	s.failure = &f
	s.mu.Unlock()
	ts.Fatalf("%s", f.What)
}

// kindOf says what kind of failure f is. What the program printed comes
// first, since it explains whatever the command then saw: a panic, a data
// race, a server that died during the check. Then the kind the command gave,
// if it gave one, and last what the failure's own words show.
func kindOf(f Failure, serverDied bool) results.Kind {
	switch {
	case panicked([]byte(f.Output)):
		return results.Crashed
	case strings.Contains(f.Output, "WARNING: DATA RACE"):
		return results.Race
	case f.Kind != "":
		return f.Kind
	case serverDied:
		return results.Exited
	case strings.Contains(f.What, "(RST)") || strings.Contains(f.What, "connection reset"):
		return results.Reset
	case strings.Contains(f.What, "still open after") || strings.HasPrefix(f.What, "waited ") ||
		strings.Contains(f.Got, "then nothing for") || strings.Contains(f.What, "stopped after"):
		return results.NoReply
	case f.Got != "" && f.Want != "":
		return results.WrongBytes
	}
	return ""
}

// settleTimeout is how long a server still running at the end of a
// script that did not fail is given to exit on SIGTERM.
const settleTimeout = time.Second

// settle ends the script's server p, if it is still running. A script that did not fail asks it to stop with
// SIGTERM first and gives it a moment: a server that began to panic during
// the script (its handler's deferred Close ran, so the client saw a clean
// end) then finishes printing the trace, and EndFailure sees it; SIGKILL
// would cut it short. Past that moment, or when the script failed, the
// whole group is killed.
func (s *State) settle(p *proc.Process, failed bool) {
	if p.Exited() {
		return
	}
	if !failed && s.ctx.Err() == nil {
		if err := p.Signal(syscall.SIGTERM); err == nil {
			t := time.NewTimer(settleTimeout)
			select {
			case <-p.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
	p.Kill()
}

// afterStep notes, once a step of the script is done, whether the server
// has ended by then: an end at the script's close (its interface deleted,
// say) is not the program's doing.
func (s *State) afterStep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.server != nil && s.server.Exited() {
		s.endedAlone = true
	}
}

// EndFailure judges, once a script has passed, how its server ended: the
// rules that hold for the whole of every check, whatever its steps looked
// at. A panic or a data race at any moment fails the check; so does a
// server that ended by itself, with a non-zero status or killed by a
// signal, when no step asked it to stop or looked at how it ended. Without
// this, a server that crashed on one client could seem to serve the next:
// its other goroutines run on while the panic unwinds, or another
// program takes its port. It returns nil when all is well.
func (s *State) EndFailure() *Failure {
	s.mu.Lock()
	p, asked, judged, alone := s.server, s.stopAsked, s.judged, s.endedAlone
	s.mu.Unlock()
	if p == nil || !p.Exited() {
		return nil
	}
	exit, _ := p.Wait(0)
	switch {
	case crashed(p):
		return &Failure{Kind: results.Crashed, What: "the server crashed during the check, although each step of it passed",
			Got:    fmt.Sprintf("a Go panic or fatal error in its stderr, and %s", exit),
			Want:   "no panic ever: check every error and every length a peer sends, and keep serving the other clients",
			Output: programOutput(p)}
	case bytes.Contains(p.Stderr.Bytes(), []byte("WARNING: DATA RACE")):
		return &Failure{Kind: results.Race, What: "the race detector found a data race in the server during the check",
			Want:   "every variable that several goroutines touch guarded by a mutex (or a channel, or sync/atomic)",
			Output: programOutput(p)}
	case alone && !asked && !judged && (exit.Code != 0 || exit.Signal != ""):
		return &Failure{Kind: results.Exited, What: fmt.Sprintf("the server ended by itself during the check (%s), although each step of it passed", exit),
			Want:   "the server to keep running, serving every client, until it is asked to stop",
			Output: programOutput(p)}
	}
	return nil
}

// serverDead reports whether the script's server has ended: exited and
// reaped, or exited and not yet reaped (a zombie, whose sockets are closed
// already).
func (s *State) serverDead() bool {
	s.mu.Lock()
	p := s.server
	s.mu.Unlock()
	if p == nil {
		return false
	}
	if p.Exited() {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		return runtime.GOOS == "linux" // gone; elsewhere there is no /proc to ask
	}
	// The state follows the command name, which ends with the last ')'.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] == 'Z' || stat[i+2] == 'X'
	}
	return false
}

// serverNote explains a failure by the server's death, if it died.
func (s *State) serverNote() string {
	s.mu.Lock()
	p := s.server
	s.mu.Unlock()
	if p == nil {
		return ""
	}
	// A server that crashed resets its connections a moment before its
	// exit is noticed: give it that moment. A busy checker may take
	// longer to reap it; the kernel already says it has ended.
	select {
	case <-p.Done():
	case <-time.After(250 * time.Millisecond):
		if !processEnded(p.Pid()) {
			return ""
		}
		select {
		case <-p.Done():
		case <-time.After(3 * time.Second):
			return ""
		}
	}
	exit, _ := p.Wait(0)
	return fmt.Sprintf("the server is no longer running (%s)\n%s", exit, programOutput(p))
}

// deadline is the time by which a wait of d must end: d from now, and never
// past the script's deadline.
func (s *State) deadline(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := s.ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}

func (s *State) conn(ts *testscript.TestScript, name string) net.Conn {
	s.mu.Lock()
	c, ok := s.conns[name]
	s.mu.Unlock()
	if !ok {
		ts.Fatalf("no connection named %q (dial it first)", name)
	}
	return c
}

// programOutput renders a program's stderr and stdout, trimmed, for a report.
func programOutput(p *proc.Process) string {
	var b strings.Builder
	for _, part := range []struct {
		name string
		c    *proc.Capture
	}{{"stderr", p.Stderr}, {"stdout", p.Stdout}} {
		out := tail(string(part.c.Bytes()), 20)
		if d := part.c.Dropped(); d > 0 {
			// A flood: how it ended says more than how it began.
			out = tail(string(part.c.Tail()), 20)
			fmt.Fprintf(&b, "its %s, the last lines of %d bytes:\n%s", part.name, int64(len(part.c.Bytes()))+d, indent(out))
			continue
		}
		if out == "" {
			continue
		}
		fmt.Fprintf(&b, "its %s:\n%s", part.name, indent(out))
	}
	if b.Len() == 0 {
		return "it printed nothing\n"
	}
	return b.String()
}

// tail keeps the last n lines of s, saying how many were cut.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if len(l) > 160 {
			lines[i] = fmt.Sprintf("%s … (%d bytes on this line)", l[:160], len(l))
		}
	}
	if len(lines) > n {
		cut := len(lines) - n
		lines = append([]string{fmt.Sprintf("… (%d lines before)", cut)}, lines[cut:]...)
	}
	return strings.Join(lines, "\n") + "\n"
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("  | " + l)
		}
	}
	return b.String()
}
