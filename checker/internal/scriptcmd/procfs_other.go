//go:build !linux

package scriptcmd

import "github.com/rogpeppe/go-internal/testscript"

func cmdProcStat(ts *testscript.TestScript, neg bool, args []string) {
	ts.Skip("procstat needs Linux's /proc")
}

func cmdFDs(ts *testscript.TestScript, neg bool, args []string) {
	ts.Skip("fds needs Linux's /proc")
}

func cmdSockets(ts *testscript.TestScript, neg bool, args []string) {
	ts.Skip("sockets needs Linux's /proc")
}
