#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 65432 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need socat
need ss iproute2

# The README's own alternative to the default port: -addr 127.0.0.1:0.
serve go run ./lessons/01-socket-lifecycle -addr 127.0.0.1:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'

got=$(printf 'Hello, world' | nc -N 127.0.0.1 $PORT)
want "printf | nc -N" "$got" "Hello, world"

# The typing, as a pipe: each line comes back; the end of input is Ctrl-D.
got=$(printf 'one\ntwo\n' | nc -N 127.0.0.1 $PORT)
want "nc -N, two lines" "$got" "one
two"

got=$(printf 'three\n' | socat - TCP:127.0.0.1:$PORT)
want "socat" "$got" "three"

# ss while an nc is connected: LISTEN, and ESTAB at both ends.
exec {first}> >(nc -N 127.0.0.1 $PORT >/dev/null)
estab() { [ "$(ss -tanH "sport = :$PORT or dport = :$PORT" | grep -c ESTAB)" = 2 ]; }
eventually 10 estab
got=$(ss -tan "sport = :$PORT or dport = :$PORT" | awk 'NR > 1 && $1 != "TIME-WAIT" {print $1}' | sort | uniq -c | tr -s ' ')
want "ss while nc is connected" "$got" " 2 ESTAB
 1 LISTEN"

# The backlog: a second nc, with a line typed, gets no echo while the first
# is served, yet its connection is complete and queued (Recv-Q 1).
# (Its subshell closes its copy of the first nc's stdin, or that nc would
# never see the end of its input.)
exec {second}> >(exec {first}>&-; nc -N 127.0.0.1 $PORT > $TRYIT_TMP/second.out)
printf 'queued\n' >&$second
queued() { [ "$(ss -tlnH "sport = :$PORT" | awk '{print $2}')" = 1 ]; }
eventually 10 queued
want_match "ss -tln with one connection queued" "$(ss -tln "sport = :$PORT")" 'LISTEN +1 +128 +127\.0\.0\.1:[0-9]+'
want "the queued client's echo, while the first is served" "$(cat $TRYIT_TMP/second.out)" ""
# Ctrl-D in the first nc: the second gets its echo at once.
exec {first}>&-
eventually 10 grep -qx queued $TRYIT_TMP/second.out

# TIME_WAIT: with an nc connected, Ctrl-C the server (the round trips above
# stand for the seconds before a person's Ctrl-C). Its end of the
# connection waits in FIN-WAIT-2 for nc, then in TIME-WAIT.
# go run does not pass the signal on: the terminal sends Ctrl-C to both.
kill -INT $(pgrep -P $SERVER_PID) $SERVER_PID
wait $SERVER_PID || true
states() { ss -tanH "sport = :$PORT" | awk '{print $1}'; }
finwait2() { states | grep -qx FIN-WAIT-2; }
timewait() { ! states | grep -qx FIN-WAIT-2 && states | grep -qx TIME-WAIT; }
eventually 10 finwait2
exec {second}>&-
eventually 10 timewait
# Start it again (on the same port, to meet that TIME-WAIT): it works.
go build -o $TRYIT_TMP/lesson01 ./lessons/01-socket-lifecycle
serve $TRYIT_TMP/lesson01 -addr 127.0.0.1:$PORT
want "readiness line of the restart" "$READY" "listening on 127.0.0.1:$PORT"
got=$(printf 'again' | nc -N 127.0.0.1 $PORT)
want "echo after the restart" "$got" "again"
kill -INT $SERVER_PID
wait $SERVER_PID || true
# Without the setsockopt, the same restart fails while TIME-WAIT lasts.
mkdir lessons/01-no-reuseaddr
sed '/unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)/,+2d' lessons/01-socket-lifecycle/main.go > lessons/01-no-reuseaddr/main.go
if grep -q SetsockoptInt lessons/01-no-reuseaddr/main.go; then fail "could not remove the setsockopt call from the solution"; fi
go build -o $TRYIT_TMP/noreuse ./lessons/01-no-reuseaddr
eventually 10 timewait
status=0
got=$($TRYIT_TMP/noreuse -addr 127.0.0.1:$PORT 2>&1) || status=$?
want "restart without SO_REUSEADDR" "$got" "bind 127.0.0.1:$PORT: address already in use"
want "its exit status" "$status" 1

# tcpdump: SYN, SYN-ACK, ACK, data and the FINs on loopback.
serve go run ./lessons/01-socket-lifecycle -addr 127.0.0.1:0
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n "tcp port $PORT" -l
	dump=$CAPTURE_PID
	printf 'Hello, world' | nc -N 127.0.0.1 $PORT >/dev/null
	fins() { [ "$(grep -c 'Flags \[F\.\]' $TRYIT_TMP/dump.txt)" = 2 ]; }
	eventually 10 fins
	kill $dump
	want_match "tcpdump" "$(cat $TRYIT_TMP/dump.txt)" 'Flags \[S\],(.|\n)*Flags \[S\.\],(.|\n)*Flags \[\.\],(.|\n)*Flags \[P\.\],(.|\n)*Flags \[F\.\],'
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# strace of the built server: the system calls of the lesson, in order.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	: > $TRYIT_TMP/server.err
	serve strace -f -e trace=socket,setsockopt,bind,listen,getsockname,accept4,read,write,close $TRYIT_TMP/lesson01 -addr 127.0.0.1:0
	got=$(printf 'traced' | nc -N 127.0.0.1 $PORT)
	want "echo under strace" "$got" "traced"
	kill -INT $(pgrep -P $SERVER_PID)  # the traced server
	wait $SERVER_PID || true
	# Descriptor numbers depend on what the shell left open, and with -f a
	# call that blocks is printed in two pieces (<unfinished ...>, then
	# <... resumed>): match the calls, not whole lines.
	want_match "strace" "$(strace_merged $TRYIT_TMP/server.err)" 'socket\(AF_INET, SOCK_STREAM, IPPROTO_IP(.|\n)*setsockopt\([0-9]+, SOL_SOCKET, SO_REUSEADDR, \[1\](.|\n)*bind\([0-9]+, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}(.|\n)*listen\([0-9]+, 128(.|\n)*getsockname\((.|\n)*accept4(.|\n)*read(.|\n)*"traced"(.|\n)*write\([0-9]+, "traced", 6(.|\n)*close(.|\n)*\+\+\+ exited with 0 \+\+\+'
else
	echo "strace part skipped: needs strace (Debian package strace) and ptrace"
fi
