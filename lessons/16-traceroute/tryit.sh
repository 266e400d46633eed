#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
need_root
need unshare util-linux
need nsenter util-linux
need ip iproute2

# chain.sh, saved as the README says.
cat > $TRYIT_TMP/chain.sh <<'CHAIN'
# chain.sh: you (10.9.1.1) - r1 - r2 - r3 - dest (10.9.4.2)
set -e
ip link set lo up
for n in r1 r2 r3 dest; do unshare -n sleep 3600 & eval "pid_$n=$!"; done
ns() { readlink /proc/$1/ns/net; }
for p in $pid_r1 $pid_r2 $pid_r3 $pid_dest; do
  while [ "$(ns $p)" = "$(ns $$)" ]; do sleep 0.01; done
done
at() { p=$(eval echo \$pid_$1); shift; nsenter -t "$p" -n "$@"; }
prev=""; k=1
for n in r1 r2 r3 dest; do
  ip link add a$k type veth peer name b$k
  ip link set b$k netns "$(eval echo \$pid_$n)"
  if [ -z "$prev" ]; then
    ip addr add 10.9.1.1/24 dev a1; ip link set a1 up
  else
    ip link set a$k netns "$(eval echo \$pid_$prev)"
    at $prev ip addr add 10.9.$k.1/24 dev a$k; at $prev ip link set a$k up
  fi
  at $n ip addr add 10.9.$k.2/24 dev b$k; at $n ip link set b$k up
  prev=$n; k=$((k+1))
done
ip route add 10.9.0.0/16 via 10.9.1.2
k=1
for n in r1 r2 r3; do
  at $n sysctl -qw net.ipv4.ip_forward=1
  at $n sysctl -qw net.ipv4.icmp_ratelimit=0   # or back-to-back traces show spurious *
  at $n ip route add 10.9.0.0/16 via 10.9.$((k+1)).2
  [ $k -gt 1 ] && at $n ip route add 10.9.1.0/24 via 10.9.$k.1
  k=$((k+1))
done
at dest ip route add default via 10.9.4.1
at dest sysctl -qw net.ipv4.icmp_ratelimit=0   # its port unreachables too
set +e  # a failing trace must not skip the kill that ends the sleeps
CHAIN

