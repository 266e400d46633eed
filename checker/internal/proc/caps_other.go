//go:build unix && !linux

package proc

import "syscall"

// keepCaps does nothing: only Linux has ambient capabilities, and the
// lessons that need them are Linux only.
func keepCaps(*syscall.SysProcAttr, []uintptr) {}
