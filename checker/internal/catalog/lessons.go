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
	},
	{
		Number: 6, Slug: "binary-framing", Title: "Length-prefixed binary messages",
		Hints: map[string]string{
			"frame_hello":      `Read the 4-byte length, then exactly that many bytes, and reply with one frame whose payload is sha256.Sum256 of them ("The protocol").`,
			"frame_empty":      `A length of 0 is a whole frame with no payload: it gets a reply too, the digest of nothing ("The protocol").`,
			"header_trickle":   `The 4 header bytes may arrive one at a time: read them with io.ReadFull, never with a single Read ("Reading exactly n bytes").`,
			"frames_pipelined": `One Read may return several frames, or stop inside one: read exactly 4 bytes, then exactly n, and leave the rest for the next frame ("Reading exactly n bytes").`,
			"frame_large":      `A large payload arrives in many pieces: fill the whole slice with io.ReadFull ("Reading exactly n bytes").`,
			"byte_order":       `Lengths are big-endian, the network byte order, both in requests and in replies: use binary.BigEndian ("Byte order").`,
			"limit_exact":      `A length equal to -max is accepted; one above it is refused by closing the connection without a reply ("Never trust a length").`,
			"oversize_refused": `Compare the length with the limit before make([]byte, n), close that connection, and keep serving the others ("Never trust a length").`,
			"eof_midframe":     `io.EOF before a header is a clean end; a frame cut short (io.ErrUnexpectedEOF) gets no reply, only a close ("Reading exactly n bytes").`,
			"shutdown_signal":  `On SIGINT or SIGTERM close the listener and return from main, so the exit status is 0 ("What the checker tests").`,
		},
	},
	{
		Number: 7, Slug: "deadlines", Title: "Timeouts on both ends",
		Hints: map[string]string{
			"echo_lines":          `Read with a bufio.Reader up to each '\n' (ReadSlice or ReadString) and write the whole line back; close at EOF; on SIGTERM close the listener and return ("Step-by-step tasks").`,
			"idle_silent":         `Before reading each line, conn.SetReadDeadline(time.Now().Add(idle)); when the read fails with os.ErrDeadlineExceeded, close that connection and keep serving the others ("An idle timeout per line").`,
			"idle_slowloris":      `Set the deadline once per line, not before every Read: bytes that trickle in must not push it back ("An idle timeout per line").`,
			"idle_active":         `A deadline is an instant, not a duration: set a fresh one before each line, or an active client is cut off when the first one passes ("Deadlines are instants").`,
			"idle_stalled":        `Serve each connection in its own goroutine with its own per-line deadline: a stalled client is cut off when its time is up, and holds up nobody meanwhile ("An idle timeout per line").`,
			"client_echo":         `Send -msg followed by '\n', read up to the newline (bufio.Reader.ReadString) and print that line ("Step-by-step tasks").`,
			"client_timeout_dial": `Connect with a net.Dialer whose Timeout is -dial-timeout; when Dial fails with a timeout, the stderr line says 'dial timeout' ("Timeouts in the client").`,
			"client_timeout_read": `After connecting, conn.SetDeadline(time.Now().Add(timeout)) before writing and reading; when the read fails with a timeout, the stderr line says 'read timeout' ("Timeouts in the client").`,
			"client_errors":       `Say 'dial timeout' or 'read timeout' only when the error is a timeout (errors.As into a net.Error, then Timeout()); report other errors as they are ("Telling a timeout from other errors").`,
		},
	},
	{
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
	},
	{
		Number: 9, Slug: "addresses-and-options", Title: "Addresses, families and socket options",
		Hints: map[string]string{
			"whoami_ipv4":       `Listen on network tcp (not tcp6) so that one socket takes IPv4 clients too, and Unmap the peer's address before you print it or pick the family word ("One socket, two families").`,
			"whoami_ipv6":       `Listen on network tcp (not tcp4), and print the peer with netip.AddrPort's String or net.JoinHostPort, which put an IPv6 address in brackets ("Addresses as text").`,
			"listen_loopback":   `Hand -addr to the listener unchanged, on network tcp: a wildcard host gets both families, a specific address only its own ("One socket, two families").`,
			"resolve_addresses": `Read the -hosts file yourself. A line is an address, then names: compare NAME with each whole name field, ignoring case, and print the family, a space and the address, in the file's order ("Where names come from").`,
			"resolve_canonical": `Parse the first field with netip.ParseAddr and print the parsed Addr, not the text as the file spells it ("Addresses as text").`,
			"resolve_comments":  `Cut each line at the first # before splitting it into fields, and skip a line whose first field does not parse as an address ("Where names come from").`,
			"resolve_file_only": `Open and parse the -hosts file yourself: net.LookupHost and net.Resolver ask the system, which reads /etc/hosts and DNS ("Where names come from").`,
			"reuseport_shared":  `Set SO_REUSEPORT (not SO_REUSEADDR) from net.ListenConfig's Control function, and only when -reuseport is given ("Socket options that matter").`,
			"sockaddr_bytes":    `Put the port into two bytes with binary.BigEndian, and take the address bytes from netip.Addr's AsSlice: 4 for IPv4, 16 for IPv6 ("Network byte order").`,
			"sockaddr_errors":   `Parse with netip.ParseAddrPort, which wants a numeric address, brackets around IPv6 and a port that fits 16 bits; on error, one line on stderr and exit 1 ("Addresses as text").`,
			"shutdown_signal":   `Catch SIGINT and SIGTERM, close the listener and return from main; logs go to stderr, so stdout holds only the readiness line ("What the checker tests").`,
		},
	},
	{
		Number: 10, Slug: "chat-server", Title: "A chat server", Race: true,
		Hints: map[string]string{
			// lesson 10's hints: one per check
		},
	},
	{
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
	},
	{
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
	},
	{
		Number: 13, Slug: "reliable-udp", Title: "Reliable file transfer over UDP",
		Hints: map[string]string{
			// lesson 13's hints: one per check
		},
	},
	{
		Number: 14, Slug: "dns-client", Title: "A DNS client from the RFC",
		Hints: map[string]string{
			// lesson 14's hints: one per check
		},
	},
	{
		Number: 15, Slug: "icmp-ping", Title: "Ping over a raw socket", Isolated: true,
		Hints: map[string]string{
			// lesson 15's hints: one per check
		},
	},
	{
		Number: 16, Slug: "traceroute", Title: "Traceroute, hop by hop", Isolated: true,
		Hints: map[string]string{
			// lesson 16's hints: one per check
		},
	},
	{
		Number: 17, Slug: "ip-crafting", Title: "IPv4 and UDP headers by hand", Isolated: true,
		Hints: map[string]string{
			// lesson 17's hints: one per check
		},
	},
	{
		Number: 18, Slug: "packet-sniffer", Title: "A packet sniffer", Isolated: true,
		Hints: map[string]string{
			// lesson 18's hints: one per check
		},
	},
}
