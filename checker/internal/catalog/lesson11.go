package catalog

var lesson11 = Lesson{
	Number: 11, Slug: "udp-echo", Title: "A datagram echo server",
	Contract: []Clause{
		{ID: "flags", Text: "**Flags:** `-addr host:port`, default `127.0.0.1:65432`. The checker always passes `-addr` with port 0.",
			Taught: "the checker never binds a fixed port, so the default is not tried."},
		{ID: "echo_datagram", Checks: []string{"echo_hello", "datagram_burst", "datagram_sizes"},
			Text: "**Echo:** every datagram received is sent back unchanged (any byte values) as exactly one datagram: never merged with another, never split, never padded or cut. The checker waits at most 3 seconds for each echo."},
		{ID: "echo_sizes", Checks: []string{"datagram_sizes", "datagram_empty"},
			Text: "**Any size:** from 1 byte to 65507 (the largest UDP payload over IPv4), and the empty datagram, a message like any other, whose echo is an empty datagram."},
		{ID: "echo_source", Checks: []string{"echo_hello", "peers_each"},
			Text: "**Reply address:** each echo goes to the address its datagram came from, and leaves from the socket the datagram arrived on. Bound to one address (the checker binds `127.0.0.1` or `127.0.0.2`), the echo's source address is therefore the one the peer sent to. (Bound to a wildcard, the kernel picks the source address: see \"One socket, many addresses\".)"},
		{ID: "echo_order", Checks: []string{"datagram_burst"},
			Text: "**Order:** datagrams are answered one by one in the order they are read, so one peer's echoes come back in the order it sent them (on loopback nothing reorders them on the way)."},
		{ID: "peers_any", Checks: []string{"peers_each", "peers_crowd", "peers_later"},
			Text: "**Peers:** any number of them, at the same time, for as long as the server runs. No peer is special, and no peer ever receives another's echo."},
	},
	Server: &Server{Net: "udp", Poke: "udpdial c\nudpsend c 'ping'\nudpexpect c 'ping'"},
	Hints: map[string]string{
		"echo_hello":     `ReadFrom one datagram, then WriteTo the same bytes, buf[:n], to the address ReadFrom returned, on the same socket ("One socket, every peer").`,
		"datagram_sizes": `Read into a buffer of 64 KiB: a shorter one cuts a big datagram without any error; send each echo with one WriteTo, never in pieces ("The read buffer", "How big a datagram can be").`,
		"datagram_empty": `ReadFrom returning n == 0 and no error is an empty datagram, a real message: echo buf[:0] to its sender ("The empty datagram").`,
		"datagram_burst": `One ReadFrom is one datagram, and one WriteTo sends one: echo each datagram by itself as soon as it is read, in the order read, however many a peer sends a second ("Datagrams, not streams").`,
		"peers_each":     `Reply to the address that this ReadFrom returned, never to a peer remembered from earlier ("One socket, every peer").`,
		"peers_later":    `Never give the loop a deadline that ends it or stops it reading: a server waits in ReadFrom for as long as it runs, however long nobody sends ("One socket, every peer").`,
		"peers_crowd":    `One loop on one socket serves every peer: read a datagram into the 64 KiB buffer, echo it whole to its own sender, read the next ("One socket, every peer").`,
	},
	Guide: []string{
		"UDP carries datagrams, not a stream: no handshake, no connection to accept, and each read returns exactly one whole message, from whichever peer sent it, while each write sends exactly one. So one socket talks to every peer, and the reply must go to the address that came with the datagram being answered. A datagram larger than your read buffer is cut without a word, and an empty datagram is still a message that deserves its echo. Reread \"Datagrams, not streams\", \"One socket, every peer\" and \"The empty datagram\".",
		"`net.ListenPacket` on network `udp` creates and binds the socket and returns a `net.PacketConn`: `LocalAddr()` is the address really bound, `ReadFrom(buf)` returns one datagram's length and its sender, and `WriteTo(p, addr)` sends `p` as one datagram. After `Close`, `ReadFrom` returns an error wrapping `net.ErrClosed`. The trap is the buffer's size: make it 64 KiB, since a smaller one truncates big datagrams and `ReadFrom` returns no error for it. Reread \"The read buffer\", \"How big a datagram can be\" and \"The Go API you need\".",
		"Bind with `net.ListenPacket`, `log.Fatalf` on failure, and print `listening on ` with `conn.LocalAddr()`. Catch SIGINT and SIGTERM in a goroutine that closes the socket, then call `serve`. In `serve`, make one 64 KiB buffer and loop: read a datagram and its sender; return nil on `net.ErrClosed`, log another error and go on; otherwise write `buf[:n]` back to that sender, even when `n` is 0, and log a write error without stopping. Reread \"Step-by-step tasks\".",
	},
}
