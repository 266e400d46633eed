package scriptcmd

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// hordeSpare is how many descriptors each end keeps for everything but a
// horde's connections: the listener, epoll, pipes, other scripts' sockets.
const hordeSpare = 512

// raiseNoFile makes room for n more connections in the checker and in the
// process pid, which must be able to have n descriptors open. The
// program, a Go program, raised its own soft limit to its hard one when it
// started, and that hard limit is the checker's (see canHold). It returns
// why not where it cannot, or "".
func raiseNoFile(pid, n int) string {
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Sprintf("the checker cannot count its descriptors: %v", err)
	}
	if why := raiseLimit(0, len(open)+n+hordeSpare, "the checker"); why != "" {
		return why
	}
	soft, err := openFilesLimit(pid)
	if err != nil {
		return err.Error()
	}
	if soft >= uint64(n+hordeSpare) {
		return ""
	}
	// A program that did not raise its own: raise it for it (as the same
	// user, up to its hard limit; as root, past it).
	return raiseLimit(pid, n+hordeSpare, "the program")
}

// openFilesLimit reads the soft descriptor limit of process pid from
// /proc/PID/limits, which anyone may read (prlimit(2) needs the same user,
// or CAP_SYS_RESOURCE, even to read).
func openFilesLimit(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, fmt.Errorf("read the program's limits: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if f[0] == "unlimited" {
					return 1 << 62, nil
				}
				return strconv.ParseUint(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no \"Max open files\" in /proc/%d/limits", pid)
}

// raiseLimit raises the descriptor limit of pid (0: the checker) to at
// least need.
func raiseLimit(pid, need int, who string) string {
	var lim unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &lim); err != nil {
		return fmt.Sprintf("%s's descriptor limit cannot be read: %v", who, err)
	}
	if lim.Cur >= uint64(need) {
		return ""
	}
	want := lim
	want.Cur = uint64(need)
	if want.Max < want.Cur {
		want.Max = want.Cur // only root may do this
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &want, nil); err != nil {
		return fmt.Sprintf("%s may open only %d descriptors (hard limit %d) and the checker could not raise that to %d: %v; raise it (ulimit -Hn %d, or as root) and run the check again",
			who, lim.Cur, lim.Max, need, err, need)
	}
	return ""
}

// canHold reports whether the checker and a program it starts after this
// call can have n more descriptors each. A program inherits the checker's
// hard limit, so where that is too low and the checker may raise it (as
// root), it raises it now, before the program starts: the suites test
// [nofile:N] before serve.
func canHold(n int) bool {
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false
	}
	need := uint64(len(open) + n + hordeSpare)
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return false
	}
	if lim.Max >= need {
		return true
	}
	lim.Max = need
	lim.Cur = need
	return unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) == nil
}

func cmdThreads(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "threads")
	usage(ts, len(args) == 1, "threads MAX")
	st := state(ts)
	limit, err := strconv.Atoi(args[0])
	ts.Check(err)
	limit += runtime.NumCPU()
	p := st.runningServer(ts)
	n, err := statusField(p.Pid(), "Threads")
	ts.Check(err)
	if n > int64(limit) {
		st.fail(ts, Failure{What: fmt.Sprintf("the server runs %d threads (/proc/%d/status)", n, p.Pid()),
			Want:   fmt.Sprintf("at most %d (%s plus one per CPU): one goroutine waits in epoll_wait for every connection at once, and a goroutine blocked in a read system call holds a thread of its own", limit, args[0]),
			Output: st.Output()})
	}
}

func cmdMemory(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "memory")
	peak, args := leadingFlag(args, "-peak")
	usage(ts, len(args) == 1, "memory [-peak] MAXMIB")
	st := state(ts)
	limit, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	p := st.runningServer(ts)
	field, what, why := "VmRSS", "resident memory", "an idle connection costs a descriptor and a few hundred bytes of bookkeeping, not a buffer or a stack of its own"
	if peak {
		field, what, why = "VmHWM", "peak resident memory", "while an echo waits, stop reading from that connection, so that what the client sends waits in the kernel, not in your buffers"
	}
	kb, err := statusField(p.Pid(), field)
	ts.Check(err)
	if kb > limit<<10 {
		st.fail(ts, Failure{What: fmt.Sprintf("the server's %s (%s) is %.1f MiB", what, field, float64(kb)/1024),
			Want:   fmt.Sprintf("at most %d MiB: %s", limit, why),
			Output: st.Output()})
	}
}

func cmdIdleCPU(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "idlecpu")
	usage(ts, len(args) == 2, "idlecpu DURATION MAXCPU")
	st := state(ts)
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	limit, err := time.ParseDuration(args[1])
	ts.Check(err)
	p := st.runningServer(ts)
	before, err := cpuTime(p.Pid())
	ts.Check(err)
	t := time.NewTimer(time.Until(st.deadline(d)))
	select {
	case <-t.C:
	case <-st.ctx.Done():
		t.Stop()
		ts.Fatalf("idlecpu: %v", st.ctx.Err())
	}
	after, err := cpuTime(p.Pid())
	ts.Check(err)
	if used := after - before; used > limit {
		st.fail(ts, Failure{What: fmt.Sprintf("the server used %s of CPU in %s while no client sent anything", used.Round(time.Millisecond), d),
			Want:   fmt.Sprintf("at most %s: with nothing to do, the loop sleeps in epoll_wait (timeout -1), and a writable socket wakes it only while an echo waits for it", limit),
			Output: st.Output()})
	}
}

// cpuTime is the CPU time that process pid has used, all threads, from
// /proc/PID/stat (utime and stime, in clock ticks of 1/100 s).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read process stat: %w", err)
	}
	// The command name may hold spaces: the fields start after its ')'.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// utime and stime are fields 14 and 15 of the line; rest starts at 3.
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += v
	}
	const clockTick = 100 // USER_HZ: 100 on every Linux
	return time.Duration(ticks) * time.Second / clockTick, nil
}
