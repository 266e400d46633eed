#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
# readme: 9000 => $P0
# readme: 9001 => $P1
# readme: 9100 => $P2
need openssl
need curl
need nc netcat-openbsd
need socat
need ss iproute2

# port PID: the TCP port that process PID listens on, once it does.
port() { ss -ltnpH | grep "pid=$1," | awk '{print $4}' | sed 's/.*://' | head -n 1; }
# listening: the socat of $plain listens.
listening() { [ -n "$(port $plain)" ]; }

go run ./lessons/20-tls/certs -dir $TRYIT_TMP/tls20
go build -o $TRYIT_TMP/tls20/tls ./lessons/20-tls && cd $TRYIT_TMP/tls20
# The README's fixed ports are port 0 here, then the one the kernel gave.
P0=0 P1=0 P2=0
serve ./tls server -addr 127.0.0.1:$P0
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
P0=$PORT
serve ./tls server -addr 127.0.0.1:$P1 -client-ca ca.crt
want_match "mutual-TLS readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
P1=$PORT

# Read a certificate.
got=$(openssl x509 -in server.crt -noout -text)
want_match "x509 server.crt" "$got" 'Issuer: CN = socketlings test CA(.|\n)*Not After :(.|\n)*Public Key Algorithm: id-ecPublicKey(.|\n)*Extended Key Usage:\s+TLS Web Server Authentication(.|\n)*Subject Alternative Name:\s+DNS:localhost, IP Address:127\.0\.0\.1'
want_match "x509 ca.crt" "$(openssl x509 -in ca.crt -noout -text)" 'CA:TRUE'
got=$(openssl x509 -in expired.crt -noout -dates)
want_match "x509 -dates" "$got" '^notBefore=[^=]+\snotAfter=[^=]+$'
after=$(date -d "$(sed -n 's/^notAfter=//p' <<<"$got")" +%s)
[ "$after" -lt "$(date +%s)" ] || fail "expired.crt is not expired: $got"
status=0
# (stdout and stderr apart: in a pipe, stdout comes out last.)
got=$(openssl verify -CAfile ca.crt server.crt wrongname.crt selfsigned.crt 2>$TRYIT_TMP/verify.err) || status=$?
want "openssl verify" "$got" "server.crt: OK
wrongname.crt: OK"
want "openssl verify's errors" "$(cat $TRYIT_TMP/verify.err)" "CN = selfsigned
error 18 at 0 depth lookup: self-signed certificate
error selfsigned.crt: verification failed"
want "openssl verify's status" "$status" 2

# s_client, kept interactive: its stdin stays open until the echo is back
# (at the end of its input it would leave, before the echo). In a file
# (not a terminal), its buffered print of the session ticket may be flushed
# around the echo: "hello" ends a line, but may not start one.
exec {in}> >(openssl s_client -connect 127.0.0.1:$P0 -CAfile ca.crt -servername localhost -verify_hostname localhost >$TRYIT_TMP/sc.out 2>$TRYIT_TMP/sc.err)
printf 'hello\n' >&$in
eventually 10 grep -aq 'hello$' $TRYIT_TMP/sc.out
exec {in}>&-
want_match "s_client -verify_hostname" "$(cat $TRYIT_TMP/sc.out)" 'Verify return code: 0 \(ok\)(.|\n)*hello(\s|$)'

got=$(openssl s_client -connect 127.0.0.1:$P0 -CAfile ca.crt -tls1_2 -brief </dev/null 2>&1)
want_match "s_client -tls1_2 -brief" "$got" 'CONNECTION ESTABLISHED\sProtocol version: TLSv1\.2\s(.|\n)*Verification: OK'

status=0
got=$({
	openssl s_client -connect 127.0.0.1:$P0 -tls1             # refused: alert protocol version (70)
} </dev/null 2>&1) || status=$?
want_match "s_client -tls1" "$got" 'alert protocol version(.|\n)*SSL alert number 70'
want "s_client -tls1's status" "$status" 1

# No client certificate: the handshake ends on the client's side, then the
# server's alert arrives. Stdin stays open (as a person's terminal would)
# until s_client leaves on that alert; at most 10 s.
got=$({
	openssl s_client -connect 127.0.0.1:$P1 -CAfile ca.crt                                  # refused after the handshake
} < <(sleep 10) 2>&1) || true
want_match "s_client without a client certificate" "$got" 'Verify return code: 0 \(ok\)(.|\n)*alert certificate required(.|\n)*SSL alert number 116'
want_match "the server's log" "$(cat $TRYIT_TMP/server.err)" "handshake: tls: client didn't provide a certificate"

