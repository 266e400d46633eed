package scriptcmd

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands returns the command table, for testscript.Params.Cmds. After each
// step, the script's state notes whether its server has ended (see
// State.EndFailure).
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := commands()
	for name, cmd := range cmds {
		cmds[name] = func(ts *testscript.TestScript, neg bool, args []string) {
			cmd(ts, neg, args)
			state(ts).afterStep()
		}
	}
	return cmds
}

func commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"abstractname": cmdAbstractName,
		"busyport":     cmdBusyPort,
		"calls":        cmdCalls,
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
		"dnstcp":       cmdDNSTCP,
		"endedwithin":  cmdEndedWithin,
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
		"flood":        cmdFlood,
		"freeport":     cmdFreePort,
		"gameevict":    cmdGameEvict,
		"gamekeep":     cmdGameKeep,
		"gamelossy":    cmdGameLossy,
		"gamequiet":    cmdGameQuiet,
		"gamerefused":  cmdGameRefused,
		"gamesnap":     cmdGameSnap,
		"gameticks":    cmdGameTicks,
		"gen":          cmdGen,
		"genfile":      cmdGenFile,
		"gramburst":    cmdGramBurst,
		"gramdial":     cmdGramDial,
		"gramexpect":   cmdGramExpect,
		"gramsend":     cmdGramSend,
		"hold":         cmdHold,
		"holdecho":     cmdHoldEcho,
		"hops":         cmdHops,
		"httpclient":   cmdHTTPClient,
		"httpexpect":   cmdHTTPExpect,
		"httpsend":     cmdHTTPSend,
		"httpslow":     cmdHTTPSlow,
		"icmpecho":     cmdICMPEcho,
		"icmpgaps":     cmdICMPGaps,
		"icmprequests": cmdICMPRequests,
		"icmptarget":   cmdICMPTarget,
		"idlecpu":      cmdIdleCPU,
		"imports":      cmdImports,
		"ipproto":      cmdIPProto,
		"memory":       cmdMemory,
		"notifyunbuf":  cmdNotifyUnbuf,
		"outlines":     cmdOutLines,
		"pingbusy":     cmdPingBusy,
		"pingstats":    cmdPingStats,
		"probeports":   cmdProbePorts,
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
		"threads":      cmdThreads,
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
		"udpwaits":     cmdUDPWaits,
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
