#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 65432 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need socat
need ss iproute2
need python3

# listen_port PID: the port that process PID listens on (socat cannot
# print the port it was given by bind 0; ss -p can).
listen_port() {
	local pid=$1
	has_port() { ss -tlnpH | grep -q "pid=$pid,"; }
	eventually 10 has_port
	PORT=$(ss -tlnpH | grep "pid=$pid," | awk '{print $4}' | head -n 1)
	PORT=${PORT##*:}
}

# A learner's clone with lesson 02 done: its server, from the solutions.
mkdir -p lessons/02-tcp-echo-server
cp "$(dirname "$TRYIT_LIB")"/../solutions/02-tcp-echo-server/*.go lessons/02-tcp-echo-server/

# Port 0 where the README has 65432: the servers bind a port of the
# kernel's choice, then PORT holds it.
PORT=0
serve go run ./lessons/02-tcp-echo-server -addr 127.0.0.1:$PORT
want_match "lesson 02's readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'

got=$(go run ./lessons/03-tcp-echo-client -msg 'hi there' -addr 127.0.0.1:$PORT)
want "client against lesson 02" "$got" "hi there"
# The client closed first: its end waits in TIME_WAIT, from an ephemeral
# port. (A line more is possible: a TIME_WAIT left within the minute by an
# earlier program that had the same port.)
timewait() { ss -tanH state time-wait "( dport = :$PORT )" | grep -q .; }
eventually 10 timewait
want_match "ss time-wait" "$(ss -tan state time-wait "( dport = :$PORT )")" '^Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process *(\n.*)*\n0 +0 +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:'$PORT' *(\n|$)'

# tcpdump: the handshake, the data, the FINs; with the server stopped, the RST.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n "tcp port $PORT" -l
	dump=$CAPTURE_PID
	go run ./lessons/03-tcp-echo-client -msg 'hi there' -addr 127.0.0.1:$PORT >/dev/null
	fins() { [ "$(grep -c 'Flags \[F\.\]' $TRYIT_TMP/dump.txt)" = 2 ]; }
	eventually 10 fins
	# Ctrl-C in the server's terminal reaches go run and the server.
	kill -INT $(pgrep -P $SERVER_PID) $SERVER_PID
	wait $SERVER_PID || true
	status=0
	got=$(go run ./lessons/03-tcp-echo-client -addr 127.0.0.1:$PORT 2>&1) || status=$?
	want "client with the server stopped" "$got" "echo client: connect: dial tcp 127.0.0.1:$PORT: connect: connection refused
exit status 1"
	eventually 10 grep -q 'Flags \[R\.\]' $TRYIT_TMP/dump.txt
	kill $dump
	want_match "tcpdump" "$(cat $TRYIT_TMP/dump.txt)" 'Flags \[S\],(.|\n)*Flags \[S\.\],(.|\n)*Flags \[P\.\],(.|\n)*Flags \[F\.\],(.|\n)*Flags \[S\],(.|\n)*Flags \[R\.\],'
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# The same client against socat running cat for each connection.
PORT=0
socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork EXEC:cat &
listen_port $!
got=$(go run ./lessons/03-tcp-echo-client -msg 'hi there' -addr 127.0.0.1:$PORT)
want "client against socat EXEC:cat" "$got" "hi there"
catport=$PORT

# Be the server with nc -l. nc cannot take port 0 and say which it got:
# a port that was free a moment ago, found by binding 0 in Python.
listening() { ss -tlnH "sport = :$PORT" | grep -q LISTEN; }
# nc shows what the client sent as soon as it connects; then the person
# types. A typed line longer than 12 bytes: the client prints its first 12.
PORT=$(free_port)
exec {typing}> >(exec nc -l 127.0.0.1 $PORT > $TRYIT_TMP/nc.out)
eventually 10 listening
go run ./lessons/03-tcp-echo-client -timeout 30s -addr 127.0.0.1:$PORT > $TRYIT_TMP/client.out 2>&1 &
client=$!
eventually 60 grep -q . $TRYIT_TMP/nc.out
want "what nc -l shows" "$(cat $TRYIT_TMP/nc.out)" "Hello, world"
printf 'abcdefghijklmnopqrstuvwxyz\n' >&$typing
wait $client
want "client against nc -l" "$(cat $TRYIT_TMP/client.out)" "abcdefghijkl"
exec {typing}>&-
# Fewer than 12, then Ctrl-C in nc: the early-close error. (A background
# nc ignores SIGINT; TERM ends it the same way.)
PORT=$(free_port)
: >$TRYIT_TMP/nc.out # the last nc's line must not be taken for this one's
exec {typing}> >(exec nc -l 127.0.0.1 $PORT > $TRYIT_TMP/nc.out)
ncpid=$!
eventually 10 listening
go run ./lessons/03-tcp-echo-client -timeout 30s -addr 127.0.0.1:$PORT > $TRYIT_TMP/client.out 2>&1 &
client=$!
eventually 60 grep -q . $TRYIT_TMP/nc.out
printf 'short\n' >&$typing
arrived() { ss -tinH "dport = :$PORT" | grep -q 'bytes_received:6 '; }
eventually 10 arrived
kill $ncpid
status=0
wait $client || status=$?
want "client when nc stops after 6 bytes" "$(cat $TRYIT_TMP/client.out)" "echo client: the server closed the connection after echoing 6 of 12 bytes
exit status 1"
want "its exit status" "$status" 1
exec {typing}>&-

# Servers that misbehave. go run prints the exit status for the client.
PORT=0
socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr SYSTEM:'head -c 5' &
listen_port $!
status=0
got=$(go run ./lessons/03-tcp-echo-client -addr 127.0.0.1:$PORT 2>&1) || status=$?
want "client against head -c 5" "$got" "echo client: the server closed the connection after echoing 5 of 12 bytes
exit status 1"
want "its exit status" "$status" 1

PORT=0
socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr SYSTEM:'sleep 60' &
listen_port $!
status=0
start=$SECONDS
got=$(go run ./lessons/03-tcp-echo-client -timeout 1s -addr 127.0.0.1:$PORT 2>&1) || status=$?
want_match "client against sleep 60" "$got" "^echo client: read the echo from 127\.0\.0\.1:$PORT: read tcp 127\.0\.0\.1:[0-9]+->127\.0\.0\.1:$PORT: i/o timeout\nexit status 1$"
want "its exit status" "$status" 1
[ $((SECONDS - start)) -lt 10 ] || fail "the 1s deadline took $((SECONDS - start)) s"

# strace of the built client, against socat's cat, then against a closed port.
go build -o $TRYIT_TMP/echo-client ./lessons/03-tcp-echo-client
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	PORT=$catport
	got=$(strace -f -e trace=network,read,write,close $TRYIT_TMP/echo-client -addr 127.0.0.1:$PORT 2>$TRYIT_TMP/strace.txt)
	want "client under strace" "$got" "Hello, world"
	# With -f, a call that another thread's line interrupts is printed in
	# two pieces (<unfinished ...>, <... resumed>): match the calls' parts.
	want_match "strace of a round trip" "$(strace_merged $TRYIT_TMP/strace.txt)" 'socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, IPPROTO_IP(.|\n)*connect\([0-9]+, \{sa_family=AF_INET, sin_port=htons\('$PORT'\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}(.|\n)*EINPROGRESS(.|\n)*write\([0-9]+, "Hello, world", 12(.|\n)*"Hello, world", 12\) = 12(.|\n)*close\([0-9]+\)(.|\n)*\+\+\+ exited with 0 \+\+\+'
	got=$({ strace -f -e trace=network $TRYIT_TMP/echo-client -addr 127.0.0.1:1; echo "exit $?"; } 2>&1 | strace_merged)
	want_match "strace against a closed port" "$got" 'connect\([0-9]+, \{sa_family=AF_INET, sin_port=htons\(1\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}(.|\n)*EINPROGRESS(.|\n)*getsockopt\([0-9]+, SOL_SOCKET, SO_ERROR, \[ECONNREFUSED\](.|\n)*echo client: connect: dial tcp 127\.0\.0\.1:1: connect: connection refused\n(.|\n)*\+\+\+ exited with 1 \+\+\+(.|\n)*exit 1$'
else
	echo "strace part skipped: needs strace (Debian package strace) and ptrace"
fi

# interop: the client against peers that are not Go. A Python 3 echo server
# written here (it sends the echo back in pieces of 1000 bytes, so a long
# echo reaches the client in several reads), and socat echoing with PIPE.
serve python3 -c '
import socket
srv = socket.create_server(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(65536):
            for i in range(0, len(data), 1000):
                conn.sendall(data[i:i + 1000])
'
long=$(head -c 45000 /dev/urandom | base64 -w 0)
got=$($TRYIT_TMP/echo-client -msg 'hi there' -addr 127.0.0.1:$PORT)
want "client against a Python echo server" "$got" "hi there"
got=$($TRYIT_TMP/echo-client -msg "$long" -addr 127.0.0.1:$PORT)
want "60000 bytes through a Python echo server" "$got" "$long"

socat TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork PIPE &
listen_port $!
got=$($TRYIT_TMP/echo-client -msg 'hi there' -addr 127.0.0.1:$PORT)
want "client against socat PIPE" "$got" "hi there"
got=$($TRYIT_TMP/echo-client -msg "$long" -addr 127.0.0.1:$PORT)
want "60000 bytes through socat PIPE" "$got" "$long"
