package scriptcmd

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands returns the command table, for testscript.Params.Cmds.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"busyport":     cmdBusyPort,
		"chatroom":     cmdChatroom,
		"close":        cmdClose,
		"closewrite":   cmdCloseWrite,
		"crowd":        cmdCrowd,
		"dial":         cmdDial,
		"discards":     cmdDiscards,
		"dnsasked":     cmdDNSAsked,
		"dnsserver":    cmdDNSServer,
		"ethersend":    cmdEtherSend,
		"exits":        cmdExits,
		"expect":       cmdExpect,
		"expecteof":    cmdExpectEOF,
		"expectline":   cmdExpectLine,
		"fakeserver":   cmdFakeServer,
		"fds":          cmdFDs,
		"freeport":     cmdFreePort,
		"gen":          cmdGen,
		"genfile":      cmdGenFile,
		"hops":         cmdHops,
		"icmpecho":     cmdICMPEcho,
		"icmprequests": cmdICMPRequests,
		"icmptarget":   cmdICMPTarget,
		"imports":      cmdImports,
		"outlines":     cmdOutLines,
		"pingstats":    cmdPingStats,
		"procstat":     cmdProcStat,
		"proxy":        cmdProxy,
		"quiet":        cmdQuiet,
		"readyhost":    cmdReadyHost,
		"received":     cmdReceived,
		"reset":        cmdReset,
		"roundtrip":    cmdRoundtrip,
		"run":          cmdRun,
		"runany":       cmdRunAny,
		"samefile":     cmdSameFile,
		"send":         cmdSend,
		"sendgen":      cmdSendGen,
		"sentpacket":   cmdSentPacket,
		"serve":        cmdServe,
		"sigterm":      cmdSigterm,
		"sniff":        cmdSniff,
		"sniffed":      cmdSniffed,
		"sockets":      cmdSockets,
		"terminate":    cmdTerminate,
		"topology":     cmdTopology,
		"traceroute":   cmdTraceroute,
		"trickle":      cmdTrickle,
		"udpattempts":  cmdUDPAttempts,
		"udpbackoff":   cmdUDPBackoff,
		"udpcrowd":     cmdUDPCrowd,
		"udpdial":      cmdUDPDial,
		"udpecho":      cmdUDPEcho,
		"udpexpect":    cmdUDPExpect,
		"udpexpectgen": cmdUDPExpectGen,
		"udplisten":    cmdUDPListen,
		"udpquiet":     cmdUDPQuiet,
		"udpreceived":  cmdUDPReceived,
		"udpsend":      cmdUDPSend,
		"udpsendgen":   cmdUDPSendGen,
		"udpserver":    cmdUDPServer,
		"udpsockopt":   cmdUDPSockopt,
		"udpzerosum":   cmdUDPZeroSum,
		"veth":         cmdVeth,
	}
}

// noNeg stops a script that negates a command which has no negated form.
func noNeg(ts *testscript.TestScript, neg bool, name string) {
	if neg {
		ts.Fatalf("unsupported: ! %s", name)
	}
}

func usage(ts *testscript.TestScript, ok bool, text string) {
	if !ok {
		ts.Fatalf("usage: %s", text)
	}
}
