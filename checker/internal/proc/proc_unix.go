//go:build unix

package proc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func procAttr(u *User) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if u != nil {
		// No supplementary groups: the grader's own would follow it.
		a.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: []uint32{}}
		keepCaps(a, u.Caps)
	}
	return a
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
