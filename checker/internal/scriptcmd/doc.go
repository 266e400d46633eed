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
//	busyport [tcp|udp]
//		Hold a loopback port, TCP (the default) or UDP, until the script
//		ends, and set $ADDR to it: a program told to use it finds it taken.
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
//	ethersend IFACE TYPE SIZE
//		Send one Ethernet frame on IFACE to the broadcast address, with
//		EtherType TYPE (such as 0x88b5) and SIZE bytes of a seeded
//		pattern after the 14-byte header, and wait (at most 3s) until it
//		has arrived on an interface (on lo: lo itself; on one end of a
//		veth pair: the other end). Needs CAP_NET_RAW (Isolated lessons).
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
//	hops [-q=N] ADDR|*...
//		The output of the last `run` is a traceroute's (lesson 16): one
//		line per TTL from 1, in order, each the TTL, then per probe a
//		time `N ms` or `*`, an answer's address before its time; line K
//		names the K-th ADDR, or shows only `*` where that is `*`; no line
//		after the last. With -q=N, every line shows N probes. Then the
//		program's exit status: 0 if the last ADDR is $DEST, else 1 with
//		something on stderr.
//	icmpecho ADDR ID SEQ
//		Send an ICMP echo request (ICMPv6 for an IPv6 ADDR) with
//		identifier ID and sequence number SEQ from a raw socket, and wait
//		(at most 3s) for the matching echo reply from ADDR. Needs
//		CAP_NET_RAW (Isolated lessons).
//	icmprequests ADDR N [SIZE]
//		The icmptarget ADDR received exactly N echo requests: sequence
//		numbers 1 to N in order, one identifier, code 0, SIZE bytes of
//		data each (default 56), and every checksum right (a wrong one is
//		reported with the request's bytes and the right sum).
//	icmptarget ADDR [silent] [lose=SEQ,...] [delay=D] [dup] [otherid] [corrupt]
//		Make the IPv4 address ADDR a ping target that the checker answers
//		in place of a host (lesson 15): a route sends it to lo, so the
//		kernel stays silent and a raw socket of the checker sees every
//		echo request to it and records it. Each gets an echo reply with
//		its identifier, sequence number and data and a right checksum,
//		even when the request's checksum was wrong, D late (default 0),
//		twice with dup; none with silent or for the sequence numbers
//		listed in lose. Before the reply, at once, otherid sends a decoy
//		reply with another identifier, and corrupt one whose checksum is
//		wrong. One address per target, and per check. Linux, in the
//		checker's own network namespace only.
//	imports PKG...
//		The lesson's Go source imports one of the packages PKG (exact
//		import paths). Used as `! imports net net/http`.
//	outlines REGEXP...
//		The stdout of the last run, or of the server that just stopped,
//		is exactly one line per REGEXP, each line (without its newline)
//		matching its REGEXP whole. No REGEXP: stdout is empty.
//	pingstats [ADDR]
//		The last program's stdout is a ping's output as lesson 15 defines
//		it: one line per probe (a reply or a timeout), sequence numbers 1
//		to n in order, and statistics that agree with those lines (sent,
//		received, whole-number loss, rtt min/avg/max). With ADDR, an
//		icmptarget, every reply line is for a probe the target answered,
//		and its time is at least the target's delay (less 1ms): a line
//		that breaks either was printed for some other packet.
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
//	readyhost HOST
//		The last serve's readiness line named HOST, the host that -addr
//		asked for.
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
//		error; with -status=N (first), fails unless it exits N. A panic
//		fails whatever the status.
//	runany [-within=DURATION] ARGS...
//		Like run, but exit status 1 passes as well as 0 (a signal, a panic
//		or the time limit still fail): for a check whose next command
//		judges what the program sent, which explains a failure better
//		than its exit status would.
//	samefile WANT GOT
//		File GOT has exactly the bytes of file WANT; a failure gives both
//		sizes and SHA-256 sums, and where they first differ.
//	send NAME TEXT
//		Write TEXT to NAME.
//	sendgen NAME SIZE
//		Write SIZE printable bytes with no newline to NAME. A write error
//		(the server closed on us) is not a failure: the next command
//		checks what the server did.
//	sentpacket NAME
//		The last line the last `run` printed on stdout is the packet the
//		program sent, in hex: a 20-byte IPv4 header whose total length
//		and checksum are right, not a fragment, protocol 17, then a UDP
//		datagram whose length and checksum are right (never 0: a computed
//		0 goes out as 0xffff). And it went out as printed: the capture of
//		udplisten NAME saw a packet with the same UDP bytes and the same
//		header, apart from what Linux fills in (checksum and total length;
//		ID and source when 0). Linux only.
//	serve ARGS...
//		Start the lesson's program with ARGS in the background and wait (at
//		most 5s) for its stdout line `listening on HOST:PORT`; set $ADDR,
//		$HOST and $PORT from it.
//	sigterm
//		Send SIGTERM to the server and wait (at most 5s) until nothing
//		listens on $PORT any more, without waiting for the server to exit:
//		clients already connected can still be checked. Linux only.
//	sniff ARGS...
//		Start the lesson's program, a packet sniffer, with ARGS in the
//		background and wait (at most 5s) for its stdout line
//		`sniffing on IFACE`; set $IFACE. Like serve, it becomes the
//		server that terminate stops.
//	sniffed [-count=N] LINE...
//		The sniffer prints a line equal to the words LINE joined by single
//		spaces, within 3s. With -count=N, once N such lines are in, there
//		are exactly N (-count=0: none, judged at once): wait first for a
//		later packet's line, so every line about the earlier ones is out.
//	sockets STATE MAX
//		At most MAX TCP sockets with local port $PORT are in STATE
//		(CLOSE_WAIT, TIME_WAIT, ESTABLISHED...), waiting up to 1s for it.
//		Linux only.
//	terminate [INT|TERM]
//		Send SIGTERM (or SIGINT, with INT) to the server and wait (at
//		most 5s) for it to exit 0 with no data race reported. Its stdout
//		becomes what `stdout` matches.
//	topology HOPS [silent=K] [noise]
//		Build a chain of network namespaces joined by veth pairs: this
//		one, HOPS routers, a destination (10.N.0.0/16, a free N per
//		script), with routes both ways; set $SOURCE, $DEST, and $HOP1 to
//		$HOPn, the address each router answers from. Router K forwards
//		but sends no ICMP errors. With noise, another traceroute probes
//		the first answering router every 10ms, from a port of its own, to
//		the ports 33434-33449. Everything goes at the script's end. Needs
//		the ip command, and a namespace of its own (Isolated lessons).
//	traceroute [-within=DURATION] ARGS...
//		Like run, but whatever the exit status: hops judges it after the
//		lines, which say more about what went wrong.
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
//	udpecho ADDR
//		Run a UDP server inside the checker on ADDR (port 0: any), which
//		sends every datagram back to its sender; set $UDPECHO.
//	udpexpect NAME TEXT
//		One datagram arrives on NAME within 3s, from the address NAME talks
//		to, and equals TEXT exactly (not merged, not split).
//	udpexpectgen NAME SIZE
//		Like udpexpect, for the datagram that udpsendgen NAME SIZE sends.
//	udplisten NAME
//		Open a UDP socket on 127.0.0.1, port chosen by the kernel, that
//		reports each datagram's TTL; set $PORT_NAME. Capture from now on
//		(AF_PACKET on lo) the packets to or from that port, or that port
//		with its two bytes swapped, and ICMP errors about them: udpreceived
//		and sentpacket show them, decoded, when they fail. udpquiet works
//		on NAME. Needs CAP_NET_RAW (Isolated lessons); Linux only.
//	udpquiet NAME DURATION
//		No datagram arrives on NAME for DURATION.
//	udpreceived [-file] NAME TEXT FROM TTL
//		One datagram arrives on the udplisten socket NAME: TEXT exactly (with
//		-file, the bytes of file TEXT), from FROM (IP:PORT), with TTL in its
//		IPv4 header. Waits at most 3s, less once the capture has seen the
//		packet go by (300ms after it) or seen nothing (1s): run it after
//		the program sent. A failure shows each packet the capture saw for
//		NAME, its lengths and checksums judged, and whether the kernel
//		dropped it and why.
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
//	udpsockopt NAME OPTION...
//		Set options on UDP socket NAME: ttl=N (the IPv4 TTL or IPv6 hop
//		limit of what it sends) or ipoptions=HEX (IPv4 options, which the
//		kernel puts after the fixed 20-byte header of every datagram it
//		sends, padded to a multiple of 4 bytes: IHL grows to match).
//	udpzerosum NAME VAR FROM
//		Set $VAR to printable text that, sent from FROM (IPv4:PORT) to the
//		udplisten socket NAME, makes the UDP checksum come out as 0x0000,
//		which RFC 768 sends as 0xffff.
//	veth NAME PEER
//		Create a pair of virtual Ethernet interfaces, NAME and PEER, and
//		bring both up: a frame sent on one arrives on the other. Both go
//		away at the script's end. Needs CAP_NET_ADMIN (Isolated lessons).
//
// Conditions: [ipv6] is true when the machine can listen on ::1.
package scriptcmd
