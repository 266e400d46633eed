//go:build !linux

package scriptcmd

import "github.com/rogpeppe/go-internal/testscript"

func cmdTopology(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "topology")
	_, ok := topologyArgs(args)
	usage(ts, ok, topologyUsage)
	// The lessons that use it are Isolated, and skipped before any script
	// runs where there are no network namespaces.
	ts.Fatalf("topology builds routers out of network namespaces: it needs Linux")
}
