#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
need_root
need unshare util-linux
need ip iproute2

go build -o $TRYIT_TMP/ping ./lessons/15-icmp-ping
# The inner sh expands $TRYIT_TMP: it is in the environment.
got=$(unshare -rn sh -c 'ip link set lo up; $TRYIT_TMP/ping -c 3 -i 200ms 127.0.0.1; $TRYIT_TMP/ping -c 2 -s 3 ::1')
want_lines "127.0.0.1 and ::1" "$got" 'PING 127\.0\.0\.1: 56 data bytes
64 bytes from 127\.0\.0\.1: icmp_seq=1 time=[0-9.]+ ms
64 bytes from 127\.0\.0\.1: icmp_seq=2 time=[0-9.]+ ms
64 bytes from 127\.0\.0\.1: icmp_seq=3 time=[0-9.]+ ms

--- 127\.0\.0\.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss
rtt min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+ ms
PING ::1: 3 data bytes
11 bytes from ::1: icmp_seq=1 time=[0-9.]+ ms
11 bytes from ::1: icmp_seq=2 time=[0-9.]+ ms

--- ::1 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss
rtt min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+ ms'

# A silent host: timeouts, 100% loss, no rtt line, status 1.
status=0
got=$(unshare -rn sh -c 'ip link set lo up; ip route add 198.51.100.7/32 dev lo src 127.0.0.1; $TRYIT_TMP/ping -c 2 -W 300ms 198.51.100.7' 2>$TRYIT_TMP/silent.err) || status=$?
want "silent host" "$got" "PING 198.51.100.7: 56 data bytes
Request timeout for icmp_seq 1
Request timeout for icmp_seq 2

--- 198.51.100.7 ping statistics ---
2 packets transmitted, 0 received, 100% packet loss"
want "silent host: status" "$status" 1
want "silent host: stderr" "$(cat $TRYIT_TMP/silent.err)" "ping: no reply from 198.51.100.7"

# The routers, saved as the README says.
cat > $TRYIT_TMP/routers.sh <<'EOF'
ip link set lo up
ip netns add r1; ip netns add r2
ip link add v0 type veth peer name v1 netns r1
ip -n r1 link add v2 type veth peer name v3 netns r2
ip addr add 10.9.1.1/24 dev v0; ip link set v0 up
ip route add 10.9.0.0/16 via 10.9.1.2
ip netns exec r1 sh -c 'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0; ip link set lo up
  ip addr add 10.9.1.2/24 dev v1; ip link set v1 up
  ip addr add 10.9.2.1/24 dev v2; ip link set v2 up
  ip route add throw 10.9.200.0/24; ip route add unreachable 10.9.201.0/24
  ip route add 10.9.202.0/24 via 10.9.2.2'
ip netns exec r2 sh -c 'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0; ip link set lo up
  ip addr add 10.9.2.2/24 dev v3; ip link set v3 up
  ip route add 10.9.0.0/16 via 10.9.2.1'
$TRYIT_TMP/ping -c 1 10.9.200.1; $TRYIT_TMP/ping -c 1 10.9.201.1; $TRYIT_TMP/ping -c 1 10.9.202.1
EOF
# The last ping gets no reply: the script ends with status 1, and grep
# takes what the README shows.
got=$(unshare -rnm sh -c 'mount -t tmpfs tmpfs /run; sh $TRYIT_TMP/routers.sh' | grep From) || true
want "routers" "$got" "From 10.9.1.2 icmp_seq=1 Destination Net Unreachable
From 10.9.1.2 icmp_seq=1 Destination Host Unreachable
From 10.9.2.2 icmp_seq=1 Time to live exceeded"

# The packets, as root in a namespace held open by a sleep (tcpdump cannot
# drop its privileges inside unshare -r).
if command -v tcpdump >/dev/null; then
	hold_netns
	ns=$NS_PID
	at ip link set lo up
	at ip route add 198.51.100.7/32 dev lo src 127.0.0.1
	capture dump at tcpdump -i lo -n 'icmp or icmp6' -c 5 -l
	dump=$CAPTURE_PID
	at $TRYIT_TMP/ping -c 1 127.0.0.1 >/dev/null
	at $TRYIT_TMP/ping -c 1 -W 300ms 198.51.100.7 >/dev/null 2>&1 || true
	at $TRYIT_TMP/ping -c 1 -s 3 ::1 >/dev/null
	timeout 10 tail --pid=$dump -f /dev/null || fail "tcpdump saw fewer than 5 ICMP packets: $(cat $TRYIT_TMP/dump.txt)"
	kill $ns
	want_lines "tcpdump" "$(sed 's/^[0-9:.]* //' $TRYIT_TMP/dump.txt)" 'IP 127\.0\.0\.1 > 127\.0\.0\.1: ICMP echo request, id [0-9]+, seq 1, length 64
IP 127\.0\.0\.1 > 127\.0\.0\.1: ICMP echo reply, id [0-9]+, seq 1, length 64
IP 127\.0\.0\.1 > 198\.51\.100\.7: ICMP echo request, id [0-9]+, seq 1, length 64
IP6 ::1 > ::1: ICMP6, echo request, id [0-9]+, seq 1, length 11
IP6 ::1 > ::1: ICMP6, echo reply, id [0-9]+, seq 1, length 11'
else
	echo "tcpdump part skipped: needs tcpdump (Debian package tcpdump)"
