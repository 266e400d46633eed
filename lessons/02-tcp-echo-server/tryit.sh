#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 39417 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need socat
need python3

serve go run ./lessons/02-tcp-echo-server -addr 127.0.0.1:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'

# The README's typing, as a pipe: the line comes back.
got=$(printf 'hello\n' | nc -N 127.0.0.1 $PORT)
want "nc -N" "$got" "hello"

got=$(printf 'no newline here' | socat - TCP:127.0.0.1:$PORT; echo)
want "socat with no newline" "$got" "no newline here"

head -c 5000000 /dev/urandom > $TRYIT_TMP/in.bin
socat -t 5 - TCP:127.0.0.1:$PORT < $TRYIT_TMP/in.bin > $TRYIT_TMP/out.bin
got=$(cmp $TRYIT_TMP/in.bin $TRYIT_TMP/out.bin && echo identical)
want "5 MB through" "$got" "identical"

# One LISTEN, and two ESTAB while a client is connected (and TIME-WAIT
# left by the clients before).
exec {held}> >(nc -N 127.0.0.1 $PORT >/dev/null)
estab() { [ "$(ss -tanH "( sport = :$PORT or dport = :$PORT )" | grep -c ESTAB)" = 2 ]; }
eventually 10 estab
got=$(ss -tan "( sport = :$PORT or dport = :$PORT )" | awk 'NR > 1 && $1 != "TIME-WAIT" {print $1}' | sort | uniq -c | tr -s ' ')
want "ss while nc is connected" "$got" " 2 ESTAB
 1 LISTEN"
# One client at a time: the held one leaves (its stdin ends, nc sends FIN).
exec {held}>&-

# tcpdump sees the handshake, the data and the FINs on loopback.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n "tcp port $PORT" -c 8 -l
	dump=$CAPTURE_PID
	printf 'x\n' | nc -N 127.0.0.1 $PORT >/dev/null
	wait $dump
	want_match "tcpdump" "$(cat $TRYIT_TMP/dump.txt)" 'Flags \[S\](.|\n)*Flags \[P\.\](.|\n)*Flags \[F\.\]'
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# Ctrl-C ends the built server with status 0.
go build -o $TRYIT_TMP/echo02 ./lessons/02-tcp-echo-server
serve $TRYIT_TMP/echo02 -addr 127.0.0.1:0
# A person's Ctrl-C comes long after the readiness line; a round trip
# first stands for that (the solution prints the line, then catches SIGINT).
printf 'x\n' | nc -N 127.0.0.1 $PORT >/dev/null
kill -INT $SERVER_PID
status=0
wait $SERVER_PID || status=$?
want "status after Ctrl-C" "$status" 0
echo $? >/dev/null

# interop: a Python 3 client. It sends a line, half-closes its side
# (shutdown SHUT_WR: the server reads EOF), then reads until the server's
# own EOF, which proves the server closes once the echo is out.
serve $TRYIT_TMP/echo02 -addr 127.0.0.1:0
got=$(python3 - 127.0.0.1 $PORT <<'PY'
import socket, sys
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as s:
    s.sendall(b"hello from python\n")
    s.shutdown(socket.SHUT_WR)
    echo = b""
    while chunk := s.recv(4096):
        echo += chunk
sys.stdout.write(echo.decode())
PY
)
want "python client" "$got" "hello from python"
