//go:build !linux

package proc

import (
	"errors"
	"os/exec"
	"syscall"
)

// heldCommand is nil: only Linux holds a program's stdout.
func heldCommand(Spec) *exec.Cmd { return nil }

func holdStdout() (*heldPipe, error) {
	return nil, errors.New("only Linux holds a program's stdout")
}

// Printing reports that it cannot know: only Linux holds a program's
// stdout.
func (p *Process) Printing() (blocked, known bool) { return false, false }

// Catches cannot know where there is no /proc.
func (p *Process) Catches(syscall.Signal) (bool, error) {
	return false, errors.New("signal handlers are only seen on Linux")
}
