package catalog

// lessons is the syllabus as it ships. Hints name the README section to
// reread; every check of every suite has one (catalog_test makes sure).
var lessons = []Lesson{
	{
		Number: 1, Slug: "socket-lifecycle", Title: "A TCP server from raw system calls",
		Hints: map[string]string{
			"source_no_net":      `Use golang.org/x/sys/unix for every socket call: see "The Go API you need".`,
			"echo_hello":         `Walk the server workflow again: socket, setsockopt, bind, listen, accept, read, write, close ("Step-by-step tasks").`,
			"echo_large":         `read returns what has arrived so far, and write may take less than you gave it: loop on both ("Short reads and short writes").`,
			"echo_interrupted":   `A write interrupted by a signal returns how much it took; write the rest ("Short reads and short writes").`,
			"client_reset":       `An error on one connection ends that connection, not the server: log it and accept the next ("The accept loop").`,
			"source_write_count": `unix.Write returns how many bytes it took; write the rest again ("Short reads and short writes").`,
			"close_after_eof":    `read returning 0 bytes means the client closed its side: close the connection then ("End of stream").`,
			"clients_sequential": `After one client leaves, go back to accept for the next ("The accept loop").`,
			"reuseaddr_restart":  `Set SO_REUSEADDR before bind, or a restart fails while old connections sit in TIME_WAIT ("Why SO_REUSEADDR").`,
			"shutdown_signal":    `Catch SIGINT and SIGTERM with os/signal and exit 0 ("The program contract").`,
		},
	},
	{
		Number: 2, Slug: "tcp-echo-server", Title: "An echo server with the net package",
		Hints: map[string]string{
			"ready_address":      `Print the listener's own address, ln.Addr(), after net.Listen succeeds ("Readiness").`,
			"echo_hello":         `Accept, then copy what you read back to the client ("Step-by-step tasks").`,
			"echo_sizes":         `One Read is not one message: keep reading until EOF and write everything you read ("A stream has no messages").`,
			"echo_boundaries":    `Echo bytes, not lines: a message can arrive in any number of pieces and contain any byte ("A stream has no messages").`,
			"eof_halfclose":      `Read returning io.EOF means the client is done sending: finish writing, then close ("End of stream").`,
			"clients_sequential": `Loop on Accept so the server outlives its first client ("The accept loop").`,
			"client_reset":       `An error on one connection ends that connection, not the server: log it and accept the next ("The accept loop").`,
			"shutdown_signal":    `Catch SIGINT and SIGTERM with os/signal and exit 0 ("The program contract").`,
		},
	},
	{
		Number: 3, Slug: "tcp-echo-client", Title: "An echo client",
		Hints: map[string]string{
			"echo_hello":        `Connect, write the whole message, read the reply, print it ("Step-by-step tasks").`,
			"echo_slow_server":  `One Read returns what has arrived so far; read until you have as many bytes as you sent ("Reading the whole reply").`,
			"echo_large":        `Read in a loop (io.ReadFull) until the whole echo is in ("Reading the whole reply").`,
			"error_refused":     `When Dial fails, print one line to stderr and exit 1 ("When things go wrong").`,
			"error_early_close": `A reply shorter than the message is an error: say so on stderr and exit 1 ("When things go wrong").`,
		},
	},
	{
		Number: 4, Slug: "concurrent-server", Title: "Serving many clients at once", Race: true,
		Hints: map[string]string{
			"echo_hello":         `Start from your lesson 02 server ("Step-by-step tasks").`,
			"clients_concurrent": `Serve each connection in its own goroutine so Accept comes straight back ("A goroutine per connection"); a data race report means shared state without a lock ("Sharing state safely").`,
			"shutdown_drain":     `After SIGTERM, stop accepting but let the connections in progress finish before printing the totals (sync.WaitGroup, "Stopping cleanly").`,
			"idle_client":        `No lock may be held while a goroutine waits on the network ("Sharing state safely").`,
			"stats_exact":        `Count clients and bytes under a mutex, and wait for every connection to finish before printing ("Sharing state safely").`,
			"shutdown_signal":    `On SIGTERM: close the listener, wait for the connections (sync.WaitGroup), print the totals, exit 0 ("Stopping cleanly").`,
		},
	},
	{
		Number: 5, Slug: "line-protocol", Title: "A key-value server speaking lines",
		Hints: map[string]string{
			// lesson 05's hints: one per check
		},
	},
	{
		Number: 6, Slug: "binary-framing", Title: "Length-prefixed binary messages",
		Hints: map[string]string{
			// lesson 06's hints: one per check
		},
	},
	{
		Number: 7, Slug: "deadlines", Title: "Timeouts on both ends",
		Hints: map[string]string{
			// lesson 07's hints: one per check
		},
	},
	{
		Number: 8, Slug: "shutdown", Title: "Stopping without losing a byte",
		Hints: map[string]string{
			// lesson 08's hints: one per check
		},
	},
	{
		Number: 9, Slug: "addresses-and-options", Title: "Addresses, families and socket options",
		Hints: map[string]string{
			// lesson 09's hints: one per check
		},
	},
	{
		Number: 10, Slug: "chat-server", Title: "A chat server", Race: true,
		Hints: map[string]string{
			// lesson 10's hints: one per check
		},
	},
}
