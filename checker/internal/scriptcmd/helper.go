package scriptcmd

// RunHelperIfAsked turns this process into one of the checker's helper
// processes when a check started it as one, and then exits: the peer of
// `unixdial -uid=N`, which connects as another user, or the load of
// `gameticks` and the signals of `roundtrip -interrupt`, which keep a pace
// that a goroutine of a checker running many checks at once cannot (its
// timers can be 10ms late). Helpers are this very
// program started again (/proc/self/exe), so every program that runs
// scripts calls this first in main, and every test binary in TestMain.
func RunHelperIfAsked() {
	runUnixPeerIfAsked()
	runHelpersIfAsked()
}
