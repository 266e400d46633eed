#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/chat -addr 127.0.0.1:9000 & server=$! => serve $TRYIT_TMP/chat -addr 127.0.0.1:0; server=$SERVER_PID
# readme: 127.0.0.1:9000 => 127.0.0.1:0
# readme: /tmp/ => $TRYIT_TMP/
# readme: 9000 => $PORT
# readme: sleep 0.3 => eventually 10 listening
# readme: sleep 0.2 => wait_join
need nc netcat-openbsd
need ss iproute2

gone() { ! kill -0 "$1" 2>/dev/null; }
# child_of PID: CHILD is the process that PID started (go run's program).
child_of() {
	CHILD=$(ps -o pid= --ppid "$1" | tr -d ' ')
	[ -n "$CHILD" ]
}
# got_line FILE LINE: FILE, what a client has received, holds LINE.
got_line() { grep -qxF -- "$2" "$1"; }
# What the README's sleeps give time for: the server listening, and the
# next client joining (the server logs each join on stderr).
listening() { ss -Htln "sport = :$PORT" | grep -q .; }
joins() { grep -c ' joined from ' $TRYIT_TMP/server.err || true; }
has_joins() { [ "$(joins)" -ge "$want_joins" ]; }
wait_join() {
	want_joins=$((want_joins + 1))
	eventually 10 has_joins
}

# Terminal 1: the server, with the race detector.
serve go run -race ./lessons/10-chat-server -addr 127.0.0.1:0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
GO_RUN=$SERVER_PID

# Terminals 2 and 3: alice and bob, typing into nc.
exec {alice}> >(nc 127.0.0.1 $PORT >$TRYIT_TMP/alice-nc.txt)
echo alice >&$alice
eventually 10 got_line $TRYIT_TMP/alice-nc.txt "welcome alice"
exec {bob}> >(nc 127.0.0.1 $PORT >$TRYIT_TMP/bob-nc.txt)
bob_nc=$!
echo bob >&$bob
eventually 10 got_line $TRYIT_TMP/bob-nc.txt "welcome bob"
eventually 10 got_line $TRYIT_TMP/alice-nc.txt "* bob joined"
printf 'hello alice\n\n' >&$bob # and an Enter pressed twice: no message
eventually 10 got_line $TRYIT_TMP/alice-nc.txt "bob: hello alice"
echo "hi bob" >&$alice
eventually 10 got_line $TRYIT_TMP/bob-nc.txt "alice: hi bob"
# A fourth terminal: a taken nickname, and one with a space.
got=$(printf 'bob\n' | timeout 10 nc 127.0.0.1 $PORT)
want "a taken nickname" "$got" "ERR nickname taken"
got=$(printf 'bad nick\n' | timeout 10 nc 127.0.0.1 $PORT)
want "a nickname with a space" "$got" "ERR invalid nickname"
# Ctrl-C in bob's terminal: his nc dies, the kernel sends its FIN.
kill -INT $bob_nc
eventually 10 got_line $TRYIT_TMP/alice-nc.txt "* bob left"
want "alice's terminal" "$(cat $TRYIT_TMP/alice-nc.txt)" "welcome alice
* bob joined
bob: hello alice
* bob left"
want "bob's terminal" "$(cat $TRYIT_TMP/bob-nc.txt)" "welcome bob
alice: hi bob"
# Ctrl-C in terminal 1 (go run ignores it, its program stops): status 0,
# which also means no data race (the race detector exits 66).
eventually 10 child_of $GO_RUN
kill -INT $CHILD
status=0
eventually 10 gone $GO_RUN
wait $GO_RUN || status=$?
want "status of go run after Ctrl-C" "$status" 0
if grep -q 'DATA RACE' $TRYIT_TMP/server.err; then
	fail "the race detector reported: $(cat $TRYIT_TMP/server.err)"
fi
exec {alice}>&- {bob}>&-

# The slow reader, the README's script. Its sleeps wait for what they
# give time for; `yes` dies of SIGPIPE once `head` has its lines, which
# fails the pipeline under pipefail, not in a learner's shell.
set +o pipefail
want_joins=$(joins)
log_from=$(($(wc -l <$TRYIT_TMP/server.err) + 1))
go build -o $TRYIT_TMP/chat ./lessons/10-chat-server
serve $TRYIT_TMP/chat -addr 127.0.0.1:0; server=$SERVER_PID
eventually 10 listening
(echo slow; sleep 30) | nc 127.0.0.1 $PORT | sleep 30 &
wait_join
(echo alice; sleep 30) | nc 127.0.0.1 $PORT > $TRYIT_TMP/alice.txt &
wait_join
line=$(head -c 1000 /dev/zero | tr '\0' x)
(echo flood; for i in $(seq 70); do yes "$line" | head -n 100; sleep 0.05; done) |
	timeout 30 nc -N 127.0.0.1 $PORT > /dev/null || fail "the flood's nc did not end"
set -o pipefail
# The room is not frozen: the flood's nc got its FIN. Alice's nc may still
# be writing her last lines, though: wait for the last.
eventually 10 got_line $TRYIT_TMP/alice.txt "* flood left"
got=$(ss -tn "sport = :$PORT")
# The dropped connection: megabytes unsent behind the FIN (nearly 4 with
# the default net.ipv4.tcp_wmem).
want_match "ss -tn after the flood" "$got" "(^|\n)FIN-WAIT-1 +0 +[1-9][0-9]{6} +127\.0\.0\.1:$PORT +127\.0\.0\.1:[0-9]+ *(\n|$)"
want_match "ss -tn after the flood (alice)" "$got" "(^|\n)ESTAB +0 +0 +127\.0\.0\.1:$PORT +127\.0\.0\.1:[0-9]+ *(\n|$)"
got=$(grep -v xxxx $TRYIT_TMP/alice.txt; grep -c xxxx $TRYIT_TMP/alice.txt)
want "alice's file" "$got" "welcome alice
* flood joined
* slow left
* flood left
7000"
kill $server
status=0
wait $server || status=$?
want "status after kill" "$status" 0
got=$(tail -n +$log_from $TRYIT_TMP/server.err | sed -E 's/ from 127\.0\.0\.1:[0-9]+$//')
want "server log" "$got" "slow joined
alice joined
flood joined
slow: queue full, disconnecting a slow reader"