go build -o $TRYIT_TMP/tr ./lessons/16-traceroute
# The inner sh expands $TRYIT_TMP: it is in the environment.
got=$(unshare -rn sh -c '. $TRYIT_TMP/chain.sh; $TRYIT_TMP/tr -q 2 10.9.4.2; at r2 ip rule add iif lo blackhole;
  $TRYIT_TMP/tr -q 2 -w 300ms 10.9.4.2; kill $pid_r1 $pid_r2 $pid_r3 $pid_dest')
want_lines "the trace, then with router 2 silent" "$got" ' 1  10\.9\.1\.2  [0-9.]+ ms  [0-9.]+ ms
 2  10\.9\.2\.2  [0-9.]+ ms  [0-9.]+ ms
 3  10\.9\.3\.2  [0-9.]+ ms  [0-9.]+ ms
 4  10\.9\.4\.2  [0-9.]+ ms  [0-9.]+ ms
 1  10\.9\.1\.2  [0-9.]+ ms  [0-9.]+ ms
 2  \* \*
 3  10\.9\.3\.2  [0-9.]+ ms  [0-9.]+ ms
 4  10\.9\.4\.2  [0-9.]+ ms  [0-9.]+ ms'

# No rate limit on the routers: three traces back to back, three probes
# per TTL (nine errors from each router in well under a second, where
# Linux's default allows six in a burst), and not one spurious *.
got=$(unshare -rn sh -c '. $TRYIT_TMP/chain.sh; for i in 1 2 3; do $TRYIT_TMP/tr -w 300ms 10.9.4.2; done; kill $pid_r1 $pid_r2 $pid_r3 $pid_dest')
trace=' 1  10\.9\.1\.2(  [0-9.]+ ms){3}
 2  10\.9\.2\.2(  [0-9.]+ ms){3}
 3  10\.9\.3\.2(  [0-9.]+ ms){3}
 4  10\.9\.4\.2(  [0-9.]+ ms){3}'
want_lines "three traces back to back" "$got" "$trace
$trace
$trace"

# tcpdump on a1 and the system calls, with router 2 silent, as real root
# (tcpdump cannot drop its privileges inside unshare -r).
cat > $TRYIT_TMP/watch.sh <<'WATCH'
. $TRYIT_TMP/chain.sh
at r2 ip rule add iif lo blackhole
if command -v tcpdump >/dev/null; then
	tcpdump -i a1 -n -v ip -c 7 -l > $TRYIT_TMP/dump.txt 2> $TRYIT_TMP/dump.err &
	dump=$!
	i=0
	until grep -q 'listening on a1' $TRYIT_TMP/dump.err; do
		i=$((i+1)); [ $i -lt 200 ] || { echo "tcpdump did not start" >&2; exit 1; }
		sleep 0.05
	done
	$TRYIT_TMP/tr -q 1 -w 300ms 10.9.4.2 > /dev/null
	timeout 10 tail --pid=$dump -f /dev/null || echo "tcpdump saw fewer than 7 packets" >&2
fi
if command -v strace >/dev/null; then
	strace -f -e trace=socket,bind,setsockopt,sendto,recvfrom,epoll_pwait $TRYIT_TMP/tr -q 1 -w 300ms -m 3 10.9.4.2 > $TRYIT_TMP/strace.out 2> $TRYIT_TMP/strace.txt
fi
kill $pid_r1 $pid_r2 $pid_r3 $pid_dest
WATCH
unshare -n sh $TRYIT_TMP/watch.sh
if command -v tcpdump >/dev/null; then
	# The probes leave with TTL 1, 2, 3, 4, to ports 33434 on; the one to
	# 33435 dies at the silent router 2; the answers quote the whole
	# 50-byte probe (58 = 8 + 50), with TTL 1 in the quoted header.
	want_lines "tcpdump -i a1 -n -v ip" "$(sed -E 's/^[0-9:.]+ //' $TRYIT_TMP/dump.txt)" 'IP \(tos 0x0, ttl 1, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.([0-9]+) > 10\.9\.4\.2\.33434: UDP, length 22
IP \(tos 0xc0, ttl 64, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 78\)
    10\.9\.1\.2 > 10\.9\.1\.1: ICMP time exceeded in-transit, length 58
	IP \(tos 0x0, ttl 1, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.[0-9]+ > 10\.9\.4\.2\.33434: UDP, length 22
IP \(tos 0x0, ttl 2, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.[0-9]+ > 10\.9\.4\.2\.33435: UDP, length 22
IP \(tos 0x0, ttl 3, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.[0-9]+ > 10\.9\.4\.2\.33436: UDP, length 22
IP \(tos 0xc0, ttl 62, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 78\)
    10\.9\.3\.2 > 10\.9\.1\.1: ICMP time exceeded in-transit, length 58
	IP \(tos 0x0, ttl 1, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.[0-9]+ > 10\.9\.4\.2\.33436: UDP, length 22
IP \(tos 0x0, ttl 4, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.[0-9]+ > 10\.9\.4\.2\.33437: UDP, length 22
IP \(tos 0xc0, ttl 61, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 78\)
    10\.9\.4\.2 > 10\.9\.1\.1: ICMP 10\.9\.4\.2 udp port 33437 unreachable, length 58
	IP \(tos 0x0, ttl 1, id [0-9]+, offset 0, flags \[DF\], proto UDP \(17\), length 50\)
    10\.9\.1\.1\.[0-9]+ > 10\.9\.4\.2\.33437: UDP, length 22'
else
	echo "tcpdump part skipped: needs tcpdump (Debian package tcpdump)"
fi
if command -v strace >/dev/null; then
	# With -f, a call another thread interrupts shows as "<unfinished ...>"
	# and "<... resumed>": match what comes before that can happen.
	want_match "strace" "$(strace_merged $TRYIT_TMP/strace.txt)" 'socket\(AF_INET, SOCK_RAW\|SOCK_CLOEXEC\|SOCK_NONBLOCK, IPPROTO_ICMP(.|\n)*socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, IPPROTO_IP(.|\n)*setsockopt\([0-9]+, SOL_IP, IP_TTL, \[1\], 4(.|\n)*sendto\([0-9]+, "socketlings traceroute", 22, 0, \{sa_family=AF_INET, sin_port=htons\(33434\), sin_addr=inet_addr\("10\.9\.4\.2"\)\}, 16(.|\n)*setsockopt\([0-9]+, SOL_IP, IP_TTL, \[2\], 4(.|\n)*epoll_pwait(.|\n)*\[\], 128, [0-9]+, NULL, 0\) = 0(.|\n)*setsockopt\([0-9]+, SOL_IP, IP_TTL, \[3\], 4'
	want_lines "strace: the trace" "$(cat $TRYIT_TMP/strace.out)" ' 1  10\.9\.1\.2  [0-9.]+ ms
 2  \*
 3  10\.9\.3\.2  [0-9.]+ ms'
else
	echo "strace part skipped: needs strace (Debian package strace)"
fi

# interop: traceroute (Debian's, by Dmitry Butskoy) on the same chain, with
# and without router 2's silence: the same hop addresses, TTL by TTL, and
# stars where ours has them. Its header line and the times go.
if command -v traceroute >/dev/null; then
	cat > $TRYIT_TMP/interop.sh <<'INTEROP'
. $TRYIT_TMP/chain.sh
traceroute -n -w 0.3 10.9.4.2 > $TRYIT_TMP/theirs.1
$TRYIT_TMP/tr -w 300ms 10.9.4.2 > $TRYIT_TMP/ours.1
at r2 ip rule add iif lo blackhole
traceroute -n -w 0.3 10.9.4.2 > $TRYIT_TMP/theirs.2
$TRYIT_TMP/tr -w 300ms 10.9.4.2 > $TRYIT_TMP/ours.2
kill $pid_r1 $pid_r2 $pid_r3 $pid_dest
INTEROP
	unshare -rn sh $TRYIT_TMP/interop.sh
	hops() { sed -E '/^traceroute to /d; s/  [0-9.]+ ms//g' $TRYIT_TMP/$1; }
	want "traceroute and ours" "$(hops ours.1)" "$(hops theirs.1)"
	want "traceroute and ours, router 2 silent" "$(hops ours.2)" "$(hops theirs.2)"
	want "the hops" "$(hops ours.2)" " 1  10.9.1.2
 2  * * *
 3  10.9.3.2
 4  10.9.4.2"
else
	echo "interop skipped: needs traceroute (Debian package traceroute)"
fi
