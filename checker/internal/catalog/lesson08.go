package catalog

var lesson08 = Lesson{
	Number: 8, Slug: "shutdown", Title: "Stopping without losing a byte", Race: true,
	Hints: map[string]string{
		"reply_lines":       `Each line read is one request: answer it with the line in upper case and a newline, in the order received ("What the checker tests").`,
		"eof_halfclose":     `EOF from the client means no more requests: answer what you read, then close, so the client sees your FIN ("Half-close").`,
		"clients_many":      `Close every connection on every path, EOF and errors alike (defer); a socket that the client closed and you did not sits in CLOSE_WAIT ("Leaks: CLOSE_WAIT and descriptors").`,
		"shutdown_inflight": `On SIGTERM close the listener, but let each connection finish the request it has read and send the reply before closing ("Draining on SIGTERM").`,
		"shutdown_idle":     `A goroutine blocked waiting for the next request does not notice SIGTERM: wake it with SetReadDeadline(time.Now()) so it can say goodbye ("Draining on SIGTERM").`,
		"shutdown_unread":   `Never Close with unread bytes in the receive buffer: CloseWrite, read until the client's EOF, then Close ("FIN or RST").`,
		"shutdown_grace":    `Wait for the connections at most -grace, then close those left and exit 0 ("The grace period").`,
		"client_halfclose":  `After sending, CloseWrite so the server sees EOF, then read until the server closes ("Half-close").`,
		"client_lost_reply": `Count the reply lines: fewer than the requests means replies were lost; say so on stderr and exit 1 ("Counting replies").`,
		"client_server":     `Run your server and your client together by hand; the client prints each reply line as it comes ("Try it by hand").`,
	},
}
