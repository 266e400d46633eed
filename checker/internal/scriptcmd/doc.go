// Package scriptcmd holds the testscript commands that the lesson suites use
// to talk to a learner's program over the network. The checker and the
// course's own tests register the same table, so a suite behaves identically
// under `go run ./checker` and `go test`.
//
// Every command has testscript's shape. Arguments written TEXT accept the
// escapes \n, \r, \t, \\, \0 and \xHH, so a suite can send any byte. Reads
// wait at most the idle timeout (3s) for the next byte and never past the
// script's own deadline.
//
// The vocabulary:
//
//	chatroom [-slow] N M SIZE
//		Speak lesson 10's chat protocol with N clients, named u1 to uN.
//		All send their nickname at once, and each must get "welcome uK"
//		as its first line; then each sends M messages of SIZE bytes, all
//		at the same time, in writes that cut lines anywhere. Every client
//		must receive every other client's messages exactly once, in each
//		sender's order, and never its own, and of any two clients exactly
//		one must be told "* NICK joined" about the other. The senders keep
//		at most 96 lines on their way to any one reader. With -slow, a
//		client named slow joins first and never reads: the others must
//		still get every message promptly, then "* slow left", and slow,
//		read at last, must find a gapless part of the talk and then the
//		end of the connection.
//	close NAME
//		Close connection NAME.
//	closewrite NAME
//		Half-close connection NAME: send FIN, keep reading.
//	crowd N SIZE
//		Open N connections to $ADDR at once. Once all are open, each sends
//		SIZE bytes and must read the same bytes back while every other
//		connection is still open; then each half-closes and expects EOF.
//		A server that serves one client at a time fails here.
//	dial NAME [ADDR]
//		Connect over TCP to ADDR (default $ADDR) and call the connection
//		NAME; set $LOCAL_NAME to its local address, the one the server
//		sees. With !, the connection must be refused.
//	discards PKG.FUNC
//		Some call to PKG.FUNC in the lesson's Go source drops its first
//		result (a call on its own, or assigned to _). Used as
//		`! discards unix.Write`: a write's count must be used, since a
//		short write is rare on a test machine but real.
//	dnsasked NAME TYPE
//		The first query the dnsserver received is a standard query with RD
//		set and exactly one question: NAME, TYPE (A, AAAA...), class IN.
//	dnsserver ZONEFILE [normal|truncated|wrongid]
//		Run a DNS server over UDP inside the checker, answering from
//		ZONEFILE (lines "NAME TYPE VALUE", TYPE A, AAAA or CNAME; CNAMEs are
//		followed), with compressed names; set $DNSSERVER. Unknown names get
//		NXDOMAIN. truncated: every reply has the TC flag and no answers.
//		wrongid: every reply is preceded by one whose ID is the query's
//		plus one.
//	exits
//		Wait (at most 5s) for the server to exit on its own, with status 0
//		and no data race reported. Its stdout becomes what `stdout` matches.
//	expect NAME TEXT
//		Read from NAME until len(TEXT) bytes arrived; they must equal TEXT.
//	expecteof NAME
//		The peer must close NAME (EOF) with no further bytes.
//	expectline NAME REGEXP
//		Read one line from NAME (up to "\n", which is not part of it, nor
//		a "\r" before it); the whole line must match REGEXP.
//	fakeserver MODE
//		Run a TCP server inside the checker and set $ADDR to it, for
//		lessons whose program is a client. MODE is echo (echo at once),
//		trickle (echo in 3-byte pieces, 10ms apart), closeearly (echo half
//		of the first bytes, then close), silent (accept, never answer) or
//		blackhole (a full accept queue: a connect there hangs; Linux only).
//	fds MAX
//		The server has at most MAX file descriptors open (waiting up to 1s
//		for it to close those of clients that just left). Linux only.
//	freeport [tcp|udp]
//		Set $ADDR to a loopback address where nothing listens, for TCP
//		(the default) or UDP.
//	gen NAME SIZE
//		Set the variable NAME to SIZE printable bytes of a fixed pattern.
//	genfile FILE SIZE
//		Write SIZE bytes of a seeded pattern to FILE.
//	imports PKG...
//		The lesson's Go source imports one of the packages PKG (exact
//		import paths). Used as `! imports net net/http`.
//	procstat FIELD MAXKB
//		The server's FIELD of /proc/PID/status (VmHWM: peak resident
//		memory; VmPeak: peak address space) is at most MAXKB KiB. Linux
//		only.
//	proxy UPSTREAM [drop=R] [dup=R] [reorder=R] [corrupt=R] [delay=D] [jitter=D]
//		Start a UDP proxy in front of UPSTREAM and set $PROXY to it. The
//		first address that sends to $PROXY is its client; datagrams go to
//		UPSTREAM (→) and replies back to the client (←). Each datagram's
//		fate (dropped, duplicated, held back so later ones overtake it,
//		one byte flipped, delayed) is drawn from a generator seeded by the
//		checker's --seed, one per direction: the same seed and the same
//		datagrams give the same fates. Every failure in the script prints
//		the end of the proxy's record, and the seed.
//	quiet NAME DURATION
//		Nothing arrives on NAME for DURATION, and it stays open. The only
//		command that waits a fixed time: an absence cannot be awaited.
//	received TEXT
//		The fake server received exactly TEXT, over all connections.
//	reset NAME
//		Abort connection NAME: close it with linger 0, which sends RST.
//	roundtrip [-interrupt] NAME SIZE [CHUNK]
//		Write SIZE bytes of a seeded pattern to NAME in writes of CHUNK bytes
//		(default 65536, with Nagle off so small writes leave one by one)
//		while reading the echo; the echo must equal what was sent. With
//		-interrupt, read slowly and send SIGURG to every thread of the
//		server every 500µs, so that its blocked writes return short counts
//		(Linux only; Go programs ignore a SIGURG they did not ask for).
//	run [-within=DURATION] ARGS...
//		Run the lesson's program with ARGS until it exits (at most
//		DURATION, default 10s). Its stdout and stderr become what `stdout`
//		and `stderr` match. Fails unless it exits 0; with !, fails unless
//		it exits 1, the course's status for a program that reports an
//		error.
//	samefile WANT GOT
//		File GOT has exactly the bytes of file WANT; a failure gives both
//		sizes and SHA-256 sums, and where they first differ.
//	send NAME TEXT
//		Write TEXT to NAME.
//	sendgen NAME SIZE
//		Write SIZE printable bytes with no newline to NAME. A write error
//		(the server closed on us) is not a failure: the next command
//		checks what the server did.
//	serve ARGS...
//		Start the lesson's program with ARGS in the background and wait (at
//		most 5s) for its stdout line `listening on HOST:PORT`; set $ADDR,
//		$HOST and $PORT from it.
//	sigterm
//		Send SIGTERM to the server and wait (at most 5s) until nothing
//		listens on $PORT any more, without waiting for the server to exit:
//		clients already connected can still be checked. Linux only.
//	sockets STATE MAX
//		At most MAX TCP sockets with local port $PORT are in STATE
//		(CLOSE_WAIT, TIME_WAIT, ESTABLISHED...), waiting up to 1s for it.
//		Linux only.
//	terminate
//		Send SIGTERM to the server and wait (at most 5s) for it to exit 0
//		with no data race reported. Its stdout becomes what `stdout`
//		matches.
//	trickle NAME TEXT INTERVAL
//		Write TEXT to NAME one byte at a time, INTERVAL apart (a slow
//		client).
//	udpattempts MIN MAX
//		The udpserver received between MIN and MAX requests in all.
//	udpbackoff FACTOR
//		The udpserver received at least 3 requests, and each wait between
//		two was at least FACTOR times the wait before it.
//	udpcrowd N M SIZE
//		N UDP peers at once each send M datagrams of SIZE bytes to $ADDR,
//		one at a time, and must get each back exactly, from $ADDR.
//	udpdial NAME [ADDR]
//		Open a UDP socket on loopback that talks to ADDR (default $ADDR);
//		set $LOCAL_NAME to its address. It is not connected, so a reply
//		from a wrong address is seen and reported.
//	udpexpect NAME TEXT
//		One datagram arrives on NAME within 3s, from the address NAME talks
//		to, and equals TEXT exactly (not merged, not split).
//	udpexpectgen NAME SIZE
//		Like udpexpect, for the datagram that udpsendgen NAME SIZE sends.
//	udpquiet NAME DURATION
//		No datagram arrives on NAME for DURATION.
//	udpsend NAME TEXT
//		Send TEXT as one datagram ('' sends an empty one).
//	udpsendgen NAME SIZE
//		Send one datagram of SIZE bytes (at most 65507) of a seeded pattern.
//	udpserver MODE
//		Run a UDP request/response server inside the checker and set
//		$UDPSERVER to it. A request is "ID TEXT", ID in decimal; the reply
//		is "ID " then TEXT in upper case. MODE: normal; dup (each reply
//		sent twice); stale (each reply preceded by one for ID+1000, text
//		STALE); late (only the third try of each ID is answered); mute
//		(nothing is answered). It records every request's arrival.
//
// Conditions: [ipv6] is true when the machine can listen on ::1.
package scriptcmd
