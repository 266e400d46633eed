#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
# readme: 37773 => $PORT
# readme: 8080 => $PORT
# readme: 1F90 => $HEX
need nc netcat-openbsd
need socat
need ss iproute2
need getent libc-bin

# ipv6: the machine has ::1 (a container may have IPv6 turned off).
ipv6=
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	ipv6=1
fi
# A person's terminal never ends nc's stdin: a FIFO that the script holds
# open stands for it, so a recipe that waits for typing hangs here too
# (and timeout ends it).
mkfifo $TRYIT_TMP/tty
exec {tty}<>$TRYIT_TMP/tty

go build -o $TRYIT_TMP/whoami ./lessons/09-addresses-and-options
serve $TRYIT_TMP/whoami server -addr :0
# [::] is the dual-stack socket; 0.0.0.0 a plain IPv4 one, which Go opens
# where the kernel has no IPv6 at all.
want_match "readiness line" "$READY" '^listening on (\[::\]|0\.0\.0\.0):[0-9]+$'
dual=
case $READY in *'[::]'*) dual=1 ;; esac

# nc -d exits as soon as the server has answered and closed.
got=$(timeout 10 nc -d 127.0.0.1 $PORT <$TRYIT_TMP/tty) || fail "nc -d 127.0.0.1 did not end: $got"
want_match "nc -d over IPv4" "$got" '^you are 127\.0\.0\.1:[0-9]+ over IPv4$'
if [ -n "$ipv6" ]; then
	got=$(timeout 10 nc -d ::1 $PORT <$TRYIT_TMP/tty) || fail "nc -d ::1 did not end: $got"
	want_match "nc -d over IPv6" "$got" '^you are \[::1\]:[0-9]+ over IPv6$'
else
	echo "nc -d ::1 skipped: no ::1 on this machine"
fi
if [ -n "$dual" ]; then
	# An IPv6 socket dialing the mapped address: IPv4 on the wire.
	got=$(timeout 10 socat - "TCP6:[::ffff:127.0.0.1]:$PORT" <$TRYIT_TMP/tty) || fail "socat did not end: $got"
	want_match "socat to the mapped address" "$got" '^you are 127\.0\.0\.1:[0-9]+ over IPv4$'

	# ss: the dual-stack listener is "*", and an IPv6 socket only; Send-Q is
	# the backlog, net.core.somaxconn (4096 by default).
	want_lines "ss -tln" "$(ss -tln "sport = :$PORT")" "State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port *Process *
LISTEN +0 +$(cat /proc/sys/net/core/somaxconn) +\*:$PORT +\*:\* *"
	want "ss -6tlnH" "$(ss -6tlnH "sport = :$PORT" | awk '{print $4}')" "*:$PORT"
	want "ss -4tlnH" "$(ss -4tlnH "sport = :$PORT")" ""
else
	echo "socat and ss parts skipped: no dual-stack socket without IPv6"
fi

# Ctrl-C (after the round trips above) stops it with status 0.
kill -INT $SERVER_PID
status=0
wait $SERVER_PID || status=$?
want "status after Ctrl-C" "$status" 0

# Byte order, three ways, on a server of 127.0.0.1 (the README's 8080).
serve $TRYIT_TMP/whoami server -addr 127.0.0.1:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
hex=$(printf '%04x' $PORT)
HEX=${hex^^}
got=$($TRYIT_TMP/whoami sockaddr 127.0.0.1:$PORT)
want "sockaddr" "$got" "AF_INET port=$hex addr=7f000001"
# The README's own example needs no server.
want "sockaddr 8080" "$($TRYIT_TMP/whoami sockaddr 127.0.0.1:8080)" "AF_INET port=1f90 addr=7f000001"
# The listener (other sockets of the machine may use that port number too).
got=$(grep ":$HEX " /proc/net/tcp)
want_match "/proc/net/tcp" "$got" "(^|\n) *[0-9]+: 0100007F:$HEX 00000000:0000 0A "

