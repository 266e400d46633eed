#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 50704 => $PORT
# readme: 50706 => $PORT
# readme: 50707 => $PORT
need nc netcat-openbsd
need python3
need ss iproute2

serve go run ./lessons/11-udp-echo -addr 127.0.0.1:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
export PORT

got=$(printf 'hello\n' | nc -u -w1 127.0.0.1 $PORT)
want "nc -u" "$got" "hello"

# tcpdump, started first here, sees the Python exchange below.
dump=
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n "udp port $PORT" -l -c 5
	dump=$CAPTURE_PID
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# The README's script; only the port comes from the environment.
got=$(python3 - <<'EOF'
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
srv = ("127.0.0.1", int(os.environ["PORT"]))
s.sendto(b"", srv); print(s.recvfrom(65535))
s.sendto(b"x" * 65507, srv); d, a = s.recvfrom(65535); print(len(d), a)
try:
    s.sendto(b"x" * 65508, srv)
except OSError as e:
    print(e)
s.sendto(b"abc", srv); s.sendto(b"defg", srv)
print(s.recvfrom(2))      # a 2-byte buffer: the rest of "abc" is gone
print(s.recvfrom(65535))  # the next datagram, whole
EOF
)
want "the Python edges" "$got" "(b'', ('127.0.0.1', $PORT))
65507 ('127.0.0.1', $PORT)
[Errno 90] Message too long
(b'ab', ('127.0.0.1', $PORT))
(b'defg', ('127.0.0.1', $PORT))"

if [ -n "$dump" ]; then
	finish_dump() { ! kill -0 $dump 2>/dev/null; }
	eventually 10 finish_dump
	# Timestamps trimmed, the client's port as CLIENT.
	got=$(sed -E "s/^[0-9:.]+ //; s/127\.0\.0\.1\.([0-9]+)/127.0.0.1.P\1/g; s/P$PORT/$PORT/g; s/P[0-9]+/CLIENT/g" $TRYIT_TMP/dump.txt)
	want "tcpdump" "$got" "IP 127.0.0.1.CLIENT > 127.0.0.1.$PORT: UDP, length 0
IP 127.0.0.1.$PORT > 127.0.0.1.CLIENT: UDP, length 0
IP 127.0.0.1.CLIENT > 127.0.0.1.$PORT: UDP, length 65507
IP 127.0.0.1.$PORT > 127.0.0.1.CLIENT: UDP, length 65507
IP 127.0.0.1.CLIENT > 127.0.0.1.$PORT: UDP, length 3"
fi

got=$(ss -uan "( sport = :$PORT )" | awk 'NR > 1 {print $1, $2, $3, $4, $5}')
want "ss -uan" "$got" "UNCONN 0 0 127.0.0.1:$PORT 0.0.0.0:*"

# Which address the echo comes from: bound to one address, that one.
serve go run ./lessons/11-udp-echo -addr 127.0.0.2:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.2:[0-9]+$'
got=$(python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.sendto(b'hi', ('127.0.0.2', $PORT)); print(s.recvfrom(100))")
want "echo from a server bound to 127.0.0.2" "$got" "(b'hi', ('127.0.0.2', $PORT))"
# Bound to the wildcard: the kernel picks 127.0.0.1.
serve go run ./lessons/11-udp-echo -addr 0.0.0.0:0
want_match "readiness line" "$READY" '^listening on \[::\]:[0-9]+$'
got=$(python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.sendto(b'hi', ('127.0.0.2', $PORT)); print(s.recvfrom(100))")
want "echo from a server bound to the wildcard" "$got" "(b'hi', ('127.0.0.1', $PORT))"
# A socket connected to 127.0.0.2 never sees that echo.
got=$(python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5); s.connect(('127.0.0.2', $PORT)); s.send(b'hi'); print(s.recv(100))" 2>&1 || true)
want_match "a connected client and the wildcard server's echo" "$got" 'TimeoutError: timed out'

# Fragmentation in a namespace of its own, loopback MTU 1500: one datagram
# of 3000 bytes, three IP packets with the same id.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null && command -v unshare >/dev/null; then
	go build -o $TRYIT_TMP/udpecho ./lessons/11-udp-echo
	cat >$TRYIT_TMP/frag.sh <<'EOF'
set -eu
ip link set lo up mtu 1500
exec 3< <("$TRYIT_TMP/udpecho" -addr 127.0.0.1:7777)
read -r ready <&3
tcpdump -l -i lo -n -v udp -c 3 >"$TRYIT_TMP/frag.txt" 2>"$TRYIT_TMP/frag.err" &
dump=$!
until grep -qs 'listening on lo' "$TRYIT_TMP/frag.err"; do sleep 0.05; done
python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.sendto(b"x" * 3000, ("127.0.0.1", 7777)); print(len(s.recv(65535)))'
wait $dump
EOF
	got=$(timeout 20 unshare -n sh -c "exec bash $TRYIT_TMP/frag.sh")
	want "the echo of 3000 bytes through MTU 1500" "$got" "3000"
	# Timestamps trimmed; the id (one for all three) as ID, the port as CLIENT.
	id=$(sed -nE '1s/.* id ([0-9]+),.*/\1/p' $TRYIT_TMP/frag.txt)
	got=$(sed -E "s/^[0-9:.]+ //; s/ id $id,/ id ID,/; s/127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.7777/127.0.0.1.CLIENT > 127.0.0.1.7777/" $TRYIT_TMP/frag.txt)
	want "tcpdump -v in the namespace" "$got" "IP (tos 0x0, ttl 64, id ID, offset 0, flags [+], proto UDP (17), length 1500)
    127.0.0.1.CLIENT > 127.0.0.1.7777: UDP, length 3000
IP (tos 0x0, ttl 64, id ID, offset 1480, flags [+], proto UDP (17), length 1500)
    127.0.0.1 > 127.0.0.1: ip-proto-17
IP (tos 0x0, ttl 64, id ID, offset 2960, flags [none], proto UDP (17), length 68)
    127.0.0.1 > 127.0.0.1: ip-proto-17"
else
	echo "fragmentation part skipped: needs root, tcpdump and unshare"
fi
