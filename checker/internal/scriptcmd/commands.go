package scriptcmd

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands returns the command table, for testscript.Params.Cmds.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"abstractname": cmdAbstractName,
		"busyport":     cmdBusyPort,
		"chatroom":     cmdChatroom,
		"close":        cmdClose,
		"closewrite":   cmdCloseWrite,
		"crowd":        cmdCrowd,
		"dial":         cmdDial,
		"discards":     cmdDiscards,
		"dnsasked":     cmdDNSAsked,
		"dnsids":       cmdDNSIDs,
		"dnsqueries":   cmdDNSQueries,
		"dnsserver":    cmdDNSServer,
		"etherip":      cmdEtherIP,
		"ethersend":    cmdEtherSend,
		"exits":        cmdExits,
		"expect":       cmdExpect,
		"expecteof":    cmdExpectEOF,
		"expectfd":     cmdExpectFD,
		"expectline":   cmdExpectLine,
		"expectrest":   cmdExpectRest,
		"fakeserver":   cmdFakeServer,
		"fds":          cmdFDs,
		"freeport":     cmdFreePort,
		"gen":          cmdGen,
		"genfile":      cmdGenFile,
		"gramburst":    cmdGramBurst,
		"gramdial":     cmdGramDial,
		"gramexpect":   cmdGramExpect,
		"gramsend":     cmdGramSend,
		"hops":         cmdHops,
		"icmpecho":     cmdICMPEcho,
		"icmpgaps":     cmdICMPGaps,
		"icmprequests": cmdICMPRequests,
		"icmptarget":   cmdICMPTarget,
		"imports":      cmdImports,
		"ipproto":      cmdIPProto,
		"outlines":     cmdOutLines,
		"pingstats":    cmdPingStats,
		"procstat":     cmdProcStat,
		"proxy":        cmdProxy,
		"quiet":        cmdQuiet,
		"readyhost":    cmdReadyHost,
		"received":     cmdReceived,
		"refreceived":  cmdRefReceived,
		"refreceiver":  cmdRefReceiver,
		"refsend":      cmdRefSend,
		"reset":        cmdReset,
		"roundtrip":    cmdRoundtrip,
		"rudpexpect":   cmdRUDPExpect,
		"rudpsend":     cmdRUDPSend,
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
		"snifflines":   cmdSniffLines,
		"sockets":      cmdSockets,
		"sockmode":     cmdSockMode,
		"stall":        cmdStall,
		"stalesocket":  cmdStaleSocket,
		"terminate":    cmdTerminate,
		"topology":     cmdTopology,
		"traceroute":   cmdTraceroute,
		"tlscerts":     cmdTLSCerts,
		"tlsdial":      cmdTLSDial,
		"tlsplain":     cmdTLSPlain,
		"tlsserver":    cmdTLSServer,
		"trickle":      cmdTrickle,
		"udpattempts":  cmdUDPAttempts,
		"udpbackoff":   cmdUDPBackoff,
		"udpburst":     cmdUDPBurst,
		"udpcarryfile": cmdUDPCarryFile,
		"udpcrowd":     cmdUDPCrowd,
		"udpdial":      cmdUDPDial,
		"udpecho":      cmdUDPEcho,
		"udpexpect":    cmdUDPExpect,
		"udpexpectgen": cmdUDPExpectGen,
		"udpfrags":     cmdUDPFrags,
		"udplisten":    cmdUDPListen,
		"udpquiet":     cmdUDPQuiet,
		"udpreceived":  cmdUDPReceived,
		"udpsend":      cmdUDPSend,
		"udpsendgen":   cmdUDPSendGen,
		"udpserver":    cmdUDPServer,
		"udpsockopt":   cmdUDPSockopt,
		"udpturns":     cmdUDPTurns,
		"udpzerosum":   cmdUDPZeroSum,
		"unixdial":     cmdUnixDial,
		"unixlisten":   cmdUnixListen,
		"unixrefuses":  cmdUnixRefuses,
		"unixserve":    cmdUnixServe,
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