exec {in}> >({
	openssl s_client -connect 127.0.0.1:$P1 -CAfile ca.crt -cert client.crt -key client.key # served
} >$TRYIT_TMP/mtls.out 2>$TRYIT_TMP/mtls.err)
printf 'hello\n' >&$in
eventually 10 grep -aq 'hello$' $TRYIT_TMP/mtls.out
exec {in}>&-

# curl: the whole handshake, then its own request back.
status=0
got=$(curl -v --cacert ca.crt https://localhost:$P0/ 2>&1) || status=$?
want_match "curl --cacert" "$got" '\* SSL connection using TLSv1\.3 / TLS_[A-Z0-9_]+\s(.|\n)*\*  subjectAltName: host "localhost" matched cert.s "localhost"\s(.|\n)*\*  SSL certificate verify ok\.\s(.|\n)*curl: \(1\) Received HTTP/0\.9 when not allowed'
want "curl --cacert's status" "$status" 1
status=0
got=$({
	curl -v https://localhost:$P0/     # no --cacert: the system's CAs do not know yours
} 2>&1) || status=$?
want_match "curl without --cacert" "$got" 'curl: \(60\) SSL certificate problem: unable to get local issuer certificate'
want "curl without --cacert's status" "$status" 60

# Bad servers: s_server presents the expired certificate.
>$TRYIT_TMP/s_server.out openssl s_server -accept $P2 -cert expired.crt -key expired.key -rev &
eventually 10 grep -q '^ACCEPT ' $TRYIT_TMP/s_server.out
P2=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' $TRYIT_TMP/s_server.out)
status=0
got=$(./tls client -addr 127.0.0.1:$P2 2>&1) || status=$?
want_match "client to expired.crt" "$got" "^client: 127\.0\.0\.1:$P2: the server's certificate has expired, or is not valid yet: "
want "client to expired.crt: status" "$status" 1
# "the same way": wrongname.crt and selfsigned.crt.
for c in wrongname:"the server's certificate is not for 127\.0\.0\.1: " selfsigned:"the server's certificate is not signed by the CA of -ca: "; do
	>$TRYIT_TMP/s_server.$$ openssl s_server -accept 0 -cert ${c%%:*}.crt -key ${c%%:*}.key -rev &
	eventually 10 grep -q '^ACCEPT ' $TRYIT_TMP/s_server.$$
	p=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' $TRYIT_TMP/s_server.$$)
	rm $TRYIT_TMP/s_server.$$
	status=0
	got=$(./tls client -addr 127.0.0.1:$p 2>&1) || status=$?
	want_match "client to ${c%%:*}.crt" "$got" "^client: 127\.0\.0\.1:$p: ${c#*:}"
	want "client to ${c%%:*}.crt: status" "$status" 1
done
# The prose's plaintext servers (socat on port 0; ss tells the port).
socat TCP-LISTEN:0,fork SYSTEM:'echo hello; sleep 5' &
plain=$!
eventually 10 listening
p=$(port $plain)
status=0
got=$(./tls client -addr 127.0.0.1:$p 2>&1) || status=$?
want_match "client to a plaintext greeter" "$got" "^client: 127\.0\.0\.1:$p: the server does not speak TLS: "
socat TCP-LISTEN:0,fork EXEC:cat &
plain=$!
eventually 10 listening
p=$(port $plain)
status=0
got=$(./tls client -addr 127.0.0.1:$p 2>&1) || status=$?
want_match "client to a plaintext echo" "$got" "^client: 127\.0\.0\.1:$p: .*received unexpected handshake message of type \*tls\.clientHelloMsg"

# On the wire: SNI's localhost in clear, the message nowhere; nc's
# plaintext Hello in clear, and no echo.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n -A "tcp port $P0" -l
	dump=$CAPTURE_PID
	got=$(./tls client -addr 127.0.0.1:$P0 -name localhost -msg Hello)
	want "client -name localhost" "$got" "Hello"
	# The client's FIN comes after the echo: everything before it is in.
	eventually 10 grep -q 'Flags \[F' $TRYIT_TMP/dump.txt
	stop_capture $dump
	grep -aq localhost $TRYIT_TMP/dump.txt || fail "tcpdump -A: no localhost (SNI) in the dump"
	! grep -aq Hello $TRYIT_TMP/dump.txt || fail "tcpdump -A: Hello in clear in a TLS connection"
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
	got=$(./tls client -addr 127.0.0.1:$P0 -name localhost -msg Hello)
	want "client -name localhost" "$got" "Hello"
fi
got=$(
	printf 'Hello\n' | nc -N 127.0.0.1 $P0; echo "exit $?"     # plaintext: closed, no echo
)
want "nc in plaintext" "$got" "exit 0"
