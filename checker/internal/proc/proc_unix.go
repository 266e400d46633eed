//go:build unix

package proc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills every process in the group led by pid. Errors are ignored:
// the group may already be gone.
func killGroup(pid int) {
	_ = unix.Kill(-pid, unix.SIGKILL)
}

func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return s.String()
}
