//go:build !linux

package classroom

import "syscall"

type sandbox struct {
	root     bool // never: the namespaces are Linux's
	programs []string
}

const programUID = 65534

func newSandbox() *sandbox                        { return &sandbox{} }
func (s *sandbox) procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
func (s *sandbox) prepare() error                 { return nil }
func (s *sandbox) adopt(pid int)                  {}
func (s *sandbox) destroy(pid int)                { syscall.Kill(-pid, syscall.SIGKILL) }

// ConfineTo does nothing where there are no cgroups.
func ConfineTo(dirs []string) func(pid int) { return func(int) {} }
