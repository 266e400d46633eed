package proc

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// heldShell starts the program as a shell starts a background job: with
// SIGINT ignored, which the program inherits through exec. A Go program
// then has no handler for it until it calls signal.Notify (Go keeps an
// inherited SIG_IGN for SIGINT and SIGHUP only), which /proc shows. The
// shell execs env -i, which execs the program with exactly the
// environment given, none of the shell's own (PWD, SHLVL).
const heldShell = `trap '' INT; exec "$@"`

// heldArgv is the command line that starts the program of s held; ok is
// false where this machine lacks what it takes.
func heldArgv(s Spec) (path string, args []string, ok bool) {
	env, err := exec.LookPath("env")
	if err != nil {
		return "", nil, false
	}
	vars := s.Env
	if vars == nil {
		vars = os.Environ()
	}
	args = append([]string{"-c", heldShell, "sh", env, "-i"}, vars...)
	return "/bin/sh", append(append(args, s.Path), s.Args...), true
}

// holdStdout makes the pipe for a held program's stdout, full already: its
// first write blocks until the reader takes out the filler.
func holdStdout() (*heldPipe, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	r, w := fds[0], fds[1]
	fail := func(err error) (*heldPipe, error) {
		unix.Close(r)
		unix.Close(w)
		return nil, err
	}
	// The smallest pipe there is (a page), filled without blocking.
	if _, err := unix.FcntlInt(uintptr(w), unix.F_SETPIPE_SZ, os.Getpagesize()); err != nil {
		return fail(fmt.Errorf("size the pipe: %w", err))
	}
	if err := unix.SetNonblock(w, true); err != nil {
		return fail(err)
	}
	filler := make([]byte, 4096)
	filled := 0
	for {
		n, err := unix.Write(w, filler)
		if n > 0 {
			filled += n
		}
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			return fail(fmt.Errorf("fill the pipe: %w", err))
		}
	}
	// The program's end blocks, as a pipe's normally does; the checker's
	// end goes through Go's poller, so that a read can have a deadline.
	if err := unix.SetNonblock(w, false); err != nil {
		return fail(err)
	}
	if err := unix.SetNonblock(r, true); err != nil {
		return fail(err)
	}
	return &heldPipe{r: os.NewFile(uintptr(r), "stdout"), w: os.NewFile(uintptr(w), "stdout"), filled: filled,
		copied: make(chan struct{})}, nil
}

// Printing reports whether the program is blocked writing to its held
// stdout; known is false where that cannot be seen (no held stdout, or
// /proc does not show the program's system calls).
func (p *Process) Printing() (blocked, known bool) {
	if p.held == nil {
		return false, false
	}
	// A thread can end, and the process exec, between the listing and the
	// reads: only a refusal means that /proc will not tell.
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", p.Pid()))
	write := strconv.Itoa(unix.SYS_WRITE) + " 0x1 "
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if errors.Is(err, fs.ErrPermission) {
			return false, false
		}
		if err == nil && strings.HasPrefix(string(data), write) {
			return true, true
		}
	}
	return false, true
}

// Catches reports whether the program has a handler of its own for sig
// (SigCgt in /proc/PID/status).
func (p *Process) Catches(sig syscall.Signal) (bool, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(rest), 16, 64)
			if err != nil {
				return false, fmt.Errorf("SigCgt: %w", err)
			}
			return mask&(1<<(uint(sig)-1)) != 0, nil
		}
	}
	return false, errors.New("no SigCgt line in /proc/PID/status")
}
