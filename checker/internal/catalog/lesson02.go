package catalog

var lesson02 = Lesson{
	Number: 2, Slug: "tcp-echo-server", Title: "An echo server with the net package",
	Contract: []Clause{
		{ID: "flags", Text: "**Flags:** `-addr host:port`, default `127.0.0.1:65432`. The checker always passes `-addr` with port 0.",
			Taught: "the checker never listens on a fixed port, so the default is not tried."},
		{ID: "echo_bytes", Checks: []string{"echo_hello", "echo_sizes", "echo_boundaries"},
			Text: "**Echo:** on each connection, every byte received is sent back unchanged and in order: any byte value, any length (the checker sends up to 4 MiB and reads while it writes), in pieces of any size."},
		{ID: "echo_prompt", Checks: []string{"echo_hello", "echo_boundaries"},
			Text: "**At once:** each piece is echoed as it arrives, not held until a newline or until the client is done; the checker waits at most 3 seconds for each next byte."},
		{ID: "eof_close", Checks: []string{"eof_halfclose", "clients_sequential"},
			Text: "**End of connection:** when the client half-closes, the server sends what is left of the echo, then closes the connection with a FIN: the client reads EOF within 3 seconds, never a reset. Closing means `conn.Close()`, which frees the socket (`CloseWrite` sends the FIN but keeps it open): after three clients, the checker finds only the listening socket open in /proc."},
		{ID: "conn_errors", Checks: []string{"client_reset"},
			Text: "**Errors on one connection** (a failed read or write, a client that resets) end that connection only: log the error to stderr with its own text (`log.Print(err)`: a reset reads `connection reset by peer`) and accept the next client. The checker resets a client and, once the server has stopped, looks in its stderr for the reset."},
		{ID: "clients_sequential", Checks: []string{"clients_sequential"},
			Text: "**Clients** are served one after another for as long as the server runs; a client leaving never stops the server."},
		{ID: "stop_finishes", Checks: []string{"stop_client_connected"},
			Text: "**Stopping with a client connected:** SIGINT or SIGTERM closes the listener at once (new clients are refused) and never the connection being served: that client still gets its echo until it half-closes and reads EOF, and then the server exits 0. The checker sends SIGTERM while a client is connected."},
		{ID: "signal_buffer", Checks: []string{"source_signal_buffer"},
			Text: "**Signal channel:** the channel given to `signal.Notify` has room for one value (`make(chan os.Signal, 1)`): Notify never waits for a receiver, so a signal sent while nobody receives from an unbuffered channel is lost. The checker reads your source for it, as `go vet` does."},
	},
	Server: &Server{Net: "tcp", Poke: "dial c\nsend c 'ping'\nexpect c 'ping'\nclosewrite c\nexpecteof c\nclose c"},
	Hints: map[string]string{
		"echo_hello":            `Accept, then copy what you read back to the client ("Step-by-step tasks").`,
		"echo_sizes":            `One Read is not one message: keep reading until EOF and write everything you read ("A stream has no messages").`,
		"echo_boundaries":       `Echo bytes, not lines: a message can arrive in any number of pieces and contain any byte ("A stream has no messages").`,
		"eof_halfclose":         `Read returning io.EOF means the client is done sending: finish writing, then close ("End of stream").`,
		"clients_sequential":    `Loop on Accept so the server outlives its first client, and close each connection with conn.Close() (defer it), not only CloseWrite: a socket left open leaks a descriptor per client ("The accept loop", "End of stream").`,
		"client_reset":          `An error on one connection ends that connection, not the server: log the error itself (log.Print(err)) and accept the next ("The accept loop").`,
		"stop_client_connected": `The signal goroutine only closes the listener; main returns once Accept fails with net.ErrClosed, after the client being served is done. No os.Exit in the goroutine ("The accept loop").`,
		"source_signal_buffer":  `Make the channel with room for one value, make(chan os.Signal, 1): signal.Notify drops a signal it cannot deliver at once ("Step-by-step tasks").`,
	},
	Guide: []string{
		"TCP carries a stream of bytes, not messages: the kernels on both sides cut and merge what was written, so one read on the server may hold half a write or three of them. The server's only job is to send back every byte it reads, in order, until the client half-closes its sending direction; then it finishes and closes its own side, which is the client's end of stream. Reread \"A stream has no messages\" and \"End of stream\".",
		"`net.Listen` on network `tcp` does socket, bind and listen and returns a `net.Listener`; its `Addr()` is the address really bound, and its `Accept()` returns a `net.Conn` per client, or an error wrapping `net.ErrClosed` once the listener is closed. `conn.Read` returns `0, io.EOF` after the client's FIN, and `conn.Write` writes everything or fails. The trap: a `Read` may return bytes and an error together, so handle `n > 0` before you look at `err`, and test `io.EOF` with `errors.Is` as the normal end, not a failure. Reread \"The Go API you need\" and \"Readiness\".",
		"Listen (on failure `log.Fatalf`), then print `listening on ` with `ln.Addr()`, never the flag. Hand SIGINT and SIGTERM to a goroutine through `signal.Notify` that closes the listener, so that the accept loop sees `net.ErrClosed` and returns; any other accept error is logged and the loop goes on. `echo` keeps its `defer conn.Close()` and loops: read into one buffer, write back `buf[:n]`, return nil at `io.EOF` and any other error as it is; main logs that error and accepts the next client. Reread \"The accept loop\" and \"Step-by-step tasks\".",
	},
}
