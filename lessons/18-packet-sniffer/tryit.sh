#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
need_root
need unshare util-linux
need ip iproute2
need ss iproute2
need socat

# The README's session, typed into the namespace's bash. A person waits
# for each command's lines before the next; the session waits too, on
# the lines marked "tryit:" (the sniffer's readiness, socat listening, the
# last ACK of the TCP close: a signal to a sniffer kills it with what it
# has not read yet), each bounded by the timeout of the whole.
go build -o $TRYIT_TMP/sniffer ./lessons/18-packet-sniffer
# The session's bash expands $TRYIT_TMP: it is in the environment.
timeout 30 unshare -rn bash > $TRYIT_TMP/session.out 2> $TRYIT_TMP/session.err <<'EOF' || fail "the session did not end (status $?): $(cat $TRYIT_TMP/session.err)"
until_true() { for i in $(seq 200); do eval "$1" && return; sleep 0.05; done; return 1; }
ip link set lo up
$TRYIT_TMP/sniffer -i lo &
until_true "grep -q 'sniffing on lo' $TRYIT_TMP/session.out"  # tryit: the sniffer is ready
echo hello | socat - UDP:127.0.0.2:9999,sourceport=40000,ip-ttl=42
socat - UDP6:[::1]:9999 <<< six
socat TCP-LISTEN:7000,reuseaddr EXEC:cat & sleep 0.2
until_true "ss -Htln 'sport = :7000' | grep -q ."  # tryit: socat listens
echo hello | socat - TCP:127.0.0.1:7000
until_true "[ \$(grep -c 'TCP flags=F' $TRYIT_TMP/session.out) = 2 ] && grep '^IPv' $TRYIT_TMP/session.out | tail -n 1 | grep -q 'flags=\. len=0'"  # tryit: the close is seen
kill %1; wait %1; echo $?
exit
EOF
out=$(cat $TRYIT_TMP/session.out)
want "socat's echo" "$(grep -c '^hello$' <<<"$out")" 1
want "the sniffer's exit status" "$(tail -n 1 <<<"$out")" 0
lines=$(grep -E '^(sniffing|IPv)' <<<"$out")
want_lines "the sniffer: UDP and ICMP, then the TCP handshake" "$(head -n 8 <<<"$lines")" 'sniffing on lo
IPv4 127\.0\.0\.1:40000 > 127\.0\.0\.2:9999 ttl=42 UDP len=6
IPv4 127\.0\.0\.2 > 127\.0\.0\.1 ttl=64 ICMP type=3 code=3
IPv6 \[::1\]:[0-9]+ > \[::1\]:9999 hlim=64 UDP len=4
IPv6 ::1 > ::1 hlim=64 ICMPv6 type=1 code=4
IPv4 127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:7000 ttl=64 TCP flags=S len=0
IPv4 127\.0\.0\.1:7000 > 127\.0\.0\.1:[0-9]+ ttl=64 TCP flags=S\. len=0
IPv4 127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:7000 ttl=64 TCP flags=\. len=0'
# After the handshake, whatever the ACKs that go with them (delayed ones
# may ride on data): the data each way and a FIN each way.
rest=$(tail -n +9 <<<"$lines" | grep -v 'flags=\. len=0$' | sed -E 's/:7000 /:SERVER /; s/127\.0\.0\.1:[0-9]+ /127.0.0.1:PORT /g; s/:SERVER /:7000 /' | sort)
want "the sniffer: data and FINs" "$rest" "IPv4 127.0.0.1:7000 > 127.0.0.1:PORT ttl=64 TCP flags=F. len=0
IPv4 127.0.0.1:7000 > 127.0.0.1:PORT ttl=64 TCP flags=P. len=6
IPv4 127.0.0.1:PORT > 127.0.0.1:7000 ttl=64 TCP flags=F. len=0
IPv4 127.0.0.1:PORT > 127.0.0.1:7000 ttl=64 TCP flags=P. len=6"

# -i nosuch0: one line on stderr, no readiness line, status 1.
status=0
got=$(unshare -rn $TRYIT_TMP/sniffer -i nosuch0 2>$TRYIT_TMP/nosuch.err) || status=$?
want "-i nosuch0: stdout" "$got" ""
want "-i nosuch0: status" "$status" 1
want "-i nosuch0: stderr lines" "$(wc -l < $TRYIT_TMP/nosuch.err)" 1

