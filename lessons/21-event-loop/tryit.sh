#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 9000 => $P
# readme: $(pgrep -n event-loop) => $SRV
need nc netcat-openbsd
need socat
need ss iproute2
[ "$(uname)" = Linux ] || skip "Linux only (epoll)"

# The README's fixed port is port 0 here, then the one the kernel gave.
P=0
serve go run ./lessons/21-event-loop -addr 127.0.0.1:$P
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
P=$PORT
# The program that go run built and started. "pgrep -n event-loop" finds
# the newest such process on the machine, which on a shared one may be
# someone else's: the script names its own, and checks that the README's
# pattern matches it.
SRV=$(pgrep -x -P $SERVER_PID 21-event-loop)
pgrep event-loop | grep -qx "$SRV" || fail "pgrep event-loop does not find the server (pid $SRV)"

# Two terminals at once: both connected, each gets its echo, the second
# first while the first stays silent.
exec {a}> >(nc 127.0.0.1 $P > $TRYIT_TMP/nc1.out)
exec {b}> >(nc 127.0.0.1 $P > $TRYIT_TMP/nc2.out)
printf 'hello\n' >&$b
eventually 10 grep -qx hello $TRYIT_TMP/nc2.out
printf 'hello\n' >&$a
eventually 10 grep -qx hello $TRYIT_TMP/nc1.out

# strace: one client that sends hello and leaves.
strace_ok=false
if command -v strace >/dev/null; then
	strace -f -e trace=epoll_wait,epoll_pwait,epoll_ctl,accept4,read,write -p $SRV 2>$TRYIT_TMP/strace.txt &
	st=$!
	attached() { grep -q 'attached' $TRYIT_TMP/strace.txt || ! kill -0 $st 2>/dev/null; }
	eventually 10 attached
	if kill -0 $st 2>/dev/null; then
		strace_ok=true
	else
		echo "strace part skipped: strace cannot attach here: $(head -n 1 $TRYIT_TMP/strace.txt)"
	fi
else
	echo "strace part skipped: needs strace (Debian package strace)"
fi
if $strace_ok; then
	got=$(printf 'hello\n' | nc -N 127.0.0.1 $P)
	want "nc -N" "$got" "hello"
	eventually 10 grep -q 'read([0-9]*, "", 65536) *= 0$' $TRYIT_TMP/strace.txt
	fd=$(sed -n 's/.*read(\([0-9]*\), "hello\\n", 65536) *= 6$/\1/p' $TRYIT_TMP/strace.txt | tail -n 1)
	[ -n "$fd" ] || fail "strace: no read of hello: $(cat $TRYIT_TMP/strace.txt)"
	want_match "strace of one client" "$(strace_merged $TRYIT_TMP/strace.txt)" "accept4\([0-9]+, \{sa_family=AF_INET, sin_port=htons\([0-9]+\), sin_addr=inet_addr\(\"127\.0\.0\.1\"\)\}, \[112 => 16\], SOCK_CLOEXEC\|SOCK_NONBLOCK\) = $fd(.|\n)*epoll_ctl\([0-9]+, EPOLL_CTL_ADD, $fd, \{events=EPOLLIN, data=\{u32=$fd, u64=$fd\}\}\) = 0(.|\n)*accept4\([0-9]+, .*\) = -1 EAGAIN \(Resource temporarily unavailable\)(.|\n)*read\($fd, \"hello\\\\n\", 65536\) *= 6(.|\n)*write\($fd, \"hello\\\\n\", 6\) *= 6(.|\n)*read\($fd, \"\", 65536\) *= 0"
fi

# A client that sends a lot and reads nothing: the socket moves to
# EPOLLOUT once a write cannot take all it is offered. That write is
# usually partial (12341 of 65536 in the README), but may find the buffer
# already full (-1 EAGAIN), or be split by strace -f around another
# thread's line ("<unfinished ...>"): the script checks the move only.
head -c 50000000 /dev/zero | socat -u - TCP:127.0.0.1:$P &
if $strace_ok; then
	mod() { grep -Eq 'epoll_ctl\([0-9]+, EPOLL_CTL_MOD, [0-9]+, \{events=EPOLLOUT, ' $TRYIT_TMP/strace.txt; }
	eventually 10 mod
	fd=$(sed -En 's/.*epoll_ctl\([0-9]+, EPOLL_CTL_MOD, ([0-9]+), \{events=EPOLLOUT, .*/\1/p' $TRYIT_TMP/strace.txt | head -n 1)
	grep -Eq "read\($fd, \"(\\\\0)+\"\.\.\., 65536\)" $TRYIT_TMP/strace.txt ||
		fail "strace: EPOLLOUT on fd $fd, which read no zeros: not the flood's"
	kill $st
	wait $st || true
fi

# ss: the bytes wait in both queues once the flood stalls: both are full
# and stay as they are. (How full depends on how far the kernel grew the
# buffers while the flood ran: hundreds of KB and MB in the README, less on
# a loaded machine.)
queues() { ss -tnH "sport = :$P" | awk '$1 == "ESTAB" && $2 > 0 && $3 > 0 {print $2, $3}'; }
stalled() {
	local a b
	a=$(queues)
	sleep 0.3
	b=$(queues)
	[ -n "$a" ] && [ "$a" = "$b" ]
}
eventually 20 stalled
got=$(ss -tn "sport = :$P" 2>&1 | sed "s/:$P /:9000 /g")
want_match "ss -tn" "$got" '^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process *(.|\n)*ESTAB +[1-9][0-9]* +[1-9][0-9]* +127\.0\.0\.1:9000 +127\.0\.0\.1:[0-9]+'

# Threads and memory: a handful of threads with four clients.
got=$(grep -E 'Threads|VmRSS' /proc/$SRV/status)
want_match "/proc status" "$got" '^VmRSS:\s+[0-9]+ kB\sThreads:\s+[0-9]+$'
threads=$(awk '/^Threads:/ {print $2}' /proc/$SRV/status)
[ "$threads" -le $((16 + $(nproc))) ] || fail "$threads threads with four clients"

# The c10k comparison of the README's section on threads. Its second
# folder, ./solutions/04-concurrent-server, is not in the copy of the
# module that the runner makes: the script measures this lesson only.
# by hand only: go run ./lessons/21-event-loop/c10k ./lessons/21-event-loop ./solutions/04-concurrent-server (the runner's module holds this lesson only)
n=10000
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((n + 200)) ]; then
	n=1000
	echo "c10k scaled down to $n connections: the hard descriptor limit is $(ulimit -Hn)"
fi
got=$(go run ./lessons/21-event-loop/c10k -n $n ./lessons/21-event-loop)
want_match "c10k" "$got" "^program +conns +threads +VmRSS +connect\s\./lessons/21-event-loop +$n +[0-9]+ +[0-9]+ kB +[0-9.]+m?s\$"
set -- $(tail -n 1 <<<"$got")
[ "$3" -le $((16 + $(nproc))) ] || fail "c10k: $3 threads with $n connections"
[ "$4" -le $((24 * 1024)) ] || fail "c10k: VmRSS $4 kB with $n connections, over 24 MiB"
