#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 65432 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
# readme: CLIENTPORT => $CLIENTPORT
# readme: -p 40000 => -p $STRANGER
need nc netcat-openbsd
need socat
need ss iproute2
need python3

# bound: something holds UDP port $PORT on 127.0.0.1 (the server is up;
# neither socat nor netcat says so).
bound() { ss -uanH "src 127.0.0.1:$PORT" | grep -q .; }

go build -o $TRYIT_TMP/udp-client ./lessons/12-udp-retries

# The socat server upper-cases each datagram; the client prints the texts.
PORT=$(free_port)
socat UDP-RECVFROM:$PORT,bind=127.0.0.1,fork EXEC:'tr a-z A-Z' 2>$TRYIT_TMP/socat.err &
socat_pid=$!
eventually 10 bound
got=$(go run ./lessons/12-udp-retries -msg hello -msg 'two words' -addr 127.0.0.1:$PORT)
want "client against socat" "$got" "HELLO
TWO WORDS"
kill $socat_pid
wait $socat_pid || true

# A silent server: netcat shows every try, with the same ID; tcpdump shows
# the gaps growing (100ms, then 200ms).
PORT=$(free_port)
nc -u -l 127.0.0.1 $PORT > $TRYIT_TMP/nc.out &
nc_pid=$!
eventually 10 bound
tcpdump_on=false
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	tcpdump_on=true
	# 3 tries; then twice 1 try and its ICMP answer (the second client of
	# the same netcat, then no server at all); 1 try and the ICMP answer
	# to the stranger below: 9 packets.
	capture dump tcpdump -i lo -n "udp port $PORT or icmp" -l
	dump=$CAPTURE_PID
else
	echo "tcpdump parts skipped: needs root and tcpdump (Debian package tcpdump)"
fi
status=0
go run ./lessons/12-udp-retries -msg hi -timeout 100ms -tries 3 -addr 127.0.0.1:$PORT 2>$TRYIT_TMP/client.err || status=$?
want "status when the server is silent" "$status" 1
want_match "giving up" "$(cat $TRYIT_TMP/client.err)" '^udp client: no reply to request [0-9]+ from 127\.0\.0\.1:[0-9]+ after 3 tries \([0-9.]+m?s\)
exit status 1$'
id=$(sed -E 's/.*request ([0-9]+) .*/\1/;q' $TRYIT_TMP/client.err)
three() { [ "$(cat $TRYIT_TMP/nc.out)" = "$id hi$id hi$id hi" ]; }
eventually 5 three

# Netcat connected its socket to that client's port after the first
# datagram: the kernel now refuses every other client as if nothing
# listened, so a second client gets "connection refused" at once.
status=0
go run ./lessons/12-udp-retries -msg hi -timeout 100ms -tries 3 -addr 127.0.0.1:$PORT 2>$TRYIT_TMP/client.err || status=$?
want "status of a second client of the same netcat" "$status" 1
want_match "a second client of the same netcat" "$(cat $TRYIT_TMP/client.err)" 'connection refused'

# Stop the server: the client stops at once, on the ICMP error.
kill $nc_pid
wait $nc_pid || true
start=$SECONDS
status=0
$TRYIT_TMP/udp-client -msg hi -timeout 2s -addr 127.0.0.1:$PORT 2>$TRYIT_TMP/client.err || status=$?
want "status with nothing listening" "$status" 1
want_match "nothing listening" "$(cat $TRYIT_TMP/client.err)" '^udp client: request [0-9]+: nothing listens at 127\.0\.0\.1:[0-9]+ \(ICMP port unreachable\): read udp 127\.0\.0\.1:[0-9]+->127\.0\.0\.1:[0-9]+: read: connection refused$'
[ $((SECONDS - start)) -le 1 ] || fail "the client took $((SECONDS - start))s to see that nothing listens"

