package scriptcmd

// RunHelperIfAsked turns this process into one of the checker's helper
// processes when a check started it as one, and then exits: the peer of
// `unixdial -uid=N`, which connects as another user, or the load of
// `gameticks`, which sends on a clock of its own. Helpers are this very
// program started again (/proc/self/exe), so every program that runs
// scripts calls this first in main, and every test binary in TestMain.
func RunHelperIfAsked() {
	runUnixPeerIfAsked()
	runUDPLoadIfAsked()
}
