//go:build !linux

package scriptcmd

import (
	"errors"

	"github.com/rogpeppe/go-internal/testscript"
)

// needsLinux stops a script that uses a Linux-only command elsewhere;
// suites guard such scripts with [!linux] skip.
func needsLinux(ts *testscript.TestScript, name string) {
	ts.Fatalf("%s reads Linux's /proc; guard this script with [!linux] skip", name)
}

func cmdProcStat(ts *testscript.TestScript, neg bool, args []string) { needsLinux(ts, "procstat") }
func cmdFDs(ts *testscript.TestScript, neg bool, args []string)      { needsLinux(ts, "fds") }
func cmdSockets(ts *testscript.TestScript, neg bool, args []string)  { needsLinux(ts, "sockets") }

// tcpEnd needs Linux's socket table: elsewhere the caller skips its test.
func tcpEnd(local, remote int) (found, established bool, err error) {
	return false, false, errors.ErrUnsupported
}

// processEnded cannot tell here: the caller waits for the exit instead.
func processEnded(pid int) bool { return false }
