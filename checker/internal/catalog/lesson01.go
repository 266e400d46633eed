package catalog

var lesson01 = Lesson{
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
}
