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
//	abstractname VAR
//		Set $VAR to a name in Linux's abstract namespace, @socketlings-...,
//		that no other script uses.
//	busyport [tcp|udp]
//		Hold a loopback port, TCP (the default) or UDP, until the script
//		ends, and set $ADDR to it: a program told to use it finds it taken.
//	calls PKG.FUNC...
//		The lesson's Go source calls one of PKG.FUNC (PKG as the file
//		names the package). Used as `calls signal.Notify
//		signal.NotifyContext`: a check of how signals are asked for
//		should not pass a program that never asks.
//	chatroom [-slow] N M SIZE
//		Speak lesson 10's chat protocol with N clients, named u1 to uN.
//		All send their nickname at once, and each must get "welcome uK"
//		as its first line; then each sends M messages of SIZE bytes, all
//		at the same time, in writes that cut lines anywhere. Every client
//		must receive every other client's messages exactly once, in each
//		sender's order, and never its own, and of any two clients exactly
//		one must be told "* NICK joined" about the other. The senders keep
//		at most 96 lines on their way to any one reader. With -slow, a
//		client named slow joins first and never reads (on Linux, with a
//		536-byte segment and a small receive buffer, so that little fits
//		between the server and slow): the others must still get every
//		message promptly, then "* slow left"; on Linux, the server's end
//		of slow's connection must then leave ESTABLISHED within 3s,
//		before slow reads a byte (the server closed it); and slow, read
//		at last, must find a gapless part of the talk and then the end of
//		the connection.
//	close NAME
//		Close connection NAME.
//	closewrite NAME
//		Half-close connection NAME: send FIN (on a TLS connection, the
//		close_notify alert), keep reading.
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
//		The last query the last dnsserver received is a standard query:
//		flags 0x0100 (RD and nothing else), QDCOUNT 1, the other counts 0,
//		exactly one question, NAME TYPE (A, AAAA...) IN, and nothing after.
//	dnsids
//		The datagrams the last dnsserver received (two or more) do not all
//		carry the same ID.
//	dnsqueries N
//		The last dnsserver received exactly N datagrams.
//	dnsserver ZONEFILE [MODE]
//		Run a DNS server over UDP inside the checker, answering from
//		ZONEFILE (lines "NAME TYPE VALUE", TYPE A, AAAA, CNAME or NS; MX
//		with PREFERENCE EXCHANGE; TXT with one or more Go-quoted strings;
//		CNAMEs are followed), with compressed names, in RDATA too; set
//		$DNSSERVER. Unknown names get
//		NXDOMAIN. MODE (default normal): truncated: TC set, and only the
//		first record. servfail: RCODE 2, no records. upper: the question
//		and the owners spelled as the question come back in upper case.
//		extratypes: an HINFO record after the first record. sections: an NS
//		record in the authority section and an A record in the additional
//		one. late: the reply leaves 500ms late. Decoys sent first, before
//		the real reply: wrongid (the ID plus one), noqr (the QR bit clear),
//		othername, othertype, otherclass (another question); each carries
//		an A record 192.0.2.66. chatter: no reply, only the wrongid decoy,
//		at once and then every 100ms for 5s. Hostile modes answer with the
//		query's ID and question, then a malformed answer record:
//		selfpointer (an owner that points to itself), pointerloop (two
//		owners that point to each other), labelloop (a label, then a
//		pointer back to it), pointerpastend (a pointer to 0x3fff),
//		labelpastend (a label cut by the end of the message), rdatapastend
//		(RDLENGTH 260, 4 bytes there), recordspastend (ANCOUNT 3, one
//		record there), txtpastend (a TXT string of 10 bytes in an RDATA of
//		4, an A record after it), longname (an owner of 260 bytes on the
//		wire: labels of 63, 63, 63, 63 and 2 bytes, no pointer). TCP modes also listen over TCP on the
//		same port and answer over UDP as truncated does; over TCP, each
//		message preceded by its length in 2 bytes: tcp (the whole answer,
//		in three writes 100ms apart: one byte of the length, then the other
//		and half the message, then the rest), tcpshort (the whole length,
//		half the message, then close), tcpclose (close after the query),
//		tcpmute (never answer), tcptruncated (the answer with TC set),
//		tcpwrongid (the answer, in pieces as tcp, under the query's ID
//		plus one).
//	dnstcp N
//		The last dnsserver received N whole framed queries over TCP, the
//		last of them asking the question of the last query over UDP (with
//		fewer, it waits up to 1s for a query still on its way).
//	endedwithin [-syn] DURATION
//		The last run ended within DURATION of the moment the fake server
//		(slowsilent) accepted its connection. When no connection got
//		through, nothing is judged. With -syn, within DURATION of the
//		moment the client's first SYN left, as the fake server
//		(blackhole, slowsilent) dates it from the socket's
//		retransmit timer; when it saw none, from the run's start.
//	etherip [-total=N] [-ihl=N] [-tcpoff=N] [-icmp=TYPE/CODE] IFACE FROM TO PROTO SIZE PAD
//		Send on IFACE one broadcast Ethernet frame holding an IPv4 packet
//		(an IPv6 one, with IPv6 addresses) from FROM to TO (ADDR:PORT),
//		TTL or hop limit 64, protocol or next header PROTO: for 6, a
//		20-byte TCP header (PSH and ACK, the ports of FROM and TO) and
//		SIZE bytes of data; otherwise SIZE bytes. PAD zero bytes follow
//		the IP packet in the frame, as Ethernet pads a short frame: its
//		total length (IPv6: payload length) does not count them. The
//		packet may lie: -total=N writes N as IPv4's total length (IPv6:
//		payload length), -ihl=N (at most 5) N as IPv4's IHL, the header
//		staying 20 bytes, -tcpoff=N N as TCP's data offset (in 32-bit words), and
//		-icmp=TYPE/CODE puts an ICMP type and code in the data's first two
//		bytes. Needs CAP_NET_RAW (Isolated lessons); Linux only.
//	ethersend IFACE TYPE SIZE
//		Send one Ethernet frame on IFACE to the broadcast address, with
//		EtherType TYPE (such as 0x88b5) and SIZE bytes of a seeded
//		pattern after the 14-byte header, and wait (at most 3s) until it
//		has arrived on an interface (on lo: lo itself; on one end of a
//		veth pair: the other end). Needs CAP_NET_RAW (Isolated lessons).
//	exits [-status=N]
//		Wait (at most 5s) for the server to exit on its own, with status 0
//		(or N, and then no panic) and no data race reported. Its stdout
//		becomes what `stdout` matches.
//	expect NAME TEXT
//		Read from NAME until len(TEXT) bytes arrived; they must equal TEXT.
//	expecteof [-rst] NAME
//		The peer must close NAME (EOF) with no further bytes. With -rst,
//		a reset counts as a close too (a hang-up on a deadline, with
//		bytes the server never read).
//	expectfd NAME REGEXP FILE
//		Read one line from the Unix socket connection NAME (as expectline)
//		and the file descriptors that come with it (SCM_RIGHTS): the line
//		must match REGEXP and carry exactly one descriptor, opened
//		read-only, through which the whole of FILE reads, from its first
//		byte.
//	expectline NAME REGEXP
//		Read one line from NAME (up to "\n", which is not part of it, nor
//		a "\r" before it); the whole line must match REGEXP.
//	expectrest NAME REGEXP
//		Read from NAME until the peer closes it (EOF, waiting at most 3s
//		for each next byte); all that came must match REGEXP whole. A
//		reset fails. For an end where the contract allows more than one
//		outcome (a last reply or none).
//	fakeserver MODE
//		Run a TCP server inside the checker and set $ADDR to it, for
//		lessons whose program is a client. MODE is echo (echo at once),
//		trickle (echo in 3-byte pieces, 10ms apart), late (echo each piece
//		1s after it arrives), closeearly (echo half of the first bytes,
//		then close), hangup (take the message, then close without a
//		byte), oneline (echo the first whole line, then close), drip
//		(after the first bytes, send "." every 100ms and never a
//		newline), twice (echo every piece twice), silent (accept,
//		never answer, never close, even after the client's FIN),
//		slowlines (echo each whole line 300ms after the one before, the
//		first at once; close after the last, once the client's FIN came),
//		blackhole (a full accept queue: a connect there hangs; Linux only)
//		or slowconnect (the accept queue is full for 500ms, so a connect
//		there gets through when the client's kernel resends its SYN, about
//		1s after the first; then echo; Linux only) or slowsilent (the
//		same, but the queue stays full until a client's SYN is seen, so
//		its connect gets through about 1s after it began, whenever the
//		client started; then silent; Linux only).
//	fds [-sockets] MAX
//		The server has at most MAX file descriptors open (with -sockets,
//		at most MAX of them sockets), waiting up to 1s for it to close
//		those of clients that just left. Linux only.
//	flood NAME... SIZE
//		On each connection NAME, all at once, write SIZE bytes of a seeded
//		pattern (another for each) without reading, until all went in or
//		nothing more goes in for 200ms (every buffer between us full, the
//		server's writes to us taking part or nothing of what it offers);
//		only then read, while writing the rest. All SIZE bytes must come
//		back on each, in order.
//	freeport [tcp|udp]
//		Set $ADDR to a loopback address where nothing listens, for TCP
//		(the default) or UDP.
//	gameevict [-tick=D] NAME PLAYER GONE MIN MAX
//		Lesson 23: UDP socket NAME, playing as PLAYER, sends "JOIN PLAYER"
//		(a copy, which changes nothing) every 50ms and reads snapshots
//		until one no longer lists GONE: that must happen after MIN and
//		within MAX, and every snapshot must list PLAYER. With -tick=D, MIN
//		is judged by the snapshots' tick numbers (D each, two ticks of
//		slack), the server's own clock, so that load cannot fail it: from
//		the first snapshot that shows GONE's last input, or, when that
//		gives longer, from the last datagram the UDP socket named GONE
//		sent (a server held up may show an input late, never hear it
//		after it was sent).
//	gamekeep NAME PLAYER
//		Lesson 23: UDP socket NAME sends "JOIN PLAYER" every 50ms in the
//		background until the script ends, so that PLAYER stays in the
//		game however long the commands between take on a busy machine.
//	gamelossy NAME PLAYER N
//		Lesson 23, through the proxy that NAME was dialled to: join as
//		PLAYER (resending JOIN every 50ms until a snapshot lists it), send
//		"INPUT i 1 0" for i from 1 to N at once, then resend "INPUT N 1 0"
//		every 50ms until a snapshot shows seq N. No snapshot may show x
//		above seq; the final x must lie between the number of inputs the
//		proxy delivered in their turn (not held back) and the number it
//		delivered at all, read from the proxy's record.
//	gamequiet NAME DURATION
//		Lesson 23: drop what waits at UDP socket NAME, then expect no
//		datagram for DURATION (a player the server dropped).
//	gamerefused NAME
//		Lesson 23: expect one datagram "REFUSED reason\n" at UDP socket
//		NAME within the idle timeout.
//	gamesnap NAME LINE...
//		Lesson 23: read snapshots ("TICK n\n", then "name x y seq\n" lines)
//		at UDP socket NAME until one shows every player of the LINEs
//		("name x y seq") with its seq; that snapshot must then hold
//		exactly the LINEs, in any order. Every datagram must be a
//		well-formed snapshot of at most 1200 bytes, from the address NAME
//		talks to, with a tick later than the one before. Waits at most 1s.
//	gameticks NAME TICK DURATION [LOADNAME PLAYER]
//		Lesson 23: read the snapshots arriving at UDP socket NAME for
//		DURATION and compare their tick numbers with the clock: they must
//		increase, and keep pace with one tick every TICK within 1% of the
//		time measured (the least delayed snapshots at each end are
//		compared). With LOADNAME, that socket sends "JOIN PLAYER" every
//		millisecond meanwhile, from a helper process with a clock of its
//		own (RunHelperIfAsked), and in the stretches where it surely did,
//		at least half the ticks must bring a snapshot; the measurement goes
//		on, up to four times DURATION, until 30 ticks' worth of such
//		stretches are seen, and fails saying the checker was too busy if
//		they never are.
//	gen NAME SIZE
//		Set the variable NAME to SIZE printable bytes of a fixed pattern.
//	genfile FILE SIZE
//		Write SIZE bytes of a seeded pattern to FILE.
//	gramburst NAME N SIZE
//		Send N datagrams of SIZE bytes (8 to 65536, a seeded pattern each)
//		on the gramdial socket NAME back to back, before reading any echo;
//		then N echoes must arrive, each whole, from the path NAME talks
//		to, in the order sent. N is at most 8: Linux queues at most 10
//		datagrams for a Unix socket (net.unix.max_dgram_qlen), and the
//		echoes wait in the checker's queue.
//	gramdial NAME [PATH]
//		Open a Unix datagram socket that talks to PATH (default $SOCKET;
//		a relative path is in $WORK, @NAME is abstract), bound to a name
//		of its own in the abstract namespace, so that the server, whatever
//		user it runs as, can answer; set $LOCAL_NAME to that name. A reply
//		must come from PATH as the server bound it.
//	gramexpect NAME TEXT
//		One datagram arrives on the gramdial socket NAME within 3s, from
//		the path NAME talks to, and equals TEXT exactly.
//	gramsend NAME TEXT
//		Send TEXT as one datagram on the gramdial socket NAME.
//	hold N
//		Open N connections to $ADDR, eight at a time (each within 8s),
//		and keep them open until the script ends, when they are aborted.
//		Raises the soft descriptor limit of the checker, and of the server
//		where its own is too low (Go programs raise theirs to the hard one
//		at start); guard the script with [nofile:N]. One script at a time
//		holds connections: the others wait. Linux only for the limits.
//	holdecho COUNT SIZE
//		On COUNT of the held connections, picked at random (seeded), send
//		SIZE bytes naming the connection, all before reading; then every
//		one must get its own bytes back (within 3s in all).
//	hops [-q=N] [-answered] ADDR|*...
//		The output of the last `run` is a traceroute's (lesson 16): one
//		line per TTL from 1, in order, each the TTL, then per probe a
//		time `N ms` or `*`, an answer's address before its time; line K
//		names the K-th ADDR, or shows only `*` where that is `*`; no line
//		after the last. With -q=N, every line shows N probes; with
//		-answered, a line that names an address has no `*`. Then the
//		program's exit status: 0 if the last ADDR is $DEST, else 1 with
//		something on stderr.
//	httpclient [-n=N] [-chunked] [-gen=SIZE] [-file=FILE] [-type=REGEXP] METHOD PATH STATUS
//		Send METHOD PATH to $ADDR with Go's net/http client, N times (default
//		1) one after another on one client, with a body of SIZE bytes of a
//		seeded pattern (-gen; sent chunked with -chunked, else with a
//		Content-Length). Each response must have status STATUS and a
//		Content-Length; its body must equal FILE, or with -gen the body
//		sent (an echo); its Content-Type must match REGEXP whole. Requests
//		after the first must reuse the client's connection (keep-alive).
//	httpexpect [-head] [-close] [-type=REGEXP] [-body=TEXT|-file=FILE|-gen=SIZE] NAME STATUS[|STATUS...]
//		Read one HTTP/1.1 response from NAME, byte by byte up to the end of
//		its head, then as many bytes of body as its Content-Length says
//		(none with -head, the response to a HEAD), leaving what follows on
//		the connection. Its status must be one of STATUS, every line must
//		end in CRLF, it must have exactly one Content-Length and no
//		Transfer-Encoding. With -type, its Content-Type matches REGEXP
//		whole; with -body, -file or -gen, its body (with -head, its
//		Content-Length) is that of TEXT, FILE or httpclient's SIZE
//		pattern. With -close, it says Connection: close and the
//		connection then ends (EOF or RST) with no more bytes, within 3s;
//		NAME is closed. A failure shows what httpsend sent on NAME.
//	httpsend [-every=N] [-dial] NAME TEXT
//		Write TEXT to NAME, in pieces of N bytes 5ms apart with -every (a
//		request cut anywhere), and remember it for httpexpect's reports.
//		With -dial, connect NAME to $ADDR first and send at once (a short
//		header timeout counts from the accept).
//	httpslow NAME WITHIN
//		Play slowloris on connection NAME: send the start of a request head
//		("GET / HTTP/1.1", a Host, then "X-Slow: "), then one more byte
//		every 100ms, never ending the head. The server must close the
//		connection (EOF or RST), after at most a 408 response, within
//		WITHIN of the start; NAME is closed.
//	icmpecho ADDR ID SEQ
//		Send an ICMP echo request (ICMPv6 for an IPv6 ADDR) with
//		identifier ID and sequence number SEQ from a raw socket, and wait
//		(at most 3s) for the matching echo reply from ADDR. Needs
//		CAP_NET_RAW (Isolated lessons).
//	icmpgaps ADDR MIN
//		Each echo request the icmptarget ADDR received came at least MIN
//		after the one before it.
//	icmprequests ADDR N [SIZE]
//		The icmptarget ADDR received exactly N echo requests: sequence
//		numbers 1 to N in order, one identifier, code 0, SIZE bytes of
//		data each (default 56), and every checksum right (a wrong one is
//		reported with the request's bytes and the right sum).
//	icmptarget ADDR [silent] [lose=SEQ,...] [delay=D] [dup] [otherid] [corrupt] [badcode] [othererr] [corrupterr] [opterr] [lookalike=KIND] [previous] [chatter]
//		Make the IPv4 address ADDR a ping target that the checker answers
//		in place of a host (lesson 15): a route sends it to lo, so the
//		kernel stays silent and a raw socket of the checker sees every
//		echo request to it and records it. Each gets an echo reply with
//		its identifier, sequence number and data and a right checksum,
//		even when the request's checksum was wrong, D late (default 0),
//		twice with dup; none with silent or for the sequence numbers
//		listed in lose. Before the reply, at once, otherid sends a decoy
//		reply with another identifier, corrupt one whose checksum is
//		wrong, badcode one with code 1, othererr a Destination Host
//		Unreachable from ADDR that quotes an echo request with another
//		identifier and the same sequence number, then (from the second
//		request on) one that quotes the previous sequence number and the
//		request's identifier, then one that quotes the request's
//		identifier and sequence number to another host (192.0.2.2);
//		corrupterr one that quotes the request itself, its checksum
//		damaged; lookalike=KIND one that quotes the request, or seems to,
//		but is no error about it, its checksum right: redirect (type 5
//		code 1), paramproblem (type 12), version6 (type 3, the quoted
//		header's version 6), udp (type 3, quoted protocol 17), echoreply
//		(type 3, the quoted ICMP type 0), short (type 3, only 4 bytes of
//		the request after the quoted header). With opterr, no reply at all, but at once a Destination
//		Host Unreachable from 192.0.2.1 (a router on the way) that quotes
//		the request with a 24-byte IPv4 header (IHL 6: a Router Alert
//		option). With previous, the replies to each
//		request leave only when the next request arrives (the last one's
//		never): late, and always while the program waits for the next
//		probe. With chatter, no reply at all, but for each request another
//		ping's reply (another identifier) at once and then every 50ms for
//		2s. One address per target, and per check. Linux, in the
//		checker's own network namespace only.
//	idlecpu DURATION MAXCPU
//		Over DURATION, in which the script sends nothing, the server uses
//		at most MAXCPU of CPU time, all threads (/proc/PID/stat). Linux
//		only.
//	imports PKG...
//		The lesson's Go source imports one of the packages PKG (exact
//		import paths). Used as `! imports net net/http`.
//	ipproto ADDR PROTO SIZE
//		Send SIZE bytes of a fixed pattern to ADDR (IPv4 or IPv6) from a
//		raw IP socket of protocol PROTO (1-254): one packet whose IPv4
//		protocol or IPv6 next header is PROTO. Needs CAP_NET_RAW
//		(Isolated lessons); Linux only.
//	memory [-peak] MAXMIB
//		The server's resident memory (VmRSS in /proc/PID/status), or with
//		-peak the most it ever had (VmHWM), is at most MAXMIB MiB. Linux
//		only.
//	notifyunbuf
//		Some call to signal.Notify in the lesson's Go source is given a
//		channel made with no room (make(chan os.Signal), or a size of 0),
//		passed directly or through the variable it was assigned to, as go
//		vet's sigchanyzer finds. Used as `! notifyunbuf`: Notify
//		never waits, so a signal sent while nobody receives is lost.
//	outlines REGEXP...
//		The stdout of the last run, or of the server that just stopped,
//		is exactly one line per REGEXP, each line (without its newline)
//		matching its REGEXP whole. No REGEXP: stdout is empty.
//	pingbusy ADDR [-within=DURATION] ARGS...
//		Run the lesson's program with ARGS (like run, at most DURATION)
//		against the silent icmptarget ADDR, and make the host busy at the
//		worst moment: when the first echo request arrives, stop the
//		program (SIGSTOP), send another ping's echo replies until a raw
//		socket with the default receive buffer overflows by half, then
//		the real reply, then let the program go (SIGCONT). Passes when
//		the program printed a reply line and exited 0: its socket asked
//		for a buffer big enough (1 MiB). Two raw sockets of the checker,
//		of the default size and of 1 MiB, see the same packets in
//		/proc/net/raw; when the bigger one overflows too (a small
//		net.core.rmem_max), nothing is judged. Linux only.
//	pingstats [-max=DURATION] [ADDR]
//		The last program's stdout is a ping's output as lesson 15 defines
//		it: one line per probe (a reply, an ICMP error or a timeout),
//		sequence numbers 1 to n in order, and statistics that agree with
//		those lines (sent, received, +errors, whole-number loss, rtt
//		min/avg/max). With ADDR, an
//		icmptarget, every reply line is for a probe the target answered,
//		and its time is at least the target's delay (less 1ms): a line
//		that breaks either was printed for some other packet. With -max,
//		no reply line shows more than DURATION (-W) in milliseconds.
//	probeports
//		The UDP datagrams that left for $DEST, as the relay of the
//		script's topology saw them (a relayed one: topology ... relay, or
//		dup, options, otherhost, slow, drop), went to ports 33434, 33435...,
//		one more for each, in the order they left. Nothing is judged when
//		the probes were ICMP echo requests. Run it after the traceroute has
//		ended: the relay saw each probe before it delivered its answer.
//	procstat FIELD MAXKB
//		The server's FIELD of /proc/PID/status (VmHWM: peak resident
//		memory; VmPeak: peak address space) is at most MAXKB KiB. Linux
//		only.
//	proxy UPSTREAM [drop=R] [dup=R] [reorder=R] [corrupt=R] [delay=D] [jitter=D]
//		Start a UDP proxy in front of UPSTREAM and set $PROXY to it. The
//		latest address that sent to $PROXY is its client; datagrams go to
//		UPSTREAM (→) and replies back to the client (←). Each datagram's
//		fate (dropped, duplicated, held back 3 × delay + 20ms so later ones
//		overtake it, one byte flipped, delayed) is drawn from a generator
//		seeded by the checker's --seed, the proxy's rank in the script, the
//		direction, the datagram's bytes and how many datagrams with the
//		same bytes went that way before it, never by arrival order: with
//		the same seed, a datagram and each copy of it meet the same fate
//		whenever they come. Every failure in the script prints the end of
//		the proxy's record, and the seed.
//	quiet NAME DURATION
//		Nothing arrives on NAME for DURATION, and it stays open. The only
//		command that waits a fixed time: an absence cannot be awaited.
//	readyhost HOST
//		The last serve's readiness line named HOST, the host that -addr
//		asked for.
//	received TEXT
//		The fake server received exactly TEXT, over all connections.
//	refreceived
//		The reference receiver ($REFRECEIVER) got the whole file, the FIN
//		with every packet before it, and every datagram the sender sent it
//		followed lesson 13's wire format.
//	refreceiver [-lose=N,...] [-finlost] [-badcrc] FILE
//		Run lesson 13's receiver inside the checker, following its README
//		to the byte, on a loopback port; set $REFRECEIVER. It writes the
//		file to FILE once it has the FIN and every packet before it, and
//		keeps answering after that. With -lose, it drops the first copy
//		of each packet numbered N, as if the network had lost it; with
//		-finlost, every FIN; with -badcrc, it sends every ACK with the
//		first byte of its CRC flipped, so that none is valid. It notes
//		every datagram of the sender that breaks the wire format: a wrong
//		CRC, a type or size that is not allowed, a number beyond the
//		window (64 packets from the first one it still needs), copies of a
//		DATA packet that differ, a piece other than the last that is not
//		1024 bytes, a FIN not one past the last DATA. Every failure in the
//		script prints those notes and its last datagrams.
//	refsend FILE [ADDR]
//		Send FILE with lesson 13's sender inside the checker, following its
//		README to the byte (window 64, a 50ms timer per packet), to ADDR
//		(default $ADDR), until an ACK covers the FIN (at most 15s, 3s
//		without a valid ACK). It fails when the transfer does not finish,
//		or when an ACK broke the wire format: a wrong CRC or size, a number
//		past the packets sent, a bitmap bit for a packet never sent.
//	reset NAME
//		Abort connection NAME: close it with linger 0, which sends RST.
//	roundtrip [-interrupt] NAME SIZE [CHUNK]
//		Write SIZE bytes of a seeded pattern to NAME in writes of CHUNK bytes
//		(default 65536, with Nagle off so small writes leave one by one)
//		while reading the echo; the echo must equal what was sent. With
//		-interrupt, read slowly and send SIGURG to every thread of the
//		server every 500µs, so that its blocked writes return short counts
//		(Linux only; Go programs ignore a SIGURG they did not ask for).
//	rudpexpect NAME NUM [BITMAP]
//		One datagram arrives on the udpdial socket NAME within 3s, from
//		the address NAME talks to, and is lesson 13's ACK NUM with SACK
//		bitmap BITMAP (a number, such as 0x105; default 0), byte for byte.
//		A failure decodes what came instead.
//	rudpsend [-badcrc] [-file] NAME D NUM TEXT|FILE | rudpsend [-badcrc] NAME F|A NUM
//		Send lesson 13's DATA packet NUM carrying TEXT (with -file: piece
//		NUM of FILE, bytes NUM×1024 to NUM×1024+1023), its FIN NUM, or
//		its ACK NUM with an empty bitmap, as one datagram on the udpdial
//		socket NAME, CRC included (with -badcrc, its first byte flipped).
//	run [-within=DURATION] ARGS...
//		Run the lesson's program with ARGS until it exits (at most
//		DURATION, default 10s). Its stdout and stderr become what `stdout`
//		and `stderr` match. Fails unless it exits 0; with !, fails unless
//		it exits 1, the course's status for a program that reports an
//		error; with -status=N[,M...] (first), fails unless it exits with one
//		of those statuses. A panic
//		fails whatever the status.
//	runany [-within=DURATION] ARGS...
//		Like run, but exit status 1 passes as well as 0 (a signal, a panic
//		or the time limit still fail): for a check whose next command
//		judges what the program sent, which explains a failure better
//		than its exit status would.
//	samefile WANT GOT
//		File GOT has exactly the bytes of file WANT; a failure gives both
//		sizes and SHA-256 sums, and where they first differ.
//	send [-dial] NAME TEXT
//		Write TEXT to NAME. With -dial, connect NAME to $ADDR first and
//		send at once (a short idle timeout counts from the accept).
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
//	serve [-signals-first] [-listening-first] ARGS...
//		Start the lesson's program with ARGS in the background and wait (at
//		most 5s) for its stdout line `listening on HOST:PORT`; set $ADDR,
//		$HOST and $PORT from it. With -signals-first (Linux), the program
//		starts as a shell starts a background job, SIGINT ignored, and its
//		stdout is a full pipe until the checker has looked: when it blocks
//		printing its line, it must have a handler for SIGINT already
//		(signal.Notify before the line, or a signal sent the moment the
//		line is read kills it). With -listening-first (Linux, TCP), the
//		same hold judges that the program has a listening TCP socket
//		when it prints: a client that connects the moment it reads the
//		line must not be refused. Where /proc cannot show that, it is not
//		judged.
//	sigterm
//		Send SIGTERM to the server and wait (at most 5s) until nothing
//		listens on $PORT any more, without waiting for the server to exit:
//		clients already connected can still be checked. Linux only.
//	sniff [-signals-first] ARGS...
//		Start the lesson's program, a packet sniffer, with ARGS in the
//		background and wait (at most 5s) for its stdout line
//		`sniffing on IFACE`; set $IFACE. Like serve, it becomes the
//		server that terminate stops, and -signals-first judges, as for
//		serve, that it handles SIGINT before its first print.
//	sniffed [-count=N] [-re] LINE...
//		The sniffer prints a line equal to the words LINE joined by single
//		spaces (with -re, a line that they match whole, as a regular
//		expression), within 3s. With -count=N, once N such lines are in, there
//		are exactly N (-count=0: none, judged at once): wait first for a
//		later packet's line, so every line about the earlier ones is out.
//	snifflines
//		The sniffer's stdout is its readiness line `sniffing on IFACE`,
//		then only packet lines in lesson 18's format (a loose grammar:
//		each field in its place, any numbers and addresses).
//	sockets STATE MAX
//		At most MAX TCP sockets with local port $PORT are in STATE
//		(CLOSE_WAIT, TIME_WAIT, ESTABLISHED...), waiting up to 1s for it.
//		Linux only.
//	sockmode PATH MODE
//		PATH (relative to $WORK) is a socket file (not followed if a symbolic link) whose
//		permission bits are MODE, in octal (such as 0600).
//	stalesocket [-dgram] PATH
//		Leave a stale socket file at PATH, as a server that crashed does:
//		a stream (or datagram) socket bound there and closed without
//		removing the file, so that connecting to it is refused. The file
//		belongs to the user the script's programs run as.
//	stall NAME
//		Write to NAME and never read, until for 1s nothing more goes in
//		(at most 256 MiB): an echo server's write back to NAME now blocks,
//		and the server no longer reads from NAME. The connection stays
//		open, unless the server closes or resets it meanwhile.
//	terminate [INT|TERM]
//		Send SIGTERM (or SIGINT, with INT) to the server and wait (at
//		most 5s) for it to exit 0 with no data race reported. Its stdout
//		becomes what `stdout` matches.
//	threads MAX
//		The server runs at most MAX threads plus one per CPU of the
//		machine (Threads in /proc/PID/status). Linux only.
//	tlscerts [DIR]
//		Make the script's test certificates, ECDSA P-256, valid from an
//		hour ago for a day, and write them as PEM into DIR (default
//		$WORK), readable by the program: ca.crt (the checker's CA),
//		other-ca.crt (a CA nobody trusts), and NAME.crt with NAME.key for
//		server (signed by the CA for localhost, 127.0.0.1, 127.0.0.2 and
//		::1), expired (the same, expired a day ago), wrongname (signed by
//		the CA for not-this-host.example only), selfsigned (for the
//		loopback names, signed by itself), client (a client certificate
//		signed by the CA) and otherclient (one signed by the other CA).
//		tlsdial and tlsserver use them.
//	tlsdial [-cert ID] [-name NAME] [-min V] [-max V] NAME [ADDR]
//		Connect to ADDR (default $ADDR) and complete a TLS handshake
//		within 5s, as a client that trusts ca.crt alone and expects a
//		certificate for NAME (default ADDR's host), offering TLS 1.2 to
//		1.3 (or -min to -max, versions 1.0 to 1.3), with the client
//		certificate ID of tlscerts, or none; call the connection NAME,
//		for send, expect, closewrite and the rest. With !, the server
//		must refuse: the handshake fails, or (TLS 1.3 checks a client's
//		certificate after the client is done) "ping" sent after it gets
//		an alert, a close or a reset within 3s, never the echo.
//	tlsplain TEXT
//		Connect to $ADDR over plain TCP and send TEXT with no handshake:
//		the server must close the connection (or reset it) within 3s
//		without sending TEXT back; a TLS alert before the close is fine.
//	tlsserver MODE
//		Run a TLS echo server inside the checker (TLS 1.2 and 1.3) and set
//		$ADDR to it, for a client to connect to; received reports what it
//		got. MODE names its certificate from tlscerts: good (server),
//		expired, wrongname, selfsigned; needcert is good and requires a
//		client certificate signed by the CA; plaintext is a plain TCP echo
//		server that speaks no TLS at all.
//	topology HOPS [silent=K] [noise] [dup] [options] [otherhost] [slow=D] [drop=K] [relay] [errors]
//		Build a chain of network namespaces joined by veth pairs: this
//		one, HOPS routers, a destination (10.N.0.0/16, a free N per
//		script), with routes both ways; set $SOURCE, $DEST, and $HOP1 to
//		$HOPn, the address each router answers from. Router K forwards
//		but sends no ICMP errors. With noise, another traceroute probes
//		the first answering router every 10ms, from a port of its own, to
//		the ports 33434-33449, and the destination as often, from a second
//		port (port unreachable). With dup, every ICMP error from the
//		routers and the destination comes a second time, a late answer
//		to a probe already answered: the copy comes when the next packet
//		leaves for the routers, always before any answer to that packet
//		(the checker relays, in order, all that router 1 sends here).
//		With options, every ICMP error from the routers and the
//		destination quotes the probe's IPv4 header with a 4-byte option
//		in it (Router Alert: IHL 6), as relayed. With otherhost, as each
//		probe leaves for the destination, and before any answer to it, a
//		port unreachable from 10.N.250.2 quotes the probe, its ports (or
//		echo identifier and sequence number) included, as if it had gone
//		to 10.N.250.2 ($OTHERHOST): an answer about another trace. With
//		slow=D (at most 1s), everything router 1 sends here reaches the
//		source D after it left router 1: each answer takes D.
//		With drop=K (2 to 100), the answers to the K-th, 2K-th... probe
//		(UDP datagram or echo request) that leaves for the destination
//		are lost on the way back: that probe gets none. With relay, the
//		checker relays what router 1 sends here and changes nothing: for
//		probeports.
//		With errors (HOPS >= 2), addresses past the routers end in ICMP
//		errors: router 1 answers $NETUNREACH with Destination Net
//		Unreachable (no route), $HOSTUNREACH with Destination Host
//		Unreachable (an unreachable route), $FILTERED with code 13 (a
//		prohibit route), and routers 1 and 2 route $LOOP to each other
//		until its TTL runs out (Time Exceeded from router 2 for a TTL of
//		64); no ICMP type is rate limited then, but Linux still lets a
//		router send one source at most five unreachable errors in a
//		burst. Everything goes at the script's end. Needs the ip command, and a
//		namespace of its own (Isolated lessons).
//	traceroute [-within=DURATION] ARGS...
//		Like run, but whatever the exit status: hops judges it after the
//		lines, which say more about what went wrong.
//	trickle [-closes] NAME TEXT INTERVAL
//		Write TEXT to NAME one byte at a time, INTERVAL apart (a slow
//		client). With -closes, the server is expected to hang up before
//		the end: a write that fails because it did ends the trickle.
//	udpattempts MIN MAX
//		The udpserver received between MIN and MAX requests in all.
//	udpbackoff [-first=D] [-skip=F] FACTOR
//		The udpserver received at least 3 requests, and each wait between
//		two was at least FACTOR times the wait before it. With -skip, each
//		wait was also at least F times the wait two before it; with
//		-first, the first wait was between 3/4 and 3/2 of D.
//	udpburst NAME N SIZE
//		Send N datagrams of SIZE bytes (8 to 65507, a seeded pattern each)
//		on UDP socket NAME back to back, before reading any echo, so that
//		they wait together in the server's queue; then N echoes must
//		arrive, each one of them whole, from the address NAME talks to, in
//		the order sent. A failure says which datagram came back instead.
//	udpcarryfile NAME FILE FROM SIZE
//		Write SIZE bytes (even) to FILE that, sent as a UDP payload from
//		FROM (IPv4:PORT) to the udplisten socket NAME, make the checksum's
//		sum carry again when it is first folded to 16 bits: a checksum
//		that folds once instead of until the sum fits comes out wrong.
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
//	udpfrags FROM TO SIZE PIECE
//		Send one UDP datagram of SIZE bytes of a fixed pattern from FROM
//		to TO (IPv4:PORT each) as IPv4 fragments built by hand
//		(IP_HDRINCL), each carrying PIECE bytes after its 20-byte header
//		(a multiple of 8; the last carries the rest): only the first holds
//		the UDP header. Needs CAP_NET_RAW (Isolated lessons); Linux only.
//	udplisten NAME
//		Open a UDP socket on 127.0.0.1, port chosen by the kernel, that
//		reports each datagram's TTL; set $PORT_NAME. Capture from now on
//		(AF_PACKET on lo) the packets to or from that port, or that port
//		with its two bytes swapped, and ICMP errors about them: udpreceived
//		and sentpacket show them, decoded, when they fail. udpquiet works
//		on NAME. Needs CAP_NET_RAW (Isolated lessons); Linux only.
//	udpquiet NAME DURATION [BUT]
//		No datagram arrives on NAME for DURATION, but copies of BUT (a
//		late copy of an answer already checked, say) are let by.
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
//	udpserver MODE [try=N] [ids=N] [delay=D]
//		Run a UDP request/response server inside the checker and set
//		$UDPSERVER to it. A request is "ID TEXT", ID in decimal; the reply
//		is "ID " then TEXT in upper case. MODE: normal; dup (each reply
//		sent twice); stale (each reply preceded by a datagram "STALE",
//		with no ID, and ones for ID+1000, for ID with a 0 after its
//		digits and for ID with an x after them, text STALE); late (only
//		try N of each ID is answered, default 3); mute (nothing is
//		answered); chatter (nothing is answered, but from the first
//		request on a reply for ID+1000 comes every 30ms). With ids, only
//		the first N IDs to arrive are answered, later ones never. With
//		delay, each reply leaves D after its request arrived. It records
//		every request's arrival, its source address, and when each ID
//		was answered.
//	udpsockopt NAME OPTION...
//		Set options on UDP socket NAME: ttl=N (the IPv4 TTL or IPv6 hop
//		limit of what it sends) or ipoptions=HEX (IPv4 options, which the
//		kernel puts after the fixed 20-byte header of every datagram it
//		sends, padded to a multiple of 4 bytes: IHL grows to match).
//	udpturns [-fresh]
//		Judge the requests the udpserver received since the last udpturns
//		(one run of a client): all came from one address; each ID's tries
//		came together, and a new ID only after the server had answered
//		the one before (one request at a time); no ID came again after
//		its answer left. With -fresh, the first IDs of the runs judged so
//		far (at least 3) are not all the same.
//	udpwaits [-gaveup] TIMEOUT FLOOR
//		Each try's wait, as the udpserver saw it (from one request of an
//		ID to the next of the same ID), was at least FLOOR times its due,
//		TIMEOUT for try 1 of each ID and twice the one before for each
//		later try; a try that came later than TIMEOUT×(2^(k-1)−1) after
//		try 1 is judged from then (a schedule fixed at try 1 keeps the
//		contract). With -gaveup, the last try waited too, up to the end
//		of the last run. Only lower bounds: a timer never fires early.
//	udpzerosum NAME VAR FROM
//		Set $VAR to printable text that, sent from FROM (IPv4:PORT) to the
//		udplisten socket NAME, makes the UDP checksum come out as 0x0000,
//		which RFC 768 sends as 0xffff.
//	unixdial [-uid=N] NAME [PATH]
//		Connect to the Unix stream socket at PATH (default $SOCKET;
//		relative to $WORK, where the program runs; @NAME is abstract) and
//		call the connection NAME; set $UID_NAME and $PID_NAME to the uid
//		and pid of the process that connected, which the server's
//		SO_PEERCRED names. With -uid, a helper process running as uid and
//		gid N (with CAP_DAC_OVERRIDE, so that file permissions do not
//		stop it) connects and hands the connection over; the checker
//		must be root. With !, the connection must fail.
//	unixlisten PATH
//		Listen on a Unix stream socket at PATH (relative to $WORK), owned
//		by the user the script's programs run as, until the script ends,
//		accepting and holding every connection: a live server, whose path
//		another must not take.
//	unixrefuses ARGS...
//		Run the lesson's program with ARGS, which must refuse to start:
//		exit status 1 within 5s, no panic. If it prints a readiness line
//		it is killed at once and the check fails: it took a path it must
//		leave alone. Its output becomes what stdout and stderr match.
//	unixserve ARGS...
//		Start the lesson's program with ARGS in the background and wait
//		(at most 5s) for its stdout line `listening on unix:PATH` (or
//		`unixgram:PATH` with -dgram), PATH exactly as -socket gave it; set
//		$SOCKET to PATH.
//	veth NAME PEER
//		Create a pair of virtual Ethernet interfaces, NAME and PEER, and
//		bring both up: a frame sent on one arrives on the other. Both go
//		away at the script's end. Needs CAP_NET_ADMIN (Isolated lessons).
//
// Conditions: [ipv6] is true when the machine can listen on ::1;
// [otheruid] when unixdial -uid works: the checker runs as root and can
// start a process as another user (Linux only); [nofile:N] when the
// checker and a server it starts next can each have N more descriptors
// open (hold): the hard RLIMIT_NOFILE allows it, or the checker may raise
// its own, which it then does, so that the server inherits it (test it
// before serve).
package scriptcmd
