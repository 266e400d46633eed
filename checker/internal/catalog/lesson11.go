package catalog

var lesson11 = Lesson{
	Number: 11, Slug: "udp-echo", Title: "A datagram echo server",
	Hints: map[string]string{
		"echo_hello":      `ReadFrom one datagram, then WriteTo the same bytes, buf[:n], to the address ReadFrom returned, on the same socket ("One socket, every peer").`,
		"datagram_sizes":  `Read into a buffer of 64 KiB: a shorter one cuts a big datagram without any error; send each echo with one WriteTo, never in pieces ("The read buffer", "How big a datagram can be").`,
		"datagram_empty":  `ReadFrom returning n == 0 and no error is an empty datagram, a real message: echo buf[:0] to its sender ("The empty datagram").`,
		"datagram_burst":  `One ReadFrom is one datagram, and one WriteTo sends one: echo each datagram by itself as soon as it is read, in the order read ("Datagrams, not streams").`,
		"peers_each":      `Reply to the address that this ReadFrom returned, never to a peer remembered from earlier ("One socket, every peer").`,
		"peers_crowd":     `One loop on one socket serves every peer: read a datagram into the 64 KiB buffer, echo it whole to its own sender, read the next ("One socket, every peer").`,
		"shutdown_signal": `On SIGINT or SIGTERM close the socket; ReadFrom then returns an error wrapping net.ErrClosed: return and exit 0 ("Stopping").`,
	},
}
