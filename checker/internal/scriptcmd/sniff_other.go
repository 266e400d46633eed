//go:build !linux

package scriptcmd

import "github.com/rogpeppe/go-internal/testscript"

// Lesson 18's traffic makers need Linux (packet sockets, IP options set by
// setsockopt, rtnetlink); so does the lesson, which is skipped elsewhere
// before any of its scripts runs.

func cmdUDPSockopt(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("udpsockopt needs Linux")
}

func cmdICMPEcho(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("icmpecho needs Linux")
}

func cmdEtherSend(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("ethersend needs Linux")
}

func cmdVeth(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("veth needs Linux")
}

func cmdUDPFrags(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("udpfrags needs Linux")
}

func cmdIPProto(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("ipproto needs Linux")
}

func cmdEtherIP(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("etherip needs Linux")
}
