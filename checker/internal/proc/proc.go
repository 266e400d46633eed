// Package proc runs learner programs so that they cannot outlive the checker:
// each runs in its own process group, its output is captured up to a limit,
// and the whole group is killed when the program is stopped, when its context
// ends (Ctrl-C included) or when a deadline passes.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultLimit is how many bytes of each of stdout and stderr are kept
// unless Spec.Limit says otherwise.
const DefaultLimit = 64 << 10

// Spec says what to run.
type Spec struct {
	Path string
	Args []string
	Dir  string
	Env  []string // nil means the checker's environment
	// Limit is how many bytes of each of stdout and stderr to keep; 0
	// means DefaultLimit.
	Limit int
	// Confine, if set, is called with the program's pid as soon as it has
	// started, to put it under limits (a cgroup) before it does much.
	Confine func(pid int)
	// OnStdoutLine, if set, sees every complete line the program prints on
	// stdout (within the limit).
	OnStdoutLine func(line string)
	// User, if set, runs the program as another user (class grading, as
	// root): see User.
	User *User
	// Held, on Linux, starts the program as a shell starts a background
	// job (SIGINT ignored until it asks for it) with its
	// stdout a full pipe: its first write to stdout blocks until Release,
	// so that the caller can see what it had set up when it printed
	// (Printing, Catches). Elsewhere it is ignored.
	Held bool
}

// heldPipe is a held program's stdout: full of filler until released.
type heldPipe struct {
	r, w    *os.File
	filled  int // bytes of filler to drop before the program's own
	release sync.Once
	copied  chan struct{}
}

// User is who a learner's program runs as when the grader is root: an
// unprivileged uid and gid, no supplementary groups, and of root's
// capabilities only Caps (Linux ambient capabilities, such as CAP_NET_RAW
// for the raw-socket lessons). It cannot signal, trace or read the
// grader's processes, nor write the grader's files.
type User struct {
	UID, GID uint32
	Caps     []uintptr
}

// Process is a running learner program. Its methods are safe for concurrent
// use.
type Process struct {
	cmd    *exec.Cmd
	Stdout *Capture
	Stderr *Capture

	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
	stop     chan struct{}
	held     *heldPipe // nil unless Spec.Held took effect
}

// Start starts the program in a new process group. When ctx is done the
// whole group is killed.
func Start(ctx context.Context, s Spec) (*Process, error) {
	limit := s.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	p := &Process{
		Stdout: &Capture{Limit: limit, OnLine: s.OnStdoutLine},
		Stderr: &Capture{Limit: limit},
		done:   make(chan struct{}),
		stop:   make(chan struct{}),
	}
	path, args, env := s.Path, s.Args, s.Env
	var stdout io.Writer = p.Stdout
	if s.Held {
		if hpath, hargs, ok := heldArgv(s); ok {
			if h, err := holdStdout(); err == nil {
				// The wrappers exec the program: same pid, same argv[0],
				// and the environment is in their arguments.
				p.held = h
				path, args, env, stdout = hpath, hargs, []string{}, h.w
			}
		}
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = s.Dir
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stdout = stdout
	cmd.Stderr = p.Stderr
	cmd.SysProcAttr = procAttr(s.User)
	// A grandchild that keeps the pipes open must not keep Wait blocked.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		if p.held != nil {
			p.held.r.Close()
			p.held.w.Close()
		}
		return nil, fmt.Errorf("start %s: %w", s.Path, err)
	}
	p.cmd = cmd
	if p.held != nil {
		p.held.w.Close() // the program has its own copy
	}
	if s.Confine != nil {
		s.Confine(cmd.Process.Pid)
	}
	go func() {
		p.waitErr = cmd.Wait()
		// The leader is gone; anything it left in its group goes too.
		killGroup(cmd.Process.Pid)
		if h := p.held; h != nil {
			// Whatever it printed is collected; a process that escaped
			// the group and keeps the pipe open gets a second, as
			// WaitDelay gives the others.
			p.Release()
			h.r.SetReadDeadline(time.Now().Add(time.Second))
			<-h.copied
			h.r.Close()
		}
		close(p.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			killGroup(cmd.Process.Pid)
		case <-p.stop:
		case <-p.done:
		}
	}()
	return p, nil
}

// Release lets a held program's first write to stdout through (see
// Spec.Held), and its output be collected from then on. It does nothing
// for a program that is not held, or the second time.
func (p *Process) Release() {
	h := p.held
	if h == nil {
		return
	}
	h.release.Do(func() {
		go func() {
			defer close(h.copied)
			if _, err := io.CopyN(io.Discard, h.r, int64(h.filled)); err != nil {
				return
			}
			io.Copy(p.Stdout, h.r)
		}()
	})
}

// Pid returns the process id, which is also the process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the program has exited and its output is collected.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the program has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the program itself (not its group).
func (p *Process) Signal(sig os.Signal) error {
	if p.Exited() {
		return nil
	}
	return p.cmd.Process.Signal(sig)
}

// Kill kills the whole process group and waits for the program to exit.
func (p *Process) Kill() {
	p.stopOnce.Do(func() { close(p.stop) })
	killGroup(p.cmd.Process.Pid)
	<-p.done
}

// Wait waits up to timeout for the program to exit; past it, the group is
// killed and ErrTimeout returned.
func (p *Process) Wait(timeout time.Duration) (Exit, error) {
	select {
	case <-p.done: // exited already: no race with a zero timer
		return p.exit(), nil
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.exit(), nil
	case <-t.C:
		p.Kill()
		return p.exit(), ErrTimeout
	}
}

// ErrTimeout means a program did not exit in time and was killed.
var ErrTimeout = errors.New("did not exit in time")

// Exit describes how a program ended.
type Exit struct {
	Code   int    // exit code, or -1 when killed by a signal
	Signal string // the signal's name when killed by one
}

func (e Exit) String() string {
	if e.Signal != "" {
		return "killed by " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (p *Process) exit() Exit {
	var ee *exec.ExitError
	if p.waitErr == nil {
		return Exit{Code: 0}
	}
	if errors.As(p.waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Exit{Code: -1, Signal: strings.ToUpper(signalName(ws.Signal()))}
		}
		return Exit{Code: ee.ExitCode()}
	}
	return Exit{Code: -1, Signal: p.waitErr.Error()}
}
