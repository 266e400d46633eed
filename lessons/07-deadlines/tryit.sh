#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
# readme: 127.0.0.1:9007 -idle => 127.0.0.1:0 -idle
# readme: 9007 => $SRV_PORT
# readme: s.bind(("127.0.0.1",9008)) => s.bind(("127.0.0.1",0))
# readme: 9008 => $BH_PORT
# readme: nc -l 127.0.0.1 9009 => nc -l 127.0.0.1 0
# readme: 9009 => $NC_PORT
need nc netcat-openbsd
need ss iproute2
need python3

# port_of PID: FOUND is the TCP port that process PID listens on.
port_of() {
	FOUND=$(ss -Htlnp | awk -v p="pid=$1," 'index($0, p) {n = split($4, a, ":"); print a[n]}')
	[ -n "$FOUND" ]
}
# finish SECONDS PID: wait for a background job, for at most SECONDS.
finish() {
	eventually "$1" gone "$2"
	wait "$2"
}
# catches_int PID: the process has a SIGINT handler (Go installs it in
# signal.Notify; until then a background job ignores Ctrl-C's signal).
catches_int() {
	local mask
	mask=$(awk '/^SigCgt:/ {print $2}' /proc/"$1"/status)
	(((0x$mask >> 1) & 1))
}
TIMEFORMAT=%R # `time` prints the elapsed seconds alone

go build -o $TRYIT_TMP/deadlines ./lessons/07-deadlines
serve $TRYIT_TMP/deadlines server -addr 127.0.0.1:0 -idle 2s
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
SRV_PORT=$PORT

# The three kinds of client, at once here (the README runs them one after
# the other; each has its own connection and goroutine).
{ time nc -d 127.0.0.1 $SRV_PORT; } >$TRYIT_TMP/silent.out 2>$TRYIT_TMP/silent.time &
silent=$!
{ time (printf 'one\n'; sleep 1.5; printf 'two\n'; sleep 1.5; printf 'three\n'; sleep 1.5) | nc -q 1 127.0.0.1 $SRV_PORT; } >$TRYIT_TMP/active.out 2>$TRYIT_TMP/active.time &
active=$!
# The slow writer dies of SIGPIPE once nc has left: that pipeline fails.
(for c in s l o w l o r i s; do printf $c; sleep 0.5; done; echo) | nc 127.0.0.1 $SRV_PORT >$TRYIT_TMP/slow.out &
slow=$!

# Go's keepalive timer on the server's side of each connection, none on nc's.
keepalive() { ss -tno "sport = :$SRV_PORT" | grep -q 'timer:(keepalive'; }
eventually 10 keepalive
want_match "ss -tno on the server's side" "$(ss -tno "sport = :$SRV_PORT")" 'ESTAB +0 +0 +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +timer:\(keepalive,1[0-5]sec,0\)'
got=$(ss -tnoH "dport = :$SRV_PORT")
want_match "ss on nc's side" "$got" 'ESTAB'
if printf '%s' "$got" | grep -q 'timer:'; then
	fail "nc's side of the connection has a timer: $got"
fi

