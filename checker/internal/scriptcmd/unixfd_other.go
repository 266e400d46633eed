//go:build !unix

package scriptcmd

import "github.com/rogpeppe/go-internal/testscript"

func cmdExpectFD(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("expectfd: descriptor passing needs a Unix system")
}
