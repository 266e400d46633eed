#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 5353 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need socat
need xxd
need ss iproute2
need python3
need dig dnsutils

# udp_pid: the pid of the process that holds UDP port $PORT (socat and
# netcat print nothing when they are ready).
udp_pid() { ss -uanpH "src 127.0.0.1:$PORT" | grep -oE 'pid=[0-9]+' | head -n 1 | cut -d= -f2; }
udp_bound() { [ -n "$(udp_pid)" ]; }
tcp_listening() { ss -tlnH "src 127.0.0.1:$PORT" | grep -q .; }

go build -o $TRYIT_TMP/dns-client ./lessons/14-dns-client

# Our own query, as netcat receives it; the client times out.
PORT=$(free_port)
nc -u -l 127.0.0.1 $PORT | xxd > $TRYIT_TMP/query.txt &
xxd_pid=$!
eventually 10 udp_bound
status=0
go run ./lessons/14-dns-client -server 127.0.0.1:$PORT -timeout 1s www.example.com 2>$TRYIT_TMP/client.err || status=$?
want "status when nothing answers" "$status" 1
want_match "no answer" "$(cat $TRYIT_TMP/client.err)" "^dns client: no answer from 127\.0\.0\.1:$PORT within 1s
exit status 1\$"
# netcat would wait for more: stop it, so that xxd sees the end.
kill "$(udp_pid)"
wait $xxd_pid || true
want_match "xxd of the query" "$(cat $TRYIT_TMP/query.txt)" '^00000000: [0-9a-f]{4} 0100 0001 0000 0000 0000 0377 7777  .{2}\.{11}www
00000010: 0765 7861 6d70 6c65 0363 6f6d 0000 0100  \.example\.com\.\.\.\.
00000020: 01                                       \.$'

# The fake DNS server of the README, over UDP.
cat > $TRYIT_TMP/fakedns.sh <<'EOF'
q=$(xxd -p | tr -d '\n')
echo "${q:0:4}81800001000100000000${q:24}c00c000100010000012c0004c0000201" | xxd -r -p
EOF
PORT=$(free_port)
socat UDP-RECVFROM:$PORT,bind=127.0.0.1,fork SYSTEM:"bash $TRYIT_TMP/fakedns.sh" &
eventually 10 udp_bound
got=$(go run ./lessons/14-dns-client -server 127.0.0.1:$PORT www.example.com)
want "client against the fake server" "$got" "www.example.com. A 192.0.2.1"

# Break things on purpose. socat runs the script anew for each datagram,
# so an edit takes effect at once. RCODE 3:
sed -i 's/81800001000100000000/81830001000100000000/' $TRYIT_TMP/fakedns.sh
status=0
$TRYIT_TMP/dns-client -server 127.0.0.1:$PORT www.example.com 2>$TRYIT_TMP/client.err || status=$?
want "status on RCODE 3" "$status" 1
want "RCODE 3" "$(cat $TRYIT_TMP/client.err)" "dns client: www.example.com.: NXDOMAIN (the name does not exist)"
# Another ID: the answer is not ours, and the client times out.
sed -i 's/81830001000100000000/81800001000100000000/; s/\${q:0:4}/0000/' $TRYIT_TMP/fakedns.sh
status=0
$TRYIT_TMP/dns-client -server 127.0.0.1:$PORT -timeout 300ms www.example.com 2>$TRYIT_TMP/client.err || status=$?
want "status on a wrong ID" "$status" 1
want "wrong ID" "$(cat $TRYIT_TMP/client.err)" "dns client: no answer from 127.0.0.1:$PORT within 300ms"
# TC set, and nothing on TCP: connection refused.
sed -i 's/0000/${q:0:4}/; s/81800001000100000000/83800001000100000000/' $TRYIT_TMP/fakedns.sh
status=0
$TRYIT_TMP/dns-client -server 127.0.0.1:$PORT www.example.com 2>$TRYIT_TMP/client.err || status=$?
want "status on TC with no TCP server" "$status" 1
want_match "TC with no TCP server" "$(cat $TRYIT_TMP/client.err)" '^dns client: the answer over UDP was truncated \(TC flag set\), and over TCP: .*connection refused$'