# A fresh netcat; a client waits on it (-timeout 2s, one try, so that the
# script does not wait 62s); its socket is connected to the server, and a
# datagram from a stranger's port is refused by the kernel.
nc -u -l 127.0.0.1 $PORT > $TRYIT_TMP/nc.out &
nc_pid=$!
eventually 10 bound
$TRYIT_TMP/udp-client -msg hi -timeout 2s -tries 1 -addr 127.0.0.1:$PORT 2>$TRYIT_TMP/client.err &
client=$!
client_up() { ss -uanH "dport = :$PORT" | grep -q ESTAB; }
eventually 10 client_up
got=$(ss -uanp "dport = :$PORT")
want_match "ss while the client waits" "$got" "^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process *
ESTAB +0 +0 +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$PORT +users:\(\(\"udp-client\",pid=$client,fd=[0-9]+\)\) *\$"
CLIENTPORT=$(ss -uanH "dport = :$PORT" | awk '{ sub(/.*:/, "", $4); print $4 }')
STRANGER=$(free_port)
echo '7 FAKE' | nc -u -w1 -p $STRANGER 127.0.0.1 $CLIENTPORT || true
status=0
wait $client || status=$?
want "status of the waiting client" "$status" 1
# It never saw the stranger's datagram: the kernel dropped it, and its one
# try ended on its deadline.
want_match "the waiting client" "$(cat $TRYIT_TMP/client.err)" '^udp client: no reply to request [0-9]+ from 127\.0\.0\.1:[0-9]+ after 1 tries \(2(\.[0-9]+)?s\)$'
kill $nc_pid
wait $nc_pid || true

if $tcpdump_on; then
	# Ctrl-C: tcpdump prints what it has and ends. Other programs on lo
	# send ICMP errors too: keep those about these datagrams, the ones
	# that name the server's port or the waiting client's.
	stop_capture $dump
	dump_txt=$(grep -E "> 127\.0\.0\.1\.$PORT: |udp port ($PORT|$CLIENTPORT) unreachable" $TRYIT_TMP/dump.txt)
	t='[0-9:.]+ IP 127\.0\.0\.1'
	want_match "tcpdump" "$dump_txt" "^$t\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP, length [0-9]+
$t\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP, length [0-9]+
$t\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP, length [0-9]+
$t\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP, length [0-9]+
$t > 127\.0\.0\.1: ICMP 127\.0\.0\.1 udp port $PORT unreachable, length [0-9]+
$t\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP, length [0-9]+
$t > 127\.0\.0\.1: ICMP 127\.0\.0\.1 udp port $PORT unreachable, length [0-9]+
$t\.$CLIENTPORT > 127\.0\.0\.1\.$PORT: UDP, length [0-9]+
$t > 127\.0\.0\.1: ICMP 127\.0\.0\.1 udp port $CLIENTPORT unreachable, length [0-9]+
?$"
	# The gaps between the three tries, in milliseconds: 100, then 200.
	# Taken from the kept lines: another program's ICMP can come between.
	gaps=$(head -n 3 <<<"$dump_txt" | awk '{ split($1, t, ":"); ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000; if (NR > 1) printf "%d ", ms - last; last = ms }')
	read -r gap1 gap2 <<<"$gaps"
	# At least the wait; more only when the machine is slow to run the client.
	[ "$gap1" -ge 95 ] && [ "$gap2" -ge 195 ] && [ "$gap2" -gt "$gap1" ] && [ "$gap2" -le 1000 ] ||
		fail "tcpdump: the gaps between the tries are ${gap1}ms and ${gap2}ms, not about 100ms and 200ms"
fi

# strace: against a silent server, each try's read finds nothing (EAGAIN)
# and Go's poller waits out what is left of the deadline: 99ms, then 199ms.
if command -v strace >/dev/null; then
	nc -u -l 127.0.0.1 $PORT > /dev/null &
	eventually 10 bound
	strace -f -e trace=socket,connect,read,write,epoll_pwait $TRYIT_TMP/udp-client -msg hi -timeout 100ms -tries 2 -addr 127.0.0.1:$PORT 2>$TRYIT_TMP/strace.txt || true
	got=$(cat $TRYIT_TMP/strace.txt)
	# One pattern each, not one for the sequence: strace -f splits a call
	# that another thread interrupts into "<unfinished ...>" and
	# "<... resumed>" lines.
	want_match "strace: the socket" "$got" "socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, IPPROTO_IP"
	want_match "strace: the connect" "$got" "connect\([0-9]+, \{sa_family=AF_INET, sin_port=htons\($PORT\), sin_addr=inet_addr\(\"127\.0\.0\.1\"\)\}, 16"
	want_match "strace: a read that finds nothing" "$got" "= -1 EAGAIN"
	# The tries and the poller's waits that ran out, in order (strace -f
	# interleaves the threads' lines, and may cut one in two): a write,
	# a wait of 99ms, the write again, a wait of 199ms.
	waits=$(grep -oE 'write\([0-9]+, "[0-9]+ hi"|\[\], 128, [0-9]+, NULL, 0\) = 0' $TRYIT_TMP/strace.txt |
		sed -E 's/^write.*/W/; s/^\[\], 128, ([0-9]+),.*/\1/' | tr '\n' ' ')
	want_match "strace: tries and waits" "$waits" '(^| )W ([0-9]+ )*([89][0-9]|100) ([0-9]+ )*W ([0-9]+ )*(1[89][0-9]|200) '
	want_match "strace: the end" "$got" 'udp client: no reply to request'
	ids=$(grep -oE 'write\([0-9]+, "[0-9]+ hi"' <<<"$got" | sort -u | wc -l)
	want "distinct IDs in the two tries" "$ids" 1
else
	echo "strace part skipped: needs strace (Debian package strace)"
fi
