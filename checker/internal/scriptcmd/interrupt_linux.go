package scriptcmd

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

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
