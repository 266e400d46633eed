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

# The packet of "What you will build", in hex.
hex=4500002400004000071175c77f0000017f0000011092270f001066826869207468657265

go build -o $TRYIT_TMP/ip-crafting ./lessons/17-ip-crafting
# socat's line and the forger's come in either order: socat prints the
# datagram with no newline, at the moment it arrives. The inner sh expands
# $TRYIT_TMP: it is in the environment. It must end by itself: socat takes
# one datagram and exits, and the sh waits for it.
got=$(timeout 20 unshare -rn sh -c 'ip link set lo up
  socat -u UDP-RECVFROM:9999,bind=127.0.0.1 STDOUT &
  until ss -Huln "sport = :9999" | grep -q .; do sleep 0.05; done
  $TRYIT_TMP/ip-crafting -dst 127.0.0.1:9999 -ttl 7 -msg "hi there"; wait') ||
	fail "the socat recipe did not end by itself (status $?)"
want_match "socat received the datagram" "$got" 'hi there'
want "the forger's hex" "$(printf '%s' "${got/hi there/}" | tr -d '\n')" "$hex"

# The same packet and a broken one (the UDP checksum without its final
# complement, the README's "drop the ^"), seen by tcpdump and counted by
# the kernel, in a namespace where this script is root for real (tcpdump
# cannot drop its privileges inside unshare -r). The broken one is the
# solution built with an overlay: the lesson's files stay as they are.
sed 's/return ^uint16(s)/return uint16(s)/' ./lessons/17-ip-crafting/main.go > $TRYIT_TMP/broken.go
cmp -s ./lessons/17-ip-crafting/main.go $TRYIT_TMP/broken.go && fail "no ^ to drop in the solution's checksum"
printf '{"Replace": {"%s": "%s"}}\n' "$PWD/lessons/17-ip-crafting/main.go" "$TRYIT_TMP/broken.go" > $TRYIT_TMP/overlay.json
go build -overlay $TRYIT_TMP/overlay.json -o $TRYIT_TMP/broken ./lessons/17-ip-crafting

hold_netns
ns=$NS_PID
at ip link set lo up
listening() { at ss -Huln "sport = :9999" | grep -q .; }

if command -v tcpdump >/dev/null; then
	capture dump at tcpdump -l -i lo -nn -vv -X udp -c 2
	dump=$CAPTURE_PID
fi
at socat -u UDP-RECVFROM:9999,bind=127.0.0.1 STDOUT > $TRYIT_TMP/good.txt &
eventually 10 listening
at $TRYIT_TMP/ip-crafting -dst 127.0.0.1:9999 -ttl 7 -msg "hi there" > /dev/null
wait $!
want "socat, the good packet" "$(cat $TRYIT_TMP/good.txt)" "hi there"
at socat -u UDP-RECVFROM:9999,bind=127.0.0.1 STDOUT > $TRYIT_TMP/bad.txt &
socat2=$!
eventually 10 listening
at $TRYIT_TMP/broken -dst 127.0.0.1:9999 -ttl 7 -msg "hi there" > /dev/null
if command -v tcpdump >/dev/null; then
	timeout 10 tail --pid=$dump -f /dev/null || fail "tcpdump saw fewer than 2 packets: $(cat $TRYIT_TMP/dump.txt)"
	want_lines "tcpdump -vv -X" "$(sed -E 's/^[0-9:.]+ //' $TRYIT_TMP/dump.txt)" 'IP \(tos 0x0, ttl 7, id 0, offset 0, flags \[DF\], proto UDP \(17\), length 36\)
    127\.0\.0\.1\.4242 > 127\.0\.0\.1\.9999: \[udp sum ok\] UDP, length 8
	0x0000:  4500 0024 0000 4000 0711 75c7 7f00 0001  E\.\.\$\.\.@\.\.\.u\.\.\.\.\.
	0x0010:  7f00 0001 1092 270f 0010 6682 6869 2074  \.\.\.\.\.\.'"'"'\.\.\.f\.hi\.t
	0x0020:  6865 7265                                here
IP \(tos 0x0, ttl 7, id 0, offset 0, flags \[DF\], proto UDP \(17\), length 36\)
    127\.0\.0\.1\.4242 > 127\.0\.0\.1\.9999: \[bad udp cksum 0x997d -> 0x6682!\] UDP, length 8
	0x0000:  4500 0024 0000 4000 0711 75c7 7f00 0001  E\.\.\$\.\.@\.\.\.u\.\.\.\.\.
	0x0010:  7f00 0001 1092 270f 0010 997d 6869 2074  \.\.\.\.\.\.'"'"'\.\.\.\.\}hi\.t
	0x0020:  6865 7265                                here'
else
	echo "tcpdump part skipped: needs tcpdump (Debian package tcpdump)"
fi
# The counters: one datagram delivered, one dropped for its checksum.
# nstat keeps a history file; here it goes to the scratch folder.
export NSTAT_HISTORY=$TRYIT_TMP/nstat.history
got=$(at nstat -az UdpInDatagrams UdpInErrors UdpInCsumErrors)
want_lines "nstat" "$got" '#kernel
UdpInDatagrams +1 +0\.0
UdpInErrors +1 +0\.0
UdpInCsumErrors +1 +0\.0'
want_lines "/proc/net/snmp" "$(at grep Udp: /proc/net/snmp)" 'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors( [A-Za-z]+)*
Udp: 1 0 1 0 0 0 1( [0-9]+)*'
# socat received nothing: it still waits.
kill -0 $socat2 || fail "socat ended: it received the broken datagram"
want "socat, the broken packet" "$(cat $TRYIT_TMP/bad.txt)" ""
kill $socat2

if command -v strace >/dev/null; then
	got=$(unshare -rn sh -c 'ip link set lo up; strace -e trace=socket,sendto $TRYIT_TMP/ip-crafting -dst 127.0.0.1:9999' 2>&1)
	want_match "strace" "$got" 'socket\(AF_INET, SOCK_RAW\|SOCK_CLOEXEC, IPPROTO_RAW\) = [0-9]+(.|\n)*sendto\([0-9]+, "E\\0\\0\(\\0\\0@\\0@\\21([^"\\]|\\.)*"\.\.\., 40, 0, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = 40
'
else
	echo "strace part skipped: needs strace (Debian package strace)"
fi

# interop: tshark, with the IPv4 and UDP checksums checked (Wireshark
# leaves both unchecked unless told), sees the good packet's checksums as
# Good and the broken one's UDP checksum as Bad.
if command -v tshark >/dev/null; then
	at tshark -i lo -f udp -l -n -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-T fields -e udp.dstport -e udp.srcport -e ip.ttl -e ip.checksum.status -e udp.checksum.status -e data.data \
		> $TRYIT_TMP/tshark.txt 2> $TRYIT_TMP/tshark.err &
	shark=$!
	# tshark says "Capturing on" before its capture process has started:
	# it captures once it shows a datagram sent to port 7 (discard).
	capturing() {
		echo x | at socat -u - UDP:127.0.0.1:7
		grep -q '^7	' $TRYIT_TMP/tshark.txt
	}
	eventually 20 capturing
	at $TRYIT_TMP/ip-crafting -dst 127.0.0.1:9999 -ttl 7 -msg "hi there" > /dev/null
	at $TRYIT_TMP/broken -dst 127.0.0.1:9999 -ttl 7 -msg "hi there" > /dev/null
	both() { [ "$(grep -c '^9999	' $TRYIT_TMP/tshark.txt)" = 2 ]; }
	eventually 20 both
	kill $shark
	# Status 1 is Good, 0 Bad (2 would be Unverified).
	want "tshark: checksum status" "$(grep '^9999	' $TRYIT_TMP/tshark.txt)" "$(printf '9999\t4242\t7\t1\t1\t6869207468657265\n9999\t4242\t7\t1\t0\t6869207468657265')"
else
	echo "interop skipped: needs tshark (Debian package tshark)"
fi
kill $ns
