#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
# readme: -dir /etc & => -dir /etc
# readme: echo.sock & => echo.sock
# readme: @demo & => @$ABS
# readme: @demo => @$ABS
# readme: ABSTRACT-SENDTO:demo => ABSTRACT-SENDTO:$ABS
# readme: bind=@me => bind=@$ABS-me
# readme: python3 - <<'EOF' => python3 - <<EOF
need socat
need nc netcat-openbsd
need ss iproute2
need python3
[ "$(uname)" = Linux ] || skip "Linux only (SO_PEERCRED, abstract names)"
# Abstract names are shared by the whole network namespace: one of our own,
# that still holds "demo" for the README's grep.
ABS=demo-tryit-$$
S=$TRYIT_TMP/demo.sock
uid=$(id -u)

# The README starts the server as job %1 of an interactive shell, whose
# kill -9 %1 kills the job's process group: go run and the program it
# built. Job control (set -m) gives this job a group of its own, so that
# kill -9 %1 does the same here; the trap ends it should a check fail
# first (the runner kills only the script's own group).
set -m
serve go run ./lessons/19-unix-sockets -socket $TRYIT_TMP/demo.sock -dir /etc
set +m
first=$SERVER_PID
trap 'kill -9 -- -$first 2>/dev/null || true' EXIT
want "readiness line" "$READY" "listening on unix:$S"

# The socket file, mode 0600, and its listening socket in ss.
got=$(ls -l $TRYIT_TMP/demo.sock)
want_match "ls -l" "$got" "^srw------- 1 [^ ]+ [^ ]+ 0 .* $S\$"
got=$(ss -xlp | grep demo | grep -F " $S ")
want_match "ss -xlp" "$got" '^u_str +LISTEN +0 +[0-9]+ +[^ ]+ +[0-9]+ +\* +0 +users:\(\("19-unix-sockets",pid=[0-9]+,fd=[0-9]+\)\)'

# socat and nc: replies in order; the uid is ours (root here: the runner
# connects as itself), the pid some process's.
got=$(printf 'WHOAMI\nOPEN ../etc/passwd\nOPEN hostname\nQUIT\n' | socat - UNIX-CONNECT:$TRYIT_TMP/demo.sock)
want "socat" "$(sed 's/pid=[0-9][0-9]*$/pid=PID/' <<<"$got")" "uid=$uid pid=PID
ERR bad name \"../etc/passwd\"
OK hostname
BYE"
pid1=$(printf '%s' "$got" | sed -n 's/^uid=[0-9]* pid=//p')
got=$(printf 'WHOAMI\nQUIT\n' | nc -U $TRYIT_TMP/demo.sock)
want "nc -U" "$(sed 's/pid=[0-9][0-9]*$/pid=PID/' <<<"$got")" "uid=$uid pid=PID
BYE"
pid2=$(printf '%s' "$got" | sed -n 's/^uid=[0-9]* pid=//p')
[ "$pid1" != "$pid2" ] || fail "WHOAMI gave socat and nc the same pid $pid1: the server's own?"
[ "$pid1" != "$first" ] || fail "WHOAMI gave go run's pid"

# recvmsg receives the descriptor, and reading it gives /etc/hostname.
got=$(python3 - <<EOF
import socket, array, os
s = socket.socket(socket.AF_UNIX)
s.connect("$TRYIT_TMP/demo.sock")
s.sendall(b"OPEN hostname\n")
msg, anc, _, _ = s.recvmsg(100, socket.CMSG_SPACE(4))
fds = array.array("i")
for level, kind, data in anc:
    fds.frombytes(data)
print(msg, list(fds), os.read(fds[0], 100))
EOF
)
host=$(head -c 100 /etc/hostname | python3 -c 'import sys; print(repr(sys.stdin.buffer.read()))')
want_match "python3 recvmsg" "$got" "^b'OK hostname\\\\n' \[[0-9]+\] "
want "the file read through the descriptor" "${got#*] }" "$host"

# kill -9: no cleanup, the file stays, and nothing answers on it.
kill -9 %1
got=$(ls -l $TRYIT_TMP/demo.sock)
want_match "ls -l after kill -9" "$got" "^srw------- 1 [^ ]+ [^ ]+ 0 .* $S\$"
refused() { ! socat - UNIX-CONNECT:$TRYIT_TMP/demo.sock </dev/null 2>$TRYIT_TMP/refused.txt; }
# The killed program's socket closes as it dies: a moment after the signal.
eventually 10 refused
want_match "socat to the stale file" "$(cat $TRYIT_TMP/refused.txt)" \
	"socat\[[0-9]+\] E connect\(.*\"$S\".*\): Connection refused"

# Started again, it removes the stale file; a second copy refuses.
serve go run ./lessons/19-unix-sockets -socket $TRYIT_TMP/demo.sock -dir /etc
want "readiness line after the stale file" "$READY" "listening on unix:$S"
want "stderr after the stale file" "$(cat $TRYIT_TMP/server.err)" "removing stale socket $S"
status=0
got=$(go run ./lessons/19-unix-sockets -socket $TRYIT_TMP/demo.sock 2>&1) || status=$?
want "a second copy" "$got" "another server is listening on $S
exit status 1"
want "a second copy's status" "$status" 1
got=$(printf 'QUIT\n' | nc -U $TRYIT_TMP/demo.sock)
want "the first copy still serves" "$got" "BYE"

# Datagrams on a path: the client binds a name of its own.
serve go run ./lessons/19-unix-sockets -dgram -socket $TRYIT_TMP/echo.sock
want "dgram readiness line" "$READY" "listening on unixgram:$TRYIT_TMP/echo.sock"
got=$(echo 'hi there' | socat -t 1 - UNIX-SENDTO:$TRYIT_TMP/echo.sock,bind=$TRYIT_TMP/me.sock)
want "socat UNIX-SENDTO" "$got" "hi there"
[ ! -e $TRYIT_TMP/me.sock ] || fail "socat left its bind= socket file: the README says it removes it"
got=$(echo bye | nc -U -u -w1 $TRYIT_TMP/echo.sock)
want "nc -U -u" "$got" "bye"

# And in the abstract namespace: no file.
serve go run ./lessons/19-unix-sockets -dgram -socket @$ABS
want "abstract readiness line" "$READY" "listening on unixgram:@$ABS"
got=$(echo hello | socat -t 1 - ABSTRACT-SENDTO:$ABS,bind=@$ABS-me)
want "socat ABSTRACT-SENDTO" "$got" "hello"
got=$(ss -xl | grep demo)
want_match "ss -xl, the abstract socket" "$(printf '%s\n' "$got" | grep -F " @$ABS ")" \
	'^u_dgr +UNCONN +0 +0 +@demo-tryit-[0-9]+ +[0-9]+ +\* +0 *$'
want_match "ss -xl, the stream server still listening" "$(printf '%s\n' "$got" | grep -F " $S ")" \
	'^u_str +LISTEN +0 +[0-9]+ '
[ ! -e "@$ABS" ] && [ ! -e "$ABS" ] || fail "an abstract name made a file"
