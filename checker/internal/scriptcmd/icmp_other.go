//go:build !linux

package scriptcmd

import "github.com/rogpeppe/go-internal/testscript"

// cmdICMPTarget fails: lesson 15 runs only in a Linux network namespace,
// and the grader skips it elsewhere before any script starts.
func cmdICMPTarget(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "icmptarget")
	ts.Fatalf("icmptarget needs Linux: it routes an address to lo in the checker's own network namespace")
}

// cmdPingBusy fails, as icmptarget does.
func cmdPingBusy(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "pingbusy")
	ts.Fatalf("pingbusy needs Linux: it works with an icmptarget")
}
