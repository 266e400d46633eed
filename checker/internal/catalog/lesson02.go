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
			Text: "**End of connection:** when the client half-closes, the server sends what is left of the echo, then closes the connection with a FIN: the client reads EOF within 3 seconds, never a reset."},
		{ID: "conn_errors", Checks: []string{"client_reset"},
			Text: "**Errors on one connection** (a failed read or write, a client that resets) end that connection only: log them to stderr and accept the next client."},
		{ID: "clients_sequential", Checks: []string{"clients_sequential"},
			Text: "**Clients** are served one after another for as long as the server runs; a client leaving never stops the server."},
	},
	Server: &Server{Net: "tcp", Poke: "dial c\nsend c 'ping'\nexpect c 'ping'\nclosewrite c\nexpecteof c\nclose c"},
	Hints: map[string]string{
		"echo_hello":         `Accept, then copy what you read back to the client ("Step-by-step tasks").`,
		"echo_sizes":         `One Read is not one message: keep reading until EOF and write everything you read ("A stream has no messages").`,
		"echo_boundaries":    `Echo bytes, not lines: a message can arrive in any number of pieces and contain any byte ("A stream has no messages").`,
		"eof_halfclose":      `Read returning io.EOF means the client is done sending: finish writing, then close ("End of stream").`,
		"clients_sequential": `Loop on Accept so the server outlives its first client ("The accept loop").`,
		"client_reset":       `An error on one connection ends that connection, not the server: log it and accept the next ("The accept loop").`,
	},
}
