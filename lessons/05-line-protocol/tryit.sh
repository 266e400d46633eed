#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 9005 => $PORT
need nc netcat-openbsd
need socat
need python3

# The README finds the server by its command line ("addr 127.0.0.1:9005"),
# so the server gets a real port on it: one that was free a moment ago,
# found by binding port 0 in Python.
PORT=$(free_port)
serve go run ./lessons/05-line-protocol -addr 127.0.0.1:$PORT
want "readiness line" "$READY" "listening on 127.0.0.1:$PORT"

# The session at the top of the page, typed through nc, then with nc -C
# (every line ends in "\r\n"): the same replies.
got=$(printf 'SET city Lyon\nGET city\nDEL city\nGET city\nQUIT\n' | nc 127.0.0.1 $PORT)
want "pipelined commands" "$got" "OK
VALUE Lyon
DELETED
NOTFOUND
BYE"
got=$(printf 'SET city Lyon\nGET city\nDEL city\nGET city\nQUIT\n' | nc -C 127.0.0.1 $PORT)
want "the same with nc -C" "$got" "OK
VALUE Lyon
DELETED
NOTFOUND
BYE"

got=$( (printf 'SET gr'; sleep 0.3; printf 'eeting hello there\nGET gree'; sleep 0.3; printf 'ting\nQUIT\n') | nc 127.0.0.1 $PORT)
want "commands split across writes" "$got" "OK
VALUE hello there
BYE"

got=$(head -c 5000 /dev/zero | tr '\0' a | socat -t 2 - TCP:127.0.0.1:$PORT)
want "a line too long" "$got" "ERR line too long"

# The flood: socat's write fails once the server stops draining (4 MiB),
# after the error line arrived; socat exits 1.
got=$(head -c 100000000 /dev/zero | tr '\0' a | socat -t 2 - TCP:127.0.0.1:$PORT 2>$TRYIT_TMP/socat.err || true)
want "the 100 MB flood" "$got" "ERR line too long"
want_match "socat's error" "$(cat $TRYIT_TMP/socat.err)" '^[0-9/]+ [0-9:]+ socat\[[0-9]+\] E write\([0-9]+, 0x[0-9a-f]+, [0-9]+\): (Broken pipe|Connection reset by peer)$'
got=$(grep VmHWM /proc/$(pgrep -n -f "addr 127.0.0.1:$PORT")/status)
want_match "VmHWM" "$got" '^VmHWM:[[:space:]]+[0-9]+ kB$'
# pgrep's newest match is the server that go run started, and its peak
# stays at a few megabytes although 100 MB came in.
want "pgrep's pick" "$(ps -o ppid= -p $(pgrep -n -f "addr 127.0.0.1:$PORT") | tr -d ' ')" "$SERVER_PID"
kb=$(echo "$got" | awk '{print $2}')
[ "$kb" -lt 30000 ] || fail "VmHWM is $kb kB after the flood: the server kept more than a line's worth"

# FIN, not RST: the reply, the server's FIN, then the client's own FIN.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n "tcp port $PORT" -l
	dump=$CAPTURE_PID
	got=$(head -c 3000 /dev/zero | tr '\0' a | { cat; sleep 0.5; } | socat - TCP:127.0.0.1:$PORT)
	want "3000 bytes" "$got" "ERR line too long"
	fins() { [ "$(grep -c 'Flags \[F\.\]' $TRYIT_TMP/dump.txt)" = 2 ]; }
	eventually 10 fins
	kill $dump
	dump=$(cat $TRYIT_TMP/dump.txt)
	want_match "tcpdump" "$dump" "127\.0\.0\.1\.$PORT > 127\.0\.0\.1\.[0-9]+: Flags \[P\.\], seq 1:19,(.|\n)*127\.0\.0\.1\.$PORT > 127\.0\.0\.1\.[0-9]+: Flags \[F\.\],(.|\n)*127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: Flags \[F\.\],"
	if grep -q 'Flags \[R' <<<"$dump"; then fail "tcpdump shows a reset: $dump"; fi
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# interop: scripted sessions through nc -N (it half-closes when its input
# ends, and the server then closes too), replies compared with the
# README's protocol table.
got=$(printf 'SET msg hi there\nGET msg\nSET msg  a  b \nGET msg\nget msg\n\nSET k \nSET  v\nSET\nGET \nGET a b\nGET\nDEL a b\nDEL\nQUIT now\nDEL msg\nDEL msg\nSET tab a\tb\nGET tab\nSET cr a\rb\nGET cr\n' | nc -N 127.0.0.1 $PORT)
want "the protocol table" "$got" "$(printf 'OK\nVALUE hi there\nOK\nVALUE  a  b \nERR unknown command\nERR unknown command\nERR usage: SET key value\nERR usage: SET key value\nERR usage: SET key value\nERR usage: GET key\nERR usage: GET key\nERR usage: GET key\nERR usage: DEL key\nERR usage: DEL key\nERR usage: QUIT\nDELETED\nNOTFOUND\nOK\nVALUE a\tb\nOK\nVALUE a\rb')"
# Every client shares one store: a new connection sees the values.
got=$(printf 'GET tab\nGET msg\nQUIT\n' | nc -N 127.0.0.1 $PORT)
want "the store, from another connection" "$got" "$(printf 'VALUE a\tb\nNOTFOUND\nBYE')"
# "\r\n" endings: the "\r" is not part of the line, replies end in "\n"
# alone (tr shows a "\r" as #).
got=$(printf 'SET crlf x y\r\nGET crlf\r\nQUIT\r\n' | nc -N 127.0.0.1 $PORT | tr '\r' '#')
want "replies to \\r\\n lines" "$got" "OK
VALUE x y
BYE"
# QUIT ends the conversation: the lines behind it are not run.
got=$(printf 'QUIT\nSET late 1\nGET late\n' | nc -N 127.0.0.1 $PORT)
want "lines after QUIT" "$got" "BYE"
got=$(printf 'GET late\n' | nc -N 127.0.0.1 $PORT)
want "the SET after QUIT did not run" "$got" "NOTFOUND"
# -maxline 1024: a line of 1024 bytes is a command, one of 1025 is too long.
value=$(head -c 1018 /dev/zero | tr '\0' v)
got=$(printf 'SET k %s\nGET k\n' "$value" | nc -N 127.0.0.1 $PORT)
want "a 1024-byte line" "$got" "OK
VALUE $value"
got=$(printf 'SET k %sv\nGET k\n' "$value" | nc -N 127.0.0.1 $PORT)
want "a 1025-byte line" "$got" "ERR line too long"
# A thousand pipelined commands in one go: a thousand replies, in order.
got=$(for i in $(seq 1000); do printf 'SET n%d %d\nGET n%d\n' $i $i $i; done | nc -N 127.0.0.1 $PORT | sha256sum)
want "1000 pipelined SET/GET" "$got" "$(for i in $(seq 1000); do printf 'OK\nVALUE %d\n' $i; done | sha256sum)"