# Without CAP_NET_RAW (root without it in its bounding set stands for
# "as yourself"): the privilege check, status 1.
if command -v setpriv >/dev/null; then
	status=0
	setpriv --bounding-set=-net_raw $TRYIT_TMP/sniffer -i lo > $TRYIT_TMP/nocap.out 2> $TRYIT_TMP/nocap.err || status=$?
	want "without CAP_NET_RAW: stderr" "$(cat $TRYIT_TMP/nocap.err)" "sniffer: packet socket (this needs CAP_NET_RAW): operation not permitted"
	want "without CAP_NET_RAW: stdout" "$(cat $TRYIT_TMP/nocap.out)" ""
	want "without CAP_NET_RAW: status" "$status" 1
fi

# interop: tcpdump -Q in, the reference, next to the sniffer on the same
# traffic, as real root (tcpdump cannot drop its privileges inside
# unshare -r). -Q in keeps what arrives, as the sniffer does: on lo each
# packet also leaves. Every packet in the same order, with the same
# addresses, ports, protocol, TCP flags and lengths; tcpdump's lines are
# rewritten into the sniffer's words, and the sniffer's lose ttl= and hlim=.
if ! command -v tcpdump >/dev/null; then
	echo "interop skipped: needs tcpdump (Debian package tcpdump)"
	exit 0
fi
timeout 30 unshare -n bash > $TRYIT_TMP/interop.out 2> $TRYIT_TMP/interop.err <<'EOF' || fail "the interop session did not end (status $?): $(cat $TRYIT_TMP/interop.err)"
until_true() { for i in $(seq 200); do eval "$1" && return; sleep 0.05; done; return 1; }
closed() { [ $(grep -c 'TCP flags=F\|Flags \[F' $1) = 2 ] && tail -n 1 $1 | grep -q 'flags=\. len=0\|Flags \[\.\]'; }
ip link set lo up
$TRYIT_TMP/sniffer -i lo > $TRYIT_TMP/ours.txt &
tcpdump -i lo -n -t -l -Q in > $TRYIT_TMP/tcpdump.txt 2> $TRYIT_TMP/tcpdump.err &
until_true "grep -q 'sniffing on lo' $TRYIT_TMP/ours.txt && grep -q 'listening on lo' $TRYIT_TMP/tcpdump.err"
echo hello | socat - UDP:127.0.0.2:9999,sourceport=40000,ip-ttl=42
socat - UDP6:[::1]:9999 <<< six
socat TCP-LISTEN:7000,reuseaddr EXEC:cat &
until_true "ss -Htln 'sport = :7000' | grep -q ."
echo hello | socat - TCP:127.0.0.1:7000
until_true "closed $TRYIT_TMP/ours.txt && closed $TRYIT_TMP/tcpdump.txt"
kill %1 %2; wait %1 %2
EOF
ours=$(sed -E '1d; s/ (ttl|hlim)=[0-9]+//' $TRYIT_TMP/ours.txt)
theirs=$(sed -E '
	s/^IP ([0-9.]+)\.([0-9]+) > ([0-9.]+)\.([0-9]+): UDP, length ([0-9]+)$/IPv4 \1:\2 > \3:\4 UDP len=\5/
	s/^IP6 ([0-9a-f:]+)\.([0-9]+) > ([0-9a-f:]+)\.([0-9]+): UDP, length ([0-9]+)$/IPv6 [\1]:\2 > [\3]:\4 UDP len=\5/
	s/^IP ([0-9.]+)\.([0-9]+) > ([0-9.]+)\.([0-9]+): Flags \[([^]]+)\], .*length ([0-9]+)$/IPv4 \1:\2 > \3:\4 TCP flags=\5 len=\6/
	s/^IP ([0-9.]+) > ([0-9.]+): ICMP [0-9.]+ udp port [0-9]+ unreachable, length [0-9]+$/IPv4 \1 > \2 ICMP type=3 code=3/
	s/^IP6 ([0-9a-f:]+) > ([0-9a-f:]+): ICMP6, destination unreachable, unreachable port, .*$/IPv6 \1 > \2 ICMPv6 type=1 code=4/
' $TRYIT_TMP/tcpdump.txt)
want "tcpdump -Q in, rewritten, and the sniffer" "$ours" "$theirs"
want "packets compared" "$(wc -l <<<"$ours")" "$(wc -l <<<"$theirs")"
[ "$(wc -l <<<"$ours")" -ge 12 ] || fail "too few packets to compare: $ours"
