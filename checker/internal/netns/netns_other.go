//go:build !linux

package netns

import "syscall"

// ProcAttr cannot make a namespace here; starting with it fails.
func ProcAttr() *syscall.SysProcAttr { return nil }

// LoopbackUp fails: there are no network namespaces here.
func LoopbackUp() error { return ErrUnavailable }