# The blackhole, while those clients run. The README's waits run in the
# background so that the script can bound them.
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0); c=socket.create_connection(s.getsockname()); time.sleep(3600)' &
BH_PID=$!
eventually 10 port_of $BH_PID
BH_PORT=$FOUND
(until ss -Htn state established "dport = :$BH_PORT" | grep -q .; do sleep 0.1; done; : >$TRYIT_TMP/bh.ready) &
eventually 10 test -e $TRYIT_TMP/bh.ready
dump=
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	{ tcpdump -l -i lo -n "tcp port $BH_PORT and tcp[tcpflags] & tcp-syn != 0" 2>$TRYIT_TMP/tcpdump.err & } >$TRYIT_TMP/syn.txt
	dump=$!
	(until grep -q "listening on" $TRYIT_TMP/tcpdump.err; do sleep 0.1; done; : >$TRYIT_TMP/dump.ready) &
	eventually 10 test -e $TRYIT_TMP/dump.ready
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi
status=0
{ time $TRYIT_TMP/deadlines client -addr 127.0.0.1:$BH_PORT -dial-timeout 4s >$TRYIT_TMP/dial.out 2>$TRYIT_TMP/dial.err; } 2>$TRYIT_TMP/dial.time || status=$?
want "client status after the dial timeout" "$status" 1
want "client stderr after the dial timeout" "$(cat $TRYIT_TMP/dial.err)" "dial timeout: no connection to 127.0.0.1:$BH_PORT within 4s"
want "client stdout after the dial timeout" "$(cat $TRYIT_TMP/dial.out)" ""
want_match "time of the dial timeout" "$(tail -n 1 $TRYIT_TMP/dial.time)" '^4\.[0-9]+$'
if [ -n "$dump" ]; then
	stop_capture $dump
	# SYN at 0, 1, 2 and 3 s where the kernel retries the first few at a
	# fixed 1 s (tcp_syn_linear_timeouts, Linux 6.5+), else at 0, 1 and 3 s.
	syns=$(awk '/Flags \[S\]/ {split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]; if (!n++) first = s; printf "%.0f\n", s - first}' $TRYIT_TMP/syn.txt | tr '\n' ' ')
	if [ "$(cat /proc/sys/net/ipv4/tcp_syn_linear_timeouts 2>/dev/null || echo 0)" -ge 3 ]; then
		want "SYNs seen by tcpdump (seconds after the first)" "$syns" "0 1 2 3 "
	else
		want "SYNs seen by tcpdump (seconds after the first)" "$syns" "0 1 3 "
	fi
fi

# "Run it again with -dial-timeout 30s and press Ctrl-C".
$TRYIT_TMP/deadlines client -addr 127.0.0.1:$BH_PORT -dial-timeout 30s 2>$TRYIT_TMP/int.err &
client=$!
eventually 10 catches_int $client
kill -INT $client
status=0
finish 10 $client || status=$?
want "client status after Ctrl-C" "$status" 1
want "client stderr after Ctrl-C" "$(cat $TRYIT_TMP/int.err)" "interrupted while connecting to 127.0.0.1:$BH_PORT"

# A server that accepts and never answers.
{ nc -l 127.0.0.1 0 & } >$TRYIT_TMP/nc.out
NC_PID=$!
eventually 10 port_of $NC_PID
NC_PORT=$FOUND
(until ss -Htln "sport = :$NC_PORT" | grep -q .; do sleep 0.1; done; : >$TRYIT_TMP/nc.ready) &
eventually 10 test -e $TRYIT_TMP/nc.ready
status=0
$TRYIT_TMP/deadlines client -addr 127.0.0.1:$NC_PORT -timeout 1s -msg ping >$TRYIT_TMP/ping.out 2>$TRYIT_TMP/ping.err || status=$?
want "client status after the read timeout" "$status" 1
want "client stderr after the read timeout" "$(cat $TRYIT_TMP/ping.err)" "read timeout: no reply line from 127.0.0.1:$NC_PORT within 1s"
want "client stdout after the read timeout" "$(cat $TRYIT_TMP/ping.out)" ""
# nc leaves once the client has closed.
finish 10 $NC_PID
want "what nc received" "$(cat $TRYIT_TMP/nc.out)" "ping"

# Back to the three clients: the silent one was closed at 2 s, the active
# one got every line back although it stayed 4.5 s, the slow one nothing.
finish 10 $silent
want "nc -d output" "$(cat $TRYIT_TMP/silent.out)" ""
want_match "time nc -d" "$(tail -n 1 $TRYIT_TMP/silent.time)" '^2\.[0-9]+$'
finish 10 $active
want "the active client's echoes" "$(cat $TRYIT_TMP/active.out)" "one
two
three"
want_match "time of the active client" "$(tail -n 1 $TRYIT_TMP/active.time)" '^(4\.[5-9]|[5-9]\.)[0-9]*$'
finish 10 $slow || true
want "the slow client's echoes" "$(cat $TRYIT_TMP/slow.out)" ""
got=$(sed 's/^127\.0\.0\.1:[0-9]*: //' $TRYIT_TMP/server.err)
want "server log" "$got" "no whole line within 2s, closing
no whole line within 2s, closing"
