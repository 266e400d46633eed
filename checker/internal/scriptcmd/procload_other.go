//go:build !linux

package scriptcmd

import "github.com/rogpeppe/go-internal/testscript"

func cmdThreads(ts *testscript.TestScript, neg bool, args []string) { needsLinux(ts, "threads") }
func cmdMemory(ts *testscript.TestScript, neg bool, args []string)  { needsLinux(ts, "memory") }
func cmdIdleCPU(ts *testscript.TestScript, neg bool, args []string) { needsLinux(ts, "idlecpu") }

// raiseNoFile is Linux's (prlimit); elsewhere the limits stay as they are.
func raiseNoFile(pid, n int) string { return "" }

// canHold is false where raiseNoFile cannot raise anything.
func canHold(n int) bool { return false }
