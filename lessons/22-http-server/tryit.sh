#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: /tmp/ => $TRYIT_TMP/
# readme: 8080 => $P
need curl
need nc netcat-openbsd
need ss iproute2

# heads TEXT: TEXT without its CRs, each well-formed Date line as "Date: DATE"
# (a malformed one stays, and fails the comparison).
heads() {
	tr -d '\r' <<<"$1" | sed -E 's/^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/Date: DATE/'
}

mkdir -p $TRYIT_TMP/www/docs && echo 'Hello, HTTP!' > $TRYIT_TMP/www/hello.txt
echo '<h1>docs</h1>' > $TRYIT_TMP/www/docs/index.html && echo secret > $TRYIT_TMP/secret.txt
ln -s ../secret.txt $TRYIT_TMP/www/leak.txt
# The README's fixed port is port 0 here, then the one the kernel gave.
P=0
serve go run ./lessons/22-http-server -root $TRYIT_TMP/www -addr 127.0.0.1:$P
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'
P=$PORT

# Two URLs, one connection; the heads on stderr, the bodies on stdout.
got=$(curl -v http://127.0.0.1:$P/hello.txt http://127.0.0.1:$P/docs/ 2>$TRYIT_TMP/curl.err)
want "curl -v: the bodies" "$got" "Hello, HTTP!
<h1>docs</h1>"
want_match "curl -v: the heads" "$(tr -d '\r' < $TRYIT_TMP/curl.err)" "\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port $P \(#0\)\s> GET /hello\.txt HTTP/1\.1\s> Host: 127\.0\.0\.1:$P\s> User-Agent: curl/[0-9.]+\s> Accept: \*/\*\s>\s+< HTTP/1\.1 200 OK\s< Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT\s< Content-Type: text/plain; charset=utf-8\s< Content-Length: 13\s(.|\n)*\* Connection #0 to host 127\.0\.0\.1 left intact(.|\n)*\* Re-using existing connection #0 with host 127\.0\.0\.1(.|\n)*> GET /docs/ HTTP/1\.1\s(.|\n)*< Content-Type: text/html; charset=utf-8\s< Content-Length: 14\s"

got=$(curl -I http://127.0.0.1:$P/hello.txt 2>/dev/null)
want "curl -I" "$(heads "$got")" "HTTP/1.1 200 OK
Date: DATE
Content-Type: text/plain; charset=utf-8
Content-Length: 13"

got=$(echo 'echo me' | curl --data-binary @- -H 'Transfer-Encoding: chunked' http://127.0.0.1:$P/echo 2>/dev/null)
want "curl chunked POST" "$got" "echo me"

# Out of the root: .. as written, .. encoded, a symlink that leads out.
got=$(curl -s -w ' %{http_code}\n' --path-as-is http://127.0.0.1:$P/../secret.txt)
want "--path-as-is /../" "$got" "403 Forbidden
 403"
got=$(curl -s -w ' %{http_code}\n' http://127.0.0.1:$P/%2e%2e/secret.txt)
want "/%2e%2e/" "$got" "403 Forbidden
 403"
got=$(curl -s -w ' %{http_code}\n' http://127.0.0.1:$P/leak.txt)
want "the symlink out" "$got" "403 Forbidden
 403"

# Three pipelined requests in one write, the last malformed: three
# responses, and the connection closed after the 501.
got=$(printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nget / HTTP/1.1\r\nHost: x\r\n\r\n' | nc -q1 127.0.0.1 $P)
want "nc, three pipelined requests" "$(heads "$got")" "HTTP/1.1 200 OK
Date: DATE
Content-Type: text/plain; charset=utf-8
Content-Length: 13

Hello, HTTP!
HTTP/1.1 200 OK
Date: DATE
Content-Type: text/plain; charset=utf-8
Content-Length: 13

HTTP/1.1 501 Not Implemented
Date: DATE
Content-Type: text/plain; charset=utf-8
Content-Length: 20
Connection: close

501 Not Implemented"

# The prose's slowloris by hand, with a 1 s header timeout instead of 5 s:
# a request line and a header line, and the connection stays open (ss)
# until the server closes it, with no response.
serve go run ./lessons/22-http-server -root $TRYIT_TMP/www -addr 127.0.0.1:0 -header-timeout 1s
exec {slow}> >(nc 127.0.0.1 $PORT > $TRYIT_TMP/slow.out)
printf 'GET / HTTP/1.1\r\n' >&$slow
estab() { ss -tnH "sport = :$PORT" | grep -q '^ESTAB '; }
eventually 10 estab
printf 'X-A: 1\r\n' >&$slow
# The server closes it (nc itself stays until its next write fails).
slow_closed() { ! estab; }
eventually 10 slow_closed
want "response to the slow request" "$(cat $TRYIT_TMP/slow.out)" ""
want_match "the server's log" "$(cat $TRYIT_TMP/server.err)" 'i/o timeout'
