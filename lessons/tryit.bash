# tryit.bash: helpers for the lessons' tryit.sh scripts, which run the
# commands of each README's "Try it by hand" against the reference solution
# and check that they print what the README says. lessons/tryit_test.go
# runs every script, from the root of a copy of the module whose lesson
# folder holds the solution, with:
#   TRYIT_TMP  a private scratch folder (also TMPDIR), removed afterwards;
#   TRYIT_LIB  this file.
# A script is run in its own process group, which is killed when it ends:
# servers it starts in the background need no cleanup.
set -euo pipefail

# skip MESSAGE: this machine cannot run the script (exit status 77).
skip() {
	echo "skip: $*"
	exit 77
}

# need TOOL [PACKAGE]: skip unless TOOL is on PATH, naming the Debian
# package that has it.
need() {
	command -v "$1" >/dev/null || skip "needs $1 (Debian package ${2:-$1})"
}

# need_root: skip unless running as root (raw sockets, namespaces, capture).
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# fail MESSAGE: the recipe does not do what the README says.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# serve COMMAND...: start a server in the background and wait (at most two
# minutes: go run may compile first) for its readiness line, its first line
# on stdout. Sets READY to that line, ADDR to its last word, PORT to the
# port in ADDR, and SERVER_PID. Its stderr goes to $TRYIT_TMP/server.err.
serve() {
	local fifo="$TRYIT_TMP/serve.$$.$RANDOM"
	mkfifo "$fifo"
	"$@" >"$fifo" 2>>"$TRYIT_TMP/server.err" &
	SERVER_PID=$!
	exec {SERVER_OUT}<"$fifo"
	rm -f "$fifo"
	if ! IFS= read -r -t 120 -u "$SERVER_OUT" READY; then
		fail "$* printed no readiness line; its stderr: $(tail -n 5 "$TRYIT_TMP/server.err")"
	fi
	ADDR=${READY##* }
	PORT=${ADDR##*:}
}

# free_port: a port on 127.0.0.1 that is free for both UDP and TCP now,
# for a tool that cannot bind port 0 and say which port it got (nc -l,
# socat, dnsmasq). Another program may take it before the tool binds it:
# wait for the tool to hold it (eventually), and where the program itself
# can bind port 0 and print the port, use serve instead.
free_port() {
	python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    t = socket.socket()
    try:
        t.bind(u.getsockname())
    except OSError:
        continue
    print(u.getsockname()[1])
    break'
}

# gone PID: true once process PID has ended (for eventually).
gone() {
	! kill -0 "$1" 2>/dev/null
}

# stop_capture PID: end a capture as Ctrl-C does and wait for it to go. One
# still there after ten seconds (on a loaded machine libpcap can sit in its
# poll) is killed: started with -l, it has written what it saw already.
stop_capture() {
	kill -INT "$1" 2>/dev/null || true
	local end=$((SECONDS + 10))
	while ! gone "$1" && [ "$SECONDS" -lt "$end" ]; do sleep 0.05; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# capture NAME COMMAND...: start a capture (tcpdump, tshark, or either run
# through a function such as a script's "at") in the background, its output
# in $TRYIT_TMP/NAME.txt and its stderr in $TRYIT_TMP/NAME.err, and wait (at
# most ten seconds) until it says it is listening: packets sent before that
# are not in it. Sets CAPTURE_PID.
capture() {
	local name=$1
	shift
	"$@" >"$TRYIT_TMP/$name.txt" 2>"$TRYIT_TMP/$name.err" &
	CAPTURE_PID=$!
	eventually 10 grep -q 'listening on' "$TRYIT_TMP/$name.err"
}

# hold_netns: a new network namespace, with nothing in it yet, held open by
# a sleep in the background, for what cannot run inside "unshare -r"
# (tcpdump drops its privileges, which a user namespace refuses). Waits
# until the sleep is in it (until unshare has made it, /proc/PID/ns/net
# names ours). Sets NS_PID; at COMMAND... runs COMMAND in it.
hold_netns() {
	unshare -n sleep 600 &
	NS_PID=$!
	eventually 10 _netns_made
}
_netns_made() { [ "$(readlink /proc/$NS_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }
at() { nsenter -t "$NS_PID" -n "$@"; }

# want WHAT GOT EXPECTED: GOT must be EXPECTED exactly.
want() {
	if [ "$2" != "$3" ]; then
		fail "$1: got
$2
want
$3"
	fi
}

# want_match WHAT GOT REGEXP: GOT must match REGEXP (Perl syntax, over the
# whole text: a newline in REGEXP is a newline, (.|\n)* spans lines). Not
# grep -E: it takes each line of a pattern as a pattern of its own, and any
# one of them matching passes.
want_match() {
	if ! printf '%s' "$2" | grep -Pzq -- "${3//$'\n'/\\n}"; then
		fail "$1: got
$2
want a match for
$3"
	fi
}

# want_lines WHAT GOT REGEXPS: GOT has as many lines as REGEXPS, and each
# line matches the line of REGEXPS in the same place, whole (bash's =~,
# extended syntax).
want_lines() {
	local got=() res=() i
	mapfile -t got <<<"$2"
	mapfile -t res <<<"$3"
	[ ${#got[@]} = ${#res[@]} ] || fail "$1: got ${#got[@]} lines, want ${#res[@]}:
$2"
	for i in "${!res[@]}"; do
		[[ ${got[i]} =~ ^${res[i]}$ ]] || fail "$1: line $((i + 1)) is
${got[i]}
and should match
${res[i]}
in
$2"
	done
}

# strace_merged [FILE]: strace -f's output (in FILE, or on stdin) with each call on one line, as
# strace prints it when no other thread comes between: a call that another
# thread interrupted ("accept4(5,  <unfinished ...>" then, later,
# "<... accept4 resumed>{...}) = 11") is joined again, the "[pid N] "
# prefixes and the signal notes ("--- SIGURG ...") are dropped. A pattern
# for a sequence of calls holds on any interleaving of the threads.
strace_merged() {
	awk '
		{
			pid = ""; line = $0
			if (match(line, /^\[pid +[0-9]+\] /)) {
				pid = substr(line, 6, RLENGTH - 7); gsub(/ /, "", pid)
				line = substr(line, RLENGTH + 1)
			}
			if (line ~ /^--- SIG/) next
			if (line ~ / <unfinished \.\.\.>$/) {
				sub(/ <unfinished \.\.\.>$/, "", line); pend[pid] = line; next
			}
			if (match(line, /^<\.\.\. [A-Za-z0-9_]+ resumed> ?/)) {
				print pend[pid] substr(line, RLENGTH + 1); delete pend[pid]; next
			}
			print line
		}
		END { for (p in pend) print pend[p] }
	' "${1:--}"
}

# eventually TIMEOUT COMMAND...: retry COMMAND every 50ms until it succeeds,
# for at most TIMEOUT seconds: for state that settles (ss after a close).
eventually() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || fail "never true within the time: $*"
		sleep 0.05
	done
}
