package catalog

var lesson05 = Lesson{
	Number: 5, Slug: "line-protocol", Title: "A key-value server speaking lines", Race: true,
	Hints: map[string]string{
		"commands_basic":     `Cut the line at its first space into command and arguments; SET's value is the rest of the line after the key, spaces included; drop a '\r' before the '\n' ("The protocol").`,
		"commands_split":     `One Read is not one command: read up to a '\n' with bufio.Reader.ReadSlice and never answer part of a line ("Bytes in, lines out"); flush a reply unless a whole command is already waiting ("Pipelining and flushing").`,
		"commands_pipelined": `Keep one bufio.Reader for the whole connection and answer every line it holds, in order; copy a line (string(line)) before you keep it ("Reading lines with bufio").`,
		"commands_bad":       `An unknown command or missing arguments get an ERR reply, and the loop goes on with the next line ("The protocol").`,
		"line_too_long":      `Make the reader's buffer the limit (bufio.NewReaderSize(conn, maxLine+1)) and bufio.ErrBufferFull means too long ("Bounding a line"); reply, flush, then hangUp, so the client gets FIN and not RST ("When the server hangs up").`,
		"line_limit_flag":    `A line may hold -maxline bytes before its '\n'; refuse it as soon as more have arrived with no '\n' ("Bounding a line"); reply, flush, then hangUp ("When the server hangs up").`,
		"quit_closes":        `After QUIT, flush BYE, hangUp and return, without running what follows it ("When the server hangs up").`,
		"clients_shared":     `Serve each client in its own goroutine and lock the store's mutex in every method ("One store for every client"); pipelined batches need one reader per connection ("Pipelining and flushing").`,
		"shutdown_signal":    `On SIGINT or SIGTERM close the listener and return from main, so the exit status is 0 ("What the checker tests").`,
	},
}