# The fake TCP side: the client prints its two records, not the one of
# the truncated datagram.
cat > $TRYIT_TMP/fakedns-tcp.sh <<'EOF'
n=$((16#$(head -c 2 | xxd -p)))
q=$(head -c $n | xxd -p | tr -d '\n')
a="${q:0:4}81800001000200000000${q:24}c00c000100010000012c0004c0000201c00c000100010000012c0004c0000202"
printf '%04x%s' $((${#a} / 2)) "$a" | xxd -r -p
EOF
socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork SYSTEM:"bash $TRYIT_TMP/fakedns-tcp.sh" &
eventually 10 tcp_listening
got=$(go run ./lessons/14-dns-client -server 127.0.0.1:$PORT www.example.com)
want "client against the fake UDP+TCP server" "$got" "www.example.com. A 192.0.2.1
www.example.com. A 192.0.2.2"

# tcpdump decodes DNS only on the ports it knows, and prints (QM) because
# 5353 is multicast DNS's: the README's port, then, in a network namespace
# of our own, where 5353 is surely free.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null && command -v unshare >/dev/null; then
	sed -i 's/83800001000100000000/81800001000100000000/' $TRYIT_TMP/fakedns.sh
	cat > $TRYIT_TMP/ns.sh <<'EOF'
source "$TRYIT_LIB"
ip link set lo up
socat UDP-RECVFROM:$PORT,bind=127.0.0.1,fork SYSTEM:"bash $TRYIT_TMP/fakedns.sh" &
udp=$!
bound() { ss -"$1"lnH "src 127.0.0.1:$PORT" | grep -q .; }
eventually 10 bound u
capture dump1 tcpdump -i lo -n -X udp port $PORT -c 2 -l
dump=$CAPTURE_PID
$TRYIT_TMP/dns-client -server 127.0.0.1:$PORT www.example.com > /dev/null
wait $dump
# TC in the UDP answer, then the same question over TCP.
sed -i 's/81800001000100000000/83800001000100000000/' $TRYIT_TMP/fakedns.sh
socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork SYSTEM:"bash $TRYIT_TMP/fakedns-tcp.sh" &
tcp=$!
eventually 10 bound t
capture dump2 tcpdump -i lo -n port $PORT -l
dump=$CAPTURE_PID
$TRYIT_TMP/dns-client -server 127.0.0.1:$PORT www.example.com > /dev/null
eventually 10 grep -q 'Flags \[F\.\]' $TRYIT_TMP/dump2.txt
kill $dump $udp $tcp
EOF
	PORT=5353 unshare -n bash $TRYIT_TMP/ns.sh || fail "the fake servers with tcpdump, in a namespace of their own, failed"
	t='[0-9:.]+ IP 127\.0\.0\.1'
	want_match "tcpdump -X" "$(cat $TRYIT_TMP/dump1.txt)" "^$t\.[0-9]+ > 127\.0\.0\.1\.5353: ([0-9]+)\+ A \(QM\)\? www\.example\.com\. \(33\)
(.|\n)*$t\.5353 > 127\.0\.0\.1\.[0-9]+: \1 1/0/0 A 192\.0\.2\.1 \(49\)
(.|\n)*"
	want_match "tcpdump with TC" "$(cat $TRYIT_TMP/dump2.txt)" "^$t\.[0-9]+ > 127\.0\.0\.1\.5353: ([0-9]+)\+ A \(QM\)\? www\.example\.com\. \(33\)
$t\.5353 > 127\.0\.0\.1\.[0-9]+: \1[|] 1/0/0 A 192\.0\.2\.1 \(49\)
$t\.[0-9]+ > 127\.0\.0\.1\.5353: Flags \[S\](.|\n)*Flags \[P\.\], seq 1:36, (.|\n)*length 35
(.|\n)*$t\.5353 > (.|\n)*length 67
(.|\n)*"
else
	echo "tcpdump part skipped: needs root, tcpdump (Debian package tcpdump) and unshare"
fi

# A real resolver, when this machine can reach one that answers: the
# client's lines are dig's without the TTL and class columns.
grep nameserver /etc/resolv.conf || true
norm() { sed -E 's/^([^[:space:]]+)[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+([A-Z0-9]+)[[:space:]]+/\1 \2 /'; }
if dig @1.1.1.1 +time=2 +tries=1 +short www.wikipedia.org AAAA 2>/dev/null | grep -q :; then
	ours=$(go run ./lessons/14-dns-client -server 1.1.1.1:53 -type AAAA www.wikipedia.org | sort)
	theirs=$(dig @1.1.1.1 +noall +answer www.wikipedia.org AAAA | norm | sort)
	want "AAAA www.wikipedia.org, ours and dig's" "$ours" "$theirs"
	ours=$(go run ./lessons/14-dns-client -server 1.1.1.1:53 -type MX gmail.com | sort)
	theirs=$(dig @1.1.1.1 +noall +answer gmail.com MX | norm | sort)
	want "MX gmail.com, ours and dig's" "$ours" "$theirs"
	# Over TCP when the answer is truncated, ours is whole: dig's lines
	# (cut or not) are among ours.
	ours=$(go run ./lessons/14-dns-client -server 1.1.1.1:53 -type TXT google.com | sort)
	theirs=$(dig @1.1.1.1 +noall +answer +ignore google.com TXT | norm | sort)
	[ -n "$theirs" ] && [ -z "$(comm -13 <(echo "$ours") <(echo "$theirs"))" ] ||
		fail "TXT google.com: dig's lines are not all among ours: ours
$ours
dig's
$theirs"
else
	echo "real resolver part skipped: 1.1.1.1 gives no answer for www.wikipedia.org AAAA from here"
fi

# interop: dnsmasq as a local authoritative server (no upstream, no
# /etc/hosts), the solution's answers against dig's for each type, a
# CNAME chain, NXDOMAIN and NODATA, and a record set too big for 512
# bytes: dnsmasq sets TC, and the client asks again over TCP.
if command -v dnsmasq >/dev/null; then
	records=(
		--local=/lab.test/
		--host-record=host.lab.test,192.0.2.1,2001:db8::1
		--cname=www.lab.test,web.lab.test
		--cname=web.lab.test,host.lab.test
		--mx-host=lab.test,mail.lab.test,10
		--host-record=mail.lab.test,192.0.2.25
		'--txt-record=lab.test,v=spf1 -all,a second string'
		$'--txt-record=odd.lab.test,say "hi" \\ back,tab\tx,\xc3\xa9'
	)
	for i in $(seq 1 40); do
		records+=(--host-record=big.lab.test,2001:db8::$i)
	done
	dnsmasq_up() {
		ss -uanpH "src 127.0.0.1:$DNSPORT" | grep -q "pid=$dnsmasq_pid," &&
			ss -tlnpH "src 127.0.0.1:$DNSPORT" | grep -q "pid=$dnsmasq_pid,"
	}
	dnsmasq_ready() { ! kill -0 $dnsmasq_pid 2>/dev/null || dnsmasq_up; }
	# Another program may take the port between free_port and dnsmasq:
	# then dnsmasq exits, and we try another port.
	for try in 1 2 3; do
		DNSPORT=$(free_port)
		dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --pid-file= --log-facility=- \
			--port=$DNSPORT --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
			"${records[@]}" 2>$TRYIT_TMP/dnsmasq.err &
		dnsmasq_pid=$!
		eventually 10 dnsmasq_ready
		if dnsmasq_up; then break; fi
		wait $dnsmasq_pid || true
		[ $try -lt 3 ] || fail "dnsmasq did not start: $(tail -n 3 $TRYIT_TMP/dnsmasq.err)"
	done
	# dig +noedns asks as our client does, within 512 bytes, and goes
	# over TCP when TC is set.
	compare() {
		local ours theirs
		ours=$($TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT -type $2 $1 | sort)
		theirs=$(dig @127.0.0.1 -p $DNSPORT +noedns +noall +answer $1 $2 | norm | sort)
		[ -n "$theirs" ] || fail "dig found no $2 record for $1 at dnsmasq"
		want "$1 $2, ours and dig's, from dnsmasq" "$ours" "$theirs"
	}
	compare host.lab.test A
	compare host.lab.test AAAA
	compare www.lab.test A
	compare lab.test MX
	compare lab.test TXT
	compare odd.lab.test TXT
	compare big.lab.test AAAA
	# The chain in its order, as the server sent it.
	got=$($TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT www.lab.test)
	want "CNAME chain" "$got" "www.lab.test. CNAME web.lab.test.
web.lab.test. CNAME host.lab.test.
host.lab.test. A 192.0.2.1"
	want "TXT with escapes" "$($TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT -type TXT odd.lab.test)" \
		'odd.lab.test. TXT "say \"hi\" \\ back" "tab\009x" "\195\169"'
	# NXDOMAIN for a name of the local domain that has no record.
	want_match "dig on a missing name" "$(dig @127.0.0.1 -p $DNSPORT +noedns nope.lab.test A)" 'status: NXDOMAIN'
	status=0
	$TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT nope.lab.test 2>$TRYIT_TMP/client.err || status=$?
	want "status on NXDOMAIN" "$status" 1
	want "NXDOMAIN" "$(cat $TRYIT_TMP/client.err)" "dns client: nope.lab.test.: NXDOMAIN (the name does not exist)"
	# NODATA: mail.lab.test has an A record and no AAAA: no line, status 0.
	want_match "dig on NODATA" "$(dig @127.0.0.1 -p $DNSPORT +noedns mail.lab.test AAAA)" 'status: NOERROR(.|\n)*ANSWER: 0,'
	want "NODATA" "$($TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT -type AAAA mail.lab.test)" ""
	# The 40 AAAA records do not fit in 512 bytes: dnsmasq sets TC over
	# UDP, and the client has all 40, so it asked again over TCP.
	want_match "dig +ignore on the big set" "$(dig @127.0.0.1 -p $DNSPORT +noedns +ignore big.lab.test AAAA)" 'flags: qr aa tc rd ra;'
	want "AAAA records of big.lab.test" "$($TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT -type AAAA big.lab.test | wc -l)" 40
	if command -v strace >/dev/null; then
		strace -f -e trace=socket -o $TRYIT_TMP/socket.txt $TRYIT_TMP/dns-client -server 127.0.0.1:$DNSPORT -type AAAA big.lab.test > /dev/null
		want_match "the client's sockets for the big set" "$(cat $TRYIT_TMP/socket.txt)" 'SOCK_DGRAM(.|\n)*SOCK_STREAM'
	fi
	kill $dnsmasq_pid
else
	echo "interop part skipped: needs dnsmasq (Debian package dnsmasq-base)"
fi
