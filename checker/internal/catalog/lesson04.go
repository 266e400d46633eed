package catalog

var lesson04 = Lesson{
	Number: 4, Slug: "concurrent-server", Title: "Serving many clients at once", Race: true,
	Hints: map[string]string{
		"echo_hello":         `Start from your lesson 02 server ("Step-by-step tasks").`,
		"clients_concurrent": `Serve each connection in its own goroutine so Accept comes straight back ("A goroutine per connection"); a data race report means shared state without a lock ("Sharing state safely").`,
		"shutdown_drain":     `After SIGTERM, stop accepting but let the connections in progress finish before printing the totals (sync.WaitGroup, "Stopping cleanly").`,
		"idle_client":        `No lock may be held while a goroutine waits on the network ("Sharing state safely").`,
		"stats_exact":        `Count clients and bytes under a mutex, and wait for every connection to finish before printing ("Sharing state safely").`,
		"shutdown_signal":    `On SIGTERM: close the listener, wait for the connections (sync.WaitGroup), print the totals, exit 0 ("Stopping cleanly").`,
	},
}
