package catalog

import "github.com/socketlings/socketlings/checker/internal/results"

var lesson04 = Lesson{
	Number: 4, Slug: "concurrent-server", Title: "Serving many clients at once", Race: true,
	Contract: []Clause{
		{ID: "flags", Text: "**Flags:** `-addr host:port`, default `127.0.0.1:65432`. The checker always passes `-addr` with port 0.",
			Taught: "the checker never listens on a fixed port, so the default is not tried."},
		{ID: "echo_bytes", Checks: []string{"echo_hello", "clients_concurrent", "idle_client"},
			Text: "**Echo:** every byte a client sends comes back to that client, unchanged and in order, as it arrives (the checker waits at most 3 seconds for each next byte)."},
		{ID: "echo_close", Checks: []string{"echo_hello", "clients_concurrent"},
			Text: "**End of connection:** when the client half-closes, the server sends what is left of the echo, then closes the connection: the client reads EOF."},
		{ID: "clients_concurrent", Checks: []string{"clients_concurrent", "idle_client", "slow_reader"},
			Text: "**Concurrency:** every connection is served at once, in its own goroutine. No client delays another: not 100 clients at once, not one that connects and says nothing, not one that sends without reading its echo (the server's write to it blocks, and only its own goroutine waits)."},
		{ID: "count_totals", Checks: []string{"stats_exact", "shutdown_drain"},
			Text: "**Counting:** N is the number of connections accepted, including ones that sent nothing; M is the number of bytes echoed, over all clients, including bytes echoed after the signal."},
		{ID: "shutdown_drain", Checks: []string{"shutdown_drain", "stats_exact"},
			Text: "**Stopping:** on SIGINT or SIGTERM, close the listener (new clients are refused), keep serving the clients still connected until they leave, however long they take (the checker keeps one 3 seconds), then print the line `served N clients, M bytes` on stdout (the word is always `clients`, even for one) and exit 0, within 5 seconds of the signal when no client is left."},
		{ID: "no_data_race", Checks: []string{"clients_concurrent", "stats_exact"},
			Text: "**No data race:** the checker builds the program with `-race`; a `WARNING: DATA RACE` report on stderr fails the check that stops the server, whatever the totals say."},
	},
	Server: &Server{Net: "tcp",
		Poke:       "dial c\nsend c 'ping'\nexpect c 'ping'\nclosewrite c\nexpecteof c\nclose c",
		Stdout:     []string{`served [0-9]+ clients, [0-9]+ bytes`},
		StdoutText: "then, once it stops, the totals line `served N clients, M bytes`",
	},
	CauseHints: map[results.Kind]string{
		results.Race: `A data race: two goroutines used the same variable, one of them writing, with nothing ordering them; the report names both places ("Sharing state safely").`,
	},
	Hints: map[string]string{
		"echo_hello":         `Start from your lesson 02 server: echo what you read, and close the connection at EOF ("Step-by-step tasks").`,
		"clients_concurrent": `Serve each connection in its own goroutine so Accept comes straight back ("A goroutine per connection"); a data race report means shared state without a lock ("Sharing state safely").`,
		"idle_client":        `No lock may be held while a goroutine waits on the network, in Read or Accept ("Mutex rules").`,
		"slow_reader":        `A Write blocks while the client does not read: never hold the lock around Write either; lock, add, unlock ("Mutex rules").`,
		"stats_exact":        `Count a client as soon as Accept returns it, count the bytes you echoed under the mutex, and wait for every connection before printing; SIGINT must do what SIGTERM does ("Sharing state safely", "Stopping cleanly").`,
		"shutdown_drain":     `After the signal, close the listener but let the connections in progress finish (sync.WaitGroup) before printing the totals ("Stopping cleanly").`,
	},
	Guide: []string{
		"A server that handles one connection at a time leaves every other client waiting in the kernel's queue, its handshake done but nobody reading, for as long as the first client stays. The cure is to serve each connection on its own line of execution, so that accepting never waits for a client; but then the counters they all update are shared, and every update needs an order, or two of them race. Reread \"Why the second client waits\", \"A goroutine per connection\" and \"Sharing state safely\".",
		"The `go` statement starts a goroutine per connection; a `sync.Mutex` in `stats` guards its fields with `Lock` and `Unlock`, and a `sync.WaitGroup` counts the goroutines (`Add`, `Done`, `Wait`, or `wg.Go` from Go 1.25). The traps: call `wg.Add(1)` before the `go`, not inside the goroutine, or `Wait` may return too early; and never hold the lock around `Read`, `Write` or `Accept`, which can block on the network for as long as a client likes. The checker builds with `-race`, so an unguarded field fails even when the totals look right. Reread \"The Go API you need\" and \"Stopping cleanly\".",
		"Give `stats` a mutex and three small methods that each lock, change or read, and unlock: count a client, add bytes, format the totals. In the accept loop, count the client as soon as `Accept` returns it, then start `echo` in a goroutine the wait group knows about; in `echo`, add `n` through the mutex after each successful `Write`. When `Accept` fails with `net.ErrClosed`, leave the loop, `wg.Wait()`, print `served N clients, M bytes` and return from `main`. Reread \"Step-by-step tasks\".",
	},
}
