package catalog

var lesson12 = Lesson{
	Number: 12, Slug: "udp-retries", Title: "Timeouts, retries and request IDs over UDP",
	Hints: map[string]string{
		"reply_hello":     `Send 'ID TEXT' as one datagram, read one datagram, print what follows the ID and its space; one request per -msg, in order, one line per reply ("Step-by-step tasks").`,
		"reply_stale":     `Accept a reply only when its ID is the request's; otherwise read again with the same deadline, without sending again ("Request IDs").`,
		"reply_duplicate": `Give each request its own ID (the next number) and ignore replies that carry any other: the second copy of an old reply is not the answer to the new request ("Request IDs").`,
		"retry_late":      `After a timeout send the same datagram again, with the same ID, and double the wait for each new try ("Timeouts and retries", "Exponential backoff").`,
		"giveup_mute":     `Count the tries: after -tries of them with no valid reply, print one line on stderr and exit 1 ("Timeouts and retries").`,
		"retry_lossy":     `Any datagram may be lost, duplicated or overtaken: retry with the same ID and skip replies with other IDs; replay a failure with the --seed the checker printed ("Request IDs").`,
		"error_refused":   `Connect the socket (net.Dial on network udp) so the kernel reports ICMP port unreachable; stop at the first syscall.ECONNREFUSED with one line on stderr ("Port unreachable: ECONNREFUSED on a datagram socket").`,
	},
}
