package scriptcmd

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// interruptEnv makes the checker (or a test binary) the helper that
// interrupts the threads of the process whose pid it gives, until its stdin
// ends: a process of its own keeps the pace that a goroutine of a busy
// checker cannot (RunHelperIfAsked).
const interruptEnv = "SOCKETLINGS_INTERRUPT"

// runInterrupt is the interrupting helper: spec is the pid.
func runInterrupt(spec string) error {
	pid, err := strconv.Atoi(spec)
	if err != nil {
		return fmt.Errorf("not a pid: %q", spec)
	}
	interruptThreads(pid, untilStdinEnds())
	return nil
}

// interrupt starts interrupting the threads of process pid, from a helper
// process where one can be started, else from a goroutine, and returns the
// function that stops it.
func (st *State) interrupt(pid int) (stop func()) {
	if halt, err := startHelper(helperCommand(st.ctx, interruptEnv, strconv.Itoa(pid)), 0, nil); err == nil {
		return halt
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		interruptThreads(pid, quit)
	}()
	return func() {
		close(quit)
		<-done
	}
}

// interruptThreads sends SIGURG to every thread of process pid every
// 500µs until stop is closed. A thread blocked in write(2) with part of its
// buffer copied then returns a short count: the case a write loop exists
// for, which a test machine otherwise almost never shows. Go programs ignore
// a SIGURG they did not ask for, so a correct program is not disturbed.
func interruptThreads(pid int, stop <-chan struct{}) {
	tick := time.NewTicker(500 * time.Microsecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return // the process is gone
		}
		for _, t := range tasks {
			if tid, err := strconv.Atoi(t.Name()); err == nil {
				_ = unix.Tgkill(pid, tid, unix.SIGURG)
			}
		}
	}
}
