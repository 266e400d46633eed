#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 9000 => $PORT
# readme: 9001 => $SILENT
# readme: 39999 => $NOBODY
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need ss iproute2
need python3


# go.sum's pieces: DATA 0 to n-1, then FIN n; the final ACK is n+1.
size=$(wc -c < go.sum)
n=$(((size + 1023) / 1024))

go build -o $TRYIT_TMP/rudp ./lessons/13-reliable-udp
PORT=$(free_port)
serve $TRYIT_TMP/rudp receive -addr 127.0.0.1:$PORT -out $TRYIT_TMP/got.bin
want "readiness line" "$READY" "listening on 127.0.0.1:$PORT"
receiver=$SERVER_PID

# tcpdump watches the transfer, until the final ACK has gone by.
tcpdump_on=false
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	tcpdump_on=true
	capture dump tcpdump -i lo -n -X -s 64 udp port $PORT -l
	dump=$CAPTURE_PID
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

got=$(exec 2>$TRYIT_TMP/send.err; $TRYIT_TMP/rudp send -addr 127.0.0.1:$PORT -in go.sum && cmp go.sum $TRYIT_TMP/got.bin && echo identical)
want "send, then cmp" "$got" "identical"
want_match "sender's summary" "$(grep -v "^+" $TRYIT_TMP/send.err)" "^sent $size bytes in $((n + 1)) packets \([0-9]+ retransmitted\) in [0-9.]+(s|ms|µs)\$"
# The receiver lingers two seconds, prints its summary and exits 0.
status=0
wait $receiver || status=$?
want "receiver's status" "$status" 0
want_match "receiver's summary" "$(cat $TRYIT_TMP/server.err)" "^received $size bytes in $n packets from 127\.0\.0\.1:[0-9]+\$"

if $tcpdump_on; then
	fin=$(printf '%02x' $n)
	ack=$(printf '%02x' $((n + 1)))
	eventually 10 grep -q "0x0020:  4100 0000 ${ack}00" $TRYIT_TMP/dump.txt
	kill $dump
	# The FIN: 9 bytes, type F (0x46) after the CRC, its number n. The
	# final ACK: 17 bytes, type A (0x41), number n+1, an empty bitmap.
	want_match "tcpdump -X" "$(cat $TRYIT_TMP/dump.txt)" "(.|\n)*IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP, length 9
	0x0000:  4500 0025 [0-9a-f ]+  E[^[:cntrl:]]*
	0x0010:  7f00 0001 [0-9a-f ]+  [^[:cntrl:]]*
	0x0020:  4600 0000 $fin  +F\.\.\.\.
(.|\n)*IP 127\.0\.0\.1\.$PORT > 127\.0\.0\.1\.[0-9]+: UDP, length 17
	0x0000:  4500 002d [0-9a-f ]+  E[^[:cntrl:]]*
	0x0010:  7f00 0001 [0-9a-f ]+  [^[:cntrl:]]*
	0x0020:  4100 0000 ${ack}00 0000 0000 0000 00  +A\.+(.|\n)*"
fi

# A receiver that never answers: the sender's timer (99ms: no RTT sample
# yet) sends the same packets again until -giveup.
if command -v strace >/dev/null; then
	SILENT=$(free_port)
	nc -u -l 127.0.0.1 $SILENT > /dev/null &
	silent_up() { ss -uanH "src 127.0.0.1:$SILENT" | grep -q .; }
	eventually 10 silent_up
	status=0
	strace -f -e trace=write,read,epoll_pwait $TRYIT_TMP/rudp send -addr 127.0.0.1:$SILENT -in go.sum -giveup 500ms 2>$TRYIT_TMP/strace.txt || status=$?
	want "status of strace's sender" "$status" 1
	got=$(sed -E 's/^\[pid +[0-9]+\] //' $TRYIT_TMP/strace.txt)
	# strace -f interleaves the threads' lines, and may cut one in two:
	# count the calls rather than expect them line by line. The first
	# DATA packet and the FIN each leave at least twice, a wait of about
	# 99ms ran out between, and the sender gave up.
	data0=$(grep -cE 'write\([0-9]+, ".*D\\0\\0\\0\\0.*, 1033' <<<"$got" || true)
	[ "$data0" -ge 2 ] || fail "strace: DATA 0 was written $data0 times, not sent again"
	fins=$(grep -cE "write\\([0-9]+, \".*F\\\\0\\\\0\\\\0\\\\$n\", 9" <<<"$got" || true)
	[ "$fins" -ge 2 ] || fail "strace: FIN $n was written $fins times, not sent again"
	want_match "strace: the timer" "$got" '\[\], 128, ([89][0-9]|100), NULL, 0\) = 0'
	want_match "strace: giving up" "$got" "reliable-udp: no answer from 127\.0\.0\.1:$SILENT for 500ms: 0 of $((n + 1)) packets acknowledged"
else
	echo "strace part skipped: needs strace (Debian package strace)"
fi

# Nothing on the port: the ICMP error stops the sender at once.
NOBODY=$(free_port)
status=0
$TRYIT_TMP/rudp send -addr 127.0.0.1:$NOBODY -in go.sum 2>$TRYIT_TMP/send.err || status=$?
want "status with nothing listening" "$status" 1
want_match "nothing listening" "$(cat $TRYIT_TMP/send.err)" "^reliable-udp: nothing listens at 127\.0\.0\.1:$NOBODY \(ICMP port unreachable\): write udp 127\.0\.0\.1:[0-9]+->127\.0\.0\.1:$NOBODY: write: connection refused\$"

# interop: the solution's sender and receiver move 1 MB through real
# packet loss: iptables drops 20% of the UDP datagrams that loopback
# delivers, in a network namespace of their own (not the host's).
if [ "$(id -u)" = 0 ] && command -v iptables >/dev/null && command -v unshare >/dev/null && command -v sha256sum >/dev/null; then
	head -c 1000000 /dev/urandom > $TRYIT_TMP/big.bin
	cat > $TRYIT_TMP/lossy.sh <<'EOF'
source "$TRYIT_LIB"
ip link set lo up
iptables -A INPUT -i lo -p udp -m statistic --mode random --probability 0.2 -j DROP
serve $TRYIT_TMP/rudp receive -addr 127.0.0.1:0 -out $TRYIT_TMP/big.out
$TRYIT_TMP/rudp send -addr $ADDR -in $TRYIT_TMP/big.bin 2>$TRYIT_TMP/lossy-send.err
status=0
wait $SERVER_PID || status=$?
want "lossy receiver's status" "$status" 0
# Evidence that the loss was real: the rule's count of dropped datagrams.
iptables -L INPUT -v -n -x | awk '/DROP/ { print $1 }' > $TRYIT_TMP/dropped
EOF
	unshare -n bash $TRYIT_TMP/lossy.sh || fail "the transfer through 20% loss failed: $(cat $TRYIT_TMP/lossy-send.err $TRYIT_TMP/server.err 2>/dev/null | tail -n 5)"
	want "SHA-256 at both ends" "$(sha256sum < $TRYIT_TMP/big.out)" "$(sha256sum < $TRYIT_TMP/big.bin)"
	dropped=$(cat $TRYIT_TMP/dropped)
	[ "$dropped" -gt 100 ] || fail "iptables dropped only $dropped datagrams: the loss did not happen"
	want_match "lossy sender's summary" "$(cat $TRYIT_TMP/lossy-send.err)" '^sent 1000000 bytes in 978 packets \([1-9][0-9]* retransmitted\) in [0-9.]+(s|ms)$'
else
	echo "interop part skipped: needs root, iptables, unshare and sha256sum"
fi
