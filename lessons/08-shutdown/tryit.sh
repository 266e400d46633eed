#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 127.0.0.1:9000 -work => 127.0.0.1:0 -work
# readme: 9000 => $PORT
need nc netcat-openbsd
need ss iproute2

# child_of PID: CHILD is the process that PID started (go run's program).
child_of() {
	CHILD=$(ps -o pid= --ppid "$1" | tr -d ' ')
	[ -n "$CHILD" ]
}
# read_all PORT CLIENT ERRFILE: the server has read what the client sent,
# and its FIN has come (CLOSE-WAIT, no data left unread): the request is in
# progress.
read_all() {
	local st
	st=$(ss -Htan state close-wait "sport = :$1")
	# Recv-Q 0, or 1: the FIN takes a sequence number, and until the
	# server's read returns EOF, ss counts it as one byte not yet read.
	[[ $st == [01]" "* ]] && return
	gone "$2" && fail "the client ended before the request was seen in progress: $(cat "$3")"
	return 1
}

# Terminal 1: a server whose requests take three seconds.
serve go run ./lessons/08-shutdown server -addr 127.0.0.1:0 -work 3s
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
A_PORT=$PORT
# Ctrl-C in terminal 1 reaches go run and its program; go run ignores it.
eventually 10 child_of $SERVER_PID
A_PID=$CHILD

# Terminal 2: tcpdump.
dump=
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n "tcp port $PORT" -l
	dump=$CAPTURE_PID
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# The README's last recipe first, as it can run meanwhile: the client
# against two built servers, stopped with SIGTERM during "one" (when the
# server has read the three lines and the client's FIN).
go build -o $TRYIT_TMP/shutdown ./lessons/08-shutdown
serve $TRYIT_TMP/shutdown server -addr 127.0.0.1:0 -work 1s
B_PORT=$PORT B_PID=$SERVER_PID
serve $TRYIT_TMP/shutdown server -addr 127.0.0.1:0 -work 2s -grace 3s
C_PORT=$PORT C_PID=$SERVER_PID
run_client() {
	local PORT=$1
	go run ./lessons/08-shutdown client -addr 127.0.0.1:$PORT one two three
}
run_client $B_PORT >$TRYIT_TMP/b.out 2>$TRYIT_TMP/b.err &
b_client=$!
run_client $C_PORT >$TRYIT_TMP/c.out 2>$TRYIT_TMP/c.err &
c_client=$!
# Each server gets its SIGTERM as soon as its request is in progress, from
# a watcher of its own: the two requests run at the same time, and one
# watcher busy with the first must not let the second's window (its first
# -work) go by on a busy machine.
half_closed() {
	# TIME-WAIT: connections of earlier steps to the same port, done with.
	got=$(ss -tan "sport = :$B_PORT or dport = :$B_PORT" | awk 'NR > 1 && $1 != "LISTEN" && $1 != "TIME-WAIT" {print $1}' | sort | tr '\n' ' ')
	[ "$got" = "CLOSE-WAIT FIN-WAIT-2 " ] || [ "$got" = "CLOSE-WAIT FIN-WAIT-1 " ]
}
(
	eventually 30 read_all $B_PORT $b_client $TRYIT_TMP/b.err
	# The short-lived CLOSE-WAIT: the server's socket, and the client's
	# in FIN-WAIT-2 (FIN-WAIT-1 until the server's ACK, which a busy
	# machine may hold back: both count).
	eventually 2 half_closed
	kill -TERM $B_PID
) &
b_watch=$!
(
	eventually 30 read_all $C_PORT $c_client $TRYIT_TMP/c.err
	kill -TERM $C_PID
) &
c_watch=$!
wait $b_watch || fail "the watcher of the -work 1s server failed"
wait $c_watch || fail "the watcher of the -work 2s server failed"

# Terminal 3, on terminal 1's server: first and second at once.
PORT=$A_PORT
exec {typing}> >(nc -N 127.0.0.1 $PORT >$TRYIT_TMP/nc.out)
nc_pid=$!
printf 'first\nsecond\n' >&$typing

# Back to terminal 3: FIRST, then third, then Ctrl-C during second.
eventually 10 grep -qx FIRST $TRYIT_TMP/nc.out
printf 'third\n' >&$typing
kill -INT $A_PID
eventually 10 grep -qx SECOND $TRYIT_TMP/nc.out
if [ -n "$dump" ]; then
	server_fin() { grep -Eq "127\.0\.0\.1\.$A_PORT > 127\.0\.0\.1\.[0-9]+: Flags \[F\.\]" $TRYIT_TMP/dump.txt; }
	eventually 10 server_fin
fi
# The server waits for nc to finish...
kill -0 $A_PID || fail "the server left before nc had finished"
# ...until Ctrl-D: nc half-closes, and the server exits at once.
exec {typing}>&-
eventually 5 gone $A_PID
eventually 5 gone $nc_pid
want "what nc got" "$(cat $TRYIT_TMP/nc.out)" "FIRST
SECOND"
if [ -n "$dump" ]; then
	# Its FIN, then the client's own FIN; no reset.
	client_fin() { grep -Eq "127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$A_PORT: Flags \[F\.\]" $TRYIT_TMP/dump.txt; }
	eventually 10 client_fin
	want_match "tcpdump" "$(cat $TRYIT_TMP/dump.txt)" "127\.0\.0\.1\.$A_PORT > 127\.0\.0\.1\.[0-9]+: Flags \[F\.\](.|\n)*127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$A_PORT: Flags \[F\.\]"
	if grep -q 'Flags \[R' $TRYIT_TMP/dump.txt; then
		fail "tcpdump shows a reset: $(cat $TRYIT_TMP/dump.txt)"
	fi
fi

# -work 1s: a SIGTERM during "one" still gives ONE, TWO and THREE.
status=0
eventually 20 gone $b_client
wait $b_client || status=$?
want "client status (-work 1s)" "$status" 0
want "client output (-work 1s)" "$(cat $TRYIT_TMP/b.out)" "ONE
TWO
THREE"
# The CLOSE-WAIT is gone once the reply is out.
closewait() { ss -Htan state close-wait "sport = :$B_PORT" | grep -q .; }
if closewait; then fail "CLOSE-WAIT left after the replies: $(ss -tan "sport = :$B_PORT")"; fi
# -work 2s -grace 3s: only ONE, and the client says so.
status=0
eventually 20 gone $c_client
wait $c_client || status=$?
want "client status (-work 2s -grace 3s)" "$status" 1
want "client output (-work 2s -grace 3s)" "$(cat $TRYIT_TMP/c.out)" "ONE"
want_match "client error (-work 2s -grace 3s)" "$(cat $TRYIT_TMP/c.err)" 'the server closed the connection after 1 replies to 3 requests'
for pid in $B_PID $C_PID; do
	status=0
	eventually 10 gone $pid
	wait $pid || status=$?
	want "server status after SIGTERM" "$status" 0
done
