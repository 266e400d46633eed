#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 40113 => $PORT
need socat

serve go run ./lessons/23-game-server -addr 127.0.0.1:0 -tick 1s -timeout 30s
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'

# ticks FILE: how many snapshots FILE holds.
ticks() { grep -c '^TICK ' "$1" || true; }
# after FILE N: FILE holds more than N snapshots.
after() { [ "$(ticks "$1")" -gt "$2" ]; }

# ann's terminal: socat sends each line as one datagram, and prints each
# snapshot. Its stdin stays open, as a terminal's would.
exec {ann}> >(socat - UDP:127.0.0.1:$PORT > $TRYIT_TMP/ann.out)
printf 'JOIN ann\n' >&$ann
eventually 10 grep -qx 'ann 0 0 0' $TRYIT_TMP/ann.out
printf 'INPUT 1 1 0\n' >&$ann
eventually 10 grep -qx 'ann 1 0 1' $TRYIT_TMP/ann.out
# The copy: two ticks later (the first may have left before the copy came
# in), ann has still moved once.
n=$(ticks $TRYIT_TMP/ann.out)
printf 'INPUT 1 1 0\n' >&$ann
eventually 10 after $TRYIT_TMP/ann.out $((n + 1))
# The whole transcript: snapshots of consecutive ticks, ann at 0 0 before
# her input, at 1 0 after it, never further.
got=$(cat $TRYIT_TMP/ann.out)
first=$(sed -n '1s/^TICK //p' <<<"$got")
[ -n "$first" ] || fail "ann's first datagram is not a snapshot: $got"
want "ann's terminal" "$(awk '/^TICK / {$2 = "N+" ($2 - f)} 1' f=$first <<<"$got")" "$(
	awk -v n="$(ticks $TRYIT_TMP/ann.out)" -v z="$(grep -c '^ann 0 0 0$' <<<"$got")" 'BEGIN {
		for (i = 0; i < n; i++) printf "TICK N+%d\nann %s\n", i, (i < z ? "0 0 0" : "1 0 1")
	}')"

# bob from a third terminal: both see both; a second ann is refused.
exec {bob}> >(socat - UDP:127.0.0.1:$PORT > $TRYIT_TMP/bob.out)
printf 'JOIN bob\n' >&$bob
eventually 10 grep -qx 'bob 0 0 0' $TRYIT_TMP/bob.out
eventually 10 grep -qx 'bob 0 0 0' $TRYIT_TMP/ann.out
grep -qx 'ann 1 0 1' $TRYIT_TMP/bob.out || fail "bob does not see ann: $(cat $TRYIT_TMP/bob.out)"
exec {ann2}> >(socat - UDP:127.0.0.1:$PORT > $TRYIT_TMP/ann2.out)
printf 'JOIN ann\n' >&$ann2
eventually 10 test -s $TRYIT_TMP/ann2.out
want "a second ann" "$(cat $TRYIT_TMP/ann2.out)" "REFUSED name taken"

# "Stop typing and watch yourself disappear", and tcpdump's one datagram
# per player and tick, all of a tick the same size: on a second server
# with a 100 ms tick and a 1 s timeout, so as not to wait 30 s.
serve go run ./lessons/23-game-server -addr 127.0.0.1:0 -tick 100ms -timeout 1s
exec {cy}> >(socat - UDP:127.0.0.1:$PORT > $TRYIT_TMP/cy.out)
exec {dee}> >(socat - UDP:127.0.0.1:$PORT > $TRYIT_TMP/dee.out)
printf 'JOIN cy\n' >&$cy
printf 'JOIN dee\n' >&$dee
eventually 10 grep -qx 'cy 0 0 0' $TRYIT_TMP/dee.out
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	# Only what the server sends: six datagrams, three ticks' worth.
	tcpdump -i lo -n -A -l -c 6 "udp and src port $PORT" > $TRYIT_TMP/dump.txt 2>$TRYIT_TMP/dump.err &
	dump=$!
	wait $dump
	# One line per datagram: its tick and its length.
	awk '/ UDP, length / {len = $NF} match($0, /TICK [0-9]+/) {print substr($0, RSTART + 5, RLENGTH - 5), len}' \
		$TRYIT_TMP/dump.txt > $TRYIT_TMP/sizes.txt
	[ "$(wc -l < $TRYIT_TMP/sizes.txt)" = 6 ] || fail "tcpdump: not six snapshots: $(cat $TRYIT_TMP/dump.txt)"
	# Every tick seen: at most one size, and the ticks seen whole (two
	# datagrams) exist.
	[ "$(sort -u $TRYIT_TMP/sizes.txt | cut -d' ' -f1 | uniq -d)" = "" ] ||
		fail "tcpdump: a tick's datagrams differ in size: $(cat $TRYIT_TMP/sizes.txt)"
	[ "$(cut -d' ' -f1 $TRYIT_TMP/sizes.txt | uniq -c | awk '$1 == 2' | wc -l)" -ge 2 ] ||
		fail "tcpdump: not one datagram per player and tick: $(cat $TRYIT_TMP/sizes.txt)"
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi
dropped() { grep -q '^cy (127\.0\.0\.1:[0-9]*) silent for [0-9.]*m\?s: dropped$' $TRYIT_TMP/server.err; }
eventually 10 dropped
# Once dropped, no more snapshots come: two ticks later (dee, silent too,
# may have been dropped as well: she joins again), cy got one at most.
n=$(ticks $TRYIT_TMP/cy.out)
m=$(ticks $TRYIT_TMP/dee.out)
printf 'JOIN dee\n' >&$dee
eventually 10 after $TRYIT_TMP/dee.out $((m + 1))
[ "$(ticks $TRYIT_TMP/cy.out)" -le $((n + 1)) ] || fail "cy still gets snapshots after the drop"
