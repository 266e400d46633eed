//go:build !linux

package proc

import (
	"errors"
	"syscall"
)

// heldArgv is not ok: only Linux holds a program's stdout.
func heldArgv(Spec) (string, []string, bool) { return "", nil, false }

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