gone() { ! kill -0 "$1" 2>/dev/null; }
dump=
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	{ tcpdump -i lo -n -x -c 1 "tcp port $PORT"     # then nc -d 127.0.0.1 $PORT
	} >$TRYIT_TMP/dump.txt 2>$TRYIT_TMP/dump.err &
	dump=$!
	eventually 10 grep -qs 'listening on lo' $TRYIT_TMP/dump.err
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi
got=$(timeout 10 nc -d 127.0.0.1 $PORT <$TRYIT_TMP/tty) || fail "nc -d did not end: $got"
want_match "nc -d" "$got" '^you are 127\.0\.0\.1:[0-9]+ over IPv4$'
if [ -n "$dump" ]; then
	eventually 10 gone $dump
	got=$(cat $TRYIT_TMP/dump.txt)
	# The SYN: IPv4, 60 bytes, DF, TTL 64, TCP; both addresses 7f00 0001,
	# then the two ports, each big-endian.
	want_lines "tcpdump -x" "$got" "[0-9:.]+ IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: Flags \[S\], seq [0-9]+, win 65495, .*
	0x0000:  4500 003c [0-9a-f]{4} 4000 4006 [0-9a-f]{4} 7f00 0001
	0x0010:  7f00 0001 [0-9a-f]{4} $hex [0-9a-f ]+
	0x0020: .*
	0x0030: .*"
	# The client's port, as text and as bytes: the same number.
	client=$(sed -nE '1s/.* IP 127\.0\.0\.1\.([0-9]+) > .*/\1/p' $TRYIT_TMP/dump.txt)
	want_match "the client's port in the header" "$got" "0x0010:  7f00 0001 $(printf '%04x' $client) $hex "
fi

# Share a port: that server set no SO_REUSEPORT, so nobody can join it.
status=0
got=$($TRYIT_TMP/whoami bind -reuseport 127.0.0.1:$PORT 2>&1) || status=$?
want "bind -reuseport next to a server without it" "$got (status $status)" "listen tcp 127.0.0.1:$PORT: bind: address already in use (status 1)"
# After nc's round trip, Ctrl-C stops it.
kill -INT $SERVER_PID
status=0
wait $SERVER_PID || status=$?
want "status after Ctrl-C" "$status" 0

serve $TRYIT_TMP/whoami server -reuseport -addr 127.0.0.1:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
status=0
got=$($TRYIT_TMP/whoami bind -reuseport 127.0.0.1:$PORT 2>&1) || status=$?
want "bind -reuseport" "$got (status $status)" "bound 127.0.0.1:$PORT (status 0)"
status=0
got=$($TRYIT_TMP/whoami bind 127.0.0.1:$PORT 2>&1) || status=$?
want "bind without -reuseport" "$got (status $status)" "listen tcp 127.0.0.1:$PORT: bind: address already in use (status 1)"

# The machine's own hosts file: whatever it says of localhost, resolve
# prints it, 127.0.0.1 among it, and getent's answer is part of it.
resolved=$($TRYIT_TMP/whoami resolve localhost)
want_match "resolve localhost" "$resolved" '^(IPv[46] [0-9a-f.:]+\n)*IPv4 127\.0\.0\.1(\nIPv[46] [0-9a-f.:]+)*$'
got=$(getent hosts localhost)
want_match "getent hosts localhost" "$got" '^(127\.0\.0\.1|::1) +localhost( |$)'
for a in $(awk '{print $1}' <<<"$got"); do
	grep -qx "IPv[46] $a" <<<"$resolved" || fail "getent gives $a for localhost, resolve does not: $resolved"
done
# The README's output is that of Debian's hosts file: run both with that
# file in place of /etc/hosts, in a mount namespace of their own.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >$TRYIT_TMP/debian-hosts
	got=$(timeout 10 unshare -m sh -c 'mount --bind "$1/debian-hosts" /etc/hosts && "$1/whoami" resolve localhost && getent hosts localhost' sh $TRYIT_TMP)
	want "resolve and getent with Debian's /etc/hosts" "$got" "IPv4 127.0.0.1
IPv6 ::1
::1             localhost ip6-localhost ip6-loopback"
else
	echo "Debian hosts file part skipped: needs root and unshare -m (mount namespaces)"
fi

printf '192.0.2.10 db.example.test db # comment\n2001:DB8:0:0::10 db.example.test\n' > $TRYIT_TMP/hosts
got=$($TRYIT_TMP/whoami resolve -hosts $TRYIT_TMP/hosts DB.EXAMPLE.TEST)
want "resolve -hosts" "$got" "IPv4 192.0.2.10
IPv6 2001:db8::10"
