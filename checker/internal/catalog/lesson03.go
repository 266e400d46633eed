package catalog

var lesson03 = Lesson{
	Number: 3, Slug: "tcp-echo-client", Title: "An echo client",
	Hints: map[string]string{
		"echo_hello":        `Connect, write the whole message, read the reply, print it ("Step-by-step tasks").`,
		"echo_slow_server":  `One Read returns what has arrived so far; read until you have as many bytes as you sent ("Reading the whole reply").`,
		"echo_large":        `Read in a loop (io.ReadFull) until the whole echo is in ("Reading the whole reply").`,
		"error_refused":     `When Dial fails, print one line to stderr and exit 1 ("When things go wrong").`,
		"error_early_close": `A reply shorter than the message is an error: say so on stderr and exit 1 ("When things go wrong").`,
	},
}