fi

if command -v strace >/dev/null; then
	got=$(unshare -rn sh -c 'ip link set lo up; GOMAXPROCS=1 strace -f -qq -e signal=none -e trace=socket,sendto,recvfrom $TRYIT_TMP/ping -c 2 -i 100ms 127.0.0.1' 2>&1 | strace_merged)
	# A call another thread interrupts shows as "<unfinished ...>" and
	# "<... resumed>": match what comes before that can happen.
	want_match "strace" "$got" 'socket\(AF_INET, SOCK_RAW\|SOCK_CLOEXEC\|SOCK_NONBLOCK, IPPROTO_ICMP(.|\n)*sendto\([0-9]+, "\\10\\0([^"\\]|\\.)*"\.\.\., 64, 0, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16(.|\n)*"E\\0\\0T([^"\\]|\\.)*"\.\.\., 65536, 0, (.|\n)*64 bytes from 127\.0\.0\.1: icmp_seq=1 time='
else
	echo "strace part skipped: needs strace (Debian package strace)"
fi

# interop: iputils' ping and the solution, side by side against the same
# hosts of a fresh copy of the routers' network (fresh, so that r1's
# budget of five unreachables in a burst is not spent yet): the same reply
# and error lines (iputils adds ttl=, and prints no timeout lines), the same
# count line (iputils adds ", time T"), the same exit status.
if ! command -v ping >/dev/null; then
	echo "interop skipped: needs ping (Debian package iputils-ping)"
	exit 0
fi
head -n -1 $TRYIT_TMP/routers.sh > $TRYIT_TMP/interop.sh
cat >> $TRYIT_TMP/interop.sh <<'EOF'
ip route add 198.51.100.7/32 dev lo src 127.0.0.1
ip route add unreachable 10.9.203.0/24
side() { # side NAME HOST FLAGS...: ping's output, its stderr and status
	h=$2; n=$1; shift 2
	"$@" $h > $TRYIT_TMP/$n.$h.out 2> $TRYIT_TMP/$n.$h.err
	echo $? > $TRYIT_TMP/$n.$h.status
}
for h in 127.0.0.1 ::1 198.51.100.7 10.9.202.1; do
	side iputils $h ping -c 2 -i 0.2 -W 0.3
	side ours $h $TRYIT_TMP/ping -c 2 -i 200ms -W 300ms
done
# One probe each: four unreachables from r1, within its burst.
for h in 10.9.200.1 10.9.201.1 10.9.203.1 300.1.2.3; do
	side iputils $h ping -c 1 -W 0.3
	side ours $h $TRYIT_TMP/ping -c 1 -W 300ms
done
EOF
unshare -rnm sh -c 'mount -t tmpfs tmpfs /run; sh $TRYIT_TMP/interop.sh'
# The lines both print, with what only iputils prints taken out.
lines() {
	grep -E 'bytes from|^From|packets transmitted' $TRYIT_TMP/$1.$2.out |
		sed -E 's/ ttl=[0-9]+//; s/ time=[0-9.]+ ms//; s/, time [0-9]+ms//'
}
for h in 127.0.0.1 ::1 198.51.100.7 10.9.202.1 10.9.200.1 10.9.201.1; do
	want "$h: iputils' lines and ours" "$(lines ours $h)" "$(lines iputils $h)"
	want "$h: iputils' status and ours" "$(cat $TRYIT_TMP/ours.$h.status)" "$(cat $TRYIT_TMP/iputils.$h.status)"
done
want "127.0.0.1 replies" "$(lines ours 127.0.0.1 | grep -c 'bytes from 127.0.0.1')" 2
want "10.9.201.1 error" "$(lines ours 10.9.201.1)" "From 10.9.1.2 icmp_seq=1 Destination Host Unreachable
1 packets transmitted, 0 received, +1 errors, 100% packet loss"
want "10.9.202.1 errors" "$(lines ours 10.9.202.1 | grep -c '^From 10.9.2.2 icmp_seq=[12] Time to live exceeded$')" 2
want "status: replies" "$(cat $TRYIT_TMP/ours.127.0.0.1.status)" 0
want "status: no reply" "$(cat $TRYIT_TMP/ours.198.51.100.7.status)" 1
want "status: errors only" "$(cat $TRYIT_TMP/ours.10.9.200.1.status)" 1
# Other errors: a local unreachable route (no packet leaves), no address.
for h in 10.9.203.1 300.1.2.3; do
	want "$h: iputils' status" "$(cat $TRYIT_TMP/iputils.$h.status)" 2
	want "$h: our status" "$(cat $TRYIT_TMP/ours.$h.status)" 2
	want "$h: our stdout" "$(grep -v '^PING' $TRYIT_TMP/ours.$h.out || true)" ""
done
want_match "10.9.203.1: iputils" "$(cat $TRYIT_TMP/iputils.10.9.203.1.err)" '[Nn]o route to host'
want_match "10.9.203.1: ours" "$(cat $TRYIT_TMP/ours.10.9.203.1.err)" '^ping: .*sendto: no route to host$'
