package catalog

var lesson03 = Lesson{
	Number: 3, Slug: "tcp-echo-client", Title: "An echo client",
	Contract: []Clause{
		{ID: "flags", Text: "**Flags:** `-addr HOST:PORT`, the server to connect to, default `127.0.0.1:65432`; `-msg TEXT`, the message, default `Hello, world`; `-timeout DURATION`, default `5s`. The checker always passes `-addr`; it passes a short `-timeout` (500ms, 1s or 1300ms) in some of the checks where things go wrong.",
			Taught: "the checker runs its own servers on ports the kernel picks, so the default address is not tried."},
		{ID: "wire_message", Checks: []string{"echo_hello", "echo_slow_server"},
			Text: "**On the wire:** it sends exactly the bytes of `-msg` (or of its default), nothing added: no newline, no length."},
		{ID: "whole_echo", Checks: []string{"echo_slow_server", "echo_large"},
			Text: "**The whole echo:** it reads until it has as many bytes as it sent, however many pieces they arrive in (the checker's server answers 3 bytes at a time, and echoes 100,000 bytes)."},
		{ID: "success_output", Checks: []string{"echo_hello", "echo_large", "echo_slow_server", "echo_extra"},
			Text: "**On success:** stdout is the echo followed by one newline (`Hello, world\\n`) and nothing else, and the exit status is 0. The echo is as many bytes as it sent: bytes the server sends after them are never printed (the checker's server sends the message back twice)."},
		{ID: "early_close", Checks: []string{"error_early_close"},
			Text: "**A server that closes before the whole echo came back** (after part of it, or before its first byte): one line on stderr, nothing on stdout (not even the part that came), exit status 1."},
		{ID: "timeout_default", Checks: []string{"timeout_default", "timeout_late_connect"},
			Text: "**Timeout:** `-timeout` bounds the whole wait, from connecting to the last byte of the echo: a connect that took 1 second of `-timeout 1300ms` leaves 300ms for the echo (the checker's server lets the connect through after 1 second, then says nothing, and the client must be gone within 1 second of connecting); without the flag it is 5 seconds, the default that `-h` shows (`(default 5s)`, as the flag package prints it)."},
		{ID: "timeout_connect", Checks: []string{"timeout_connect"},
			Text: "**Connecting** gets the same timeout, all of it. A connect that never completes (the server's accept queue is full) is given up at the timeout, not tried again past it: with `-timeout 1s` the client ends within 2 seconds of its first SYN, with one line on stderr, nothing on stdout and exit status 1."},
	},
	// The message is long enough (64 bytes) that client_drip's reply, a
	// byte every 100ms, would take 6.4s to complete: it never does within
	// the check.
	Client: &Client{Args: "-msg 'a reply of one byte every 100ms takes 6.4s to echo these 64 byte' ", Timeout: "-timeout 500ms"},
	Hints: map[string]string{
		"echo_hello":           `Connect, write the whole message as it is, read the reply, print it with one newline ("Step-by-step tasks").`,
		"echo_slow_server":     `One Read returns what has arrived so far; read until you have as many bytes as you sent ("Reading the whole reply").`,
		"echo_large":           `Read in a loop (io.ReadFull) until the whole echo is in ("Reading the whole reply").`,
		"error_early_close":    `A reply shorter than the message is an error, an empty one too (io.ReadFull returns io.EOF then): say so on stderr, print nothing on stdout, exit 1 ("When things go wrong").`,
		"echo_extra":           `Read exactly len(msg) bytes (io.ReadFull into a buffer of that size) and print those: one Read may return more than the echo ("Reading the whole reply").`,
		"timeout_late_connect": `Compute the deadline once, before dialling: give the dial the time left until it, and set that same deadline on the connection, not a new one counted from after the connect ("When things go wrong").`,
		"timeout_default":      `Declare -timeout with flag.Duration and a default of 5*time.Second, and always set the deadline from it ("When things go wrong").`,
		"timeout_connect":      `Connect with net.DialTimeout(..., timeout), not net.Dial, and once: a deadline set on the connection comes too late for the connect, and a dial tried again after it timed out waits past the timeout ("When things go wrong").`,
	},
	Guide: []string{
		"A client has the same stream to deal with as the server: one read returns whatever bytes have arrived so far, so the echo is complete only when you hold as many bytes as you sent, and a server that closes sooner has broken the exchange. And because a server may never answer at all, the whole exchange, from the connect to the last byte of the echo, needs a time limit you set yourself. Reread \"Reading the whole reply\" and \"When things go wrong\".",
		"`net.DialTimeout` on network `tcp`, with the timeout, connects or gives up, and returns a `net.Conn`; `conn.SetDeadline(t)` makes every later `Read` and `Write` fail with `os.ErrDeadlineExceeded` after the instant `t`. `conn.Write` sends all of the message or fails, and `io.ReadFull(conn, buf)` reads until `buf` is full, returning `io.ErrUnexpectedEOF` (or `io.EOF` before the first byte) when the server closes early. The trap: a deadline set on the connection cannot cover the connect, so the dial itself needs the timeout too. Reread \"The Go API you need\".",
		"Compute the deadline first, `time.Now().Add(timeout)`, then dial with the timeout and wrap its error as the connect step; `defer conn.Close()` at once and set the one deadline. Write the message as it is, with no newline, then make a buffer of `len(msg)` bytes and fill it with `io.ReadFull`. An early end becomes an error that says how many of how many bytes came back, any other error is wrapped with the address, and only a full buffer is returned for `main` to print. Reread \"Step-by-step tasks\".",
	},
}
