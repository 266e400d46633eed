#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 9000 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need ss iproute2

# by hand only: sleep 1 (a person's pause in the last recipe; the script waits for the readiness line and for the 100 connections instead)

# ctrl_c PID: a Ctrl-C in the terminal of `go run` reaches go run and the
# server it started (go run itself does not pass the signal on).
ctrl_c() {
	kill -INT $(pgrep -P $1) $1
}

# The problem first, with the untouched stub in the lesson's folder.
cp lessons/04-concurrent-server/main.go $TRYIT_TMP/solution.go
cp "$(dirname "$TRYIT_LIB")"/04-concurrent-server/main.go lessons/04-concurrent-server/main.go
grep -q TODO lessons/04-concurrent-server/main.go || fail "the stub has no TODO: is it the stub?"
# Port 0 where the README has 9000: PORT then holds the port bound.
PORT=0
serve go run ./lessons/04-concurrent-server -addr 127.0.0.1:$PORT
want_match "the stub's readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
stub=$SERVER_PID

# Terminal 2 types a line and gets its echo.
exec {t2}> >(exec nc 127.0.0.1 $PORT > $TRYIT_TMP/t2.out)
t2pid=$!
printf 'from two\n' >&$t2
eventually 10 grep -qx 'from two' $TRYIT_TMP/t2.out
# tcpdump runs before terminal 3 connects.
dumping=false
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	dumping=true
	capture dump tcpdump -i lo -n port $PORT -l
	dump=$CAPTURE_PID
fi
# Terminal 3 types a line and gets nothing: its connection waits for Accept.
# (Its subshell closes its copy of terminal 2's stdin.)
exec {t3}> >(exec {t2}>&-; exec nc 127.0.0.1 $PORT > $TRYIT_TMP/t3.out)
t3pid=$!
printf 'from three\n' >&$t3
queued() { [ "$(ss -tlnH "sport = :$PORT" | awk '{print $2}')" = 1 ]; }
eventually 10 queued
want_match "ss -tln while terminal 3 waits" "$(ss -tln "sport = :$PORT")" 'LISTEN +1 +[0-9]+ +127\.0\.0\.1:[0-9]+ '
got=$(ss -tan "sport = :$PORT" | awk 'NR > 1 {print $1}' | sort | uniq -c | tr -s ' ')
want "ss -tan while terminal 3 waits" "$got" " 2 ESTAB
 1 LISTEN"
want "terminal 3's echo, while terminal 2 is served" "$(cat $TRYIT_TMP/t3.out)" ""
if $dumping; then
	# Terminal 3's whole handshake, although the server never accepted it.
	handshake() { grep -Eq "> 127\.0\.0\.1\.$PORT: Flags \[\.\]" $TRYIT_TMP/dump.txt; }
	eventually 10 handshake
	kill $dump
	want_match "tcpdump of terminal 3's connection" "$(cat $TRYIT_TMP/dump.txt)" "127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: Flags \[S\],(.|\n)*127\.0\.0\.1\.$PORT > 127\.0\.0\.1\.[0-9]+: Flags \[S\.\],(.|\n)*127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: Flags \[\.\],"
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi
# Ctrl-C in terminal 2 (TERM: a background nc ignores SIGINT): terminal 3
# gets its echo at once.
kill $t2pid
exec {t2}>&-
eventually 10 grep -qx 'from three' $TRYIT_TMP/t3.out
kill $t3pid
exec {t3}>&-
ctrl_c $stub

# After the changes (the solution back in place): both terminals echo at once.
cp $TRYIT_TMP/solution.go lessons/04-concurrent-server/main.go
PORT=0
# -race needs cgo, so a C compiler; without one, the same run without it.
if [ "$(go env CGO_ENABLED)" = 1 ]; then
	serve go run -race ./lessons/04-concurrent-server -addr 127.0.0.1:$PORT
else
	echo "-race skipped: needs cgo and a C compiler (Debian package gcc)"
	serve go run ./lessons/04-concurrent-server -addr 127.0.0.1:$PORT
fi
# Emptied first: the terminals' shells truncate them only when they get to
# it, and the first run's "from three" must not be taken for this one's.
: >$TRYIT_TMP/t2.out
: >$TRYIT_TMP/t3.out
exec {t2}> >(exec nc 127.0.0.1 $PORT > $TRYIT_TMP/t2.out)
t2pid=$!
exec {t3}> >(exec {t2}>&-; exec nc 127.0.0.1 $PORT > $TRYIT_TMP/t3.out)
t3pid=$!
printf 'from two\n' >&$t2
printf 'from three\n' >&$t3
eventually 10 grep -qx 'from three' $TRYIT_TMP/t3.out
eventually 10 grep -qx 'from two' $TRYIT_TMP/t2.out
kill $t2pid $t3pid
exec {t2}>&- {t3}>&-
# Twenty clients of a megabyte each, all at once. The README's terminal 2
# is a shell of its own: here a subshell, so that `wait` does not wait for
# the server too.
: > $TRYIT_TMP/server.err
(for i in $(seq 20); do head -c 1000000 /dev/urandom | nc -N 127.0.0.1 $PORT > /dev/null & done; wait)
ctrl_c $SERVER_PID
IFS= read -r -t 30 -u $SERVER_OUT got || fail "the server printed no totals after Ctrl-C; its stderr: $(tail -n 5 $TRYIT_TMP/server.err)"
# nc -N and the two echo terminals above: 2 + 20 clients, 20 lines of
# 9 bytes ("from two\n" is 9, "from three\n" 11) and 20 MB.
want "the totals after Ctrl-C" "$got" "served 22 clients, 20000020 bytes"
if grep -q 'WARNING: DATA RACE' $TRYIT_TMP/server.err; then fail "the race detector reports a race: $(head -n 20 $TRYIT_TMP/server.err)"; fi

# How little an idle connection costs.
go build -o $TRYIT_TMP/concurrent ./lessons/04-concurrent-server
PORT=0
> $TRYIT_TMP/concurrent.out $TRYIT_TMP/concurrent -addr 127.0.0.1:$PORT & server=$!
eventually 10 grep -q '^listening on ' $TRYIT_TMP/concurrent.out
PORT=$(awk '{print $3; exit}' $TRYIT_TMP/concurrent.out)
PORT=${PORT##*:}
# A round trip stands for the seconds before a person's kill: the server
# catches SIGTERM just after its readiness line.
got=$(printf 'x\n' | nc -N 127.0.0.1 $PORT)
want "round trip" "$got" "x"
clients=""
for i in $(seq 100); do nc -d 127.0.0.1 $PORT & clients="$clients $!"; done  # -d: never read stdin
all100() { [ "$(ss -tanH state established "sport = :$PORT" | wc -l)" = 100 ]; }
eventually 10 all100
threads=$(ls /proc/$server/task | wc -l)
[ "$threads" -le 20 ] || fail "the server runs $threads OS threads for 100 idle clients: a handful expected"
kill -TERM $server
# It stops accepting, and waits for its 100 clients.
closed() { ! ss -tlnH "sport = :$PORT" | grep -q LISTEN; }
eventually 10 closed
kill -0 $server || fail "the server exited with 100 clients still connected"
kill $clients
eventually 10 gone $server
status=0
wait $server || status=$?
want "the server's exit status" "$status" 0
want_match "the server's output" "$(cat $TRYIT_TMP/concurrent.out)" '^listening on 127\.0\.0\.1:[0-9]+\nserved 101 clients, 2 bytes$'
