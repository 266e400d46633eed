#!/usr/bin/env bash
# The README's "Try it by hand", run against the solution by
# lessons/tryit_test.go (see lessons/tryit.bash).
source "$TRYIT_LIB"
# readme: 9006 => $PORT
# readme: /tmp/ => $TRYIT_TMP/
need nc netcat-openbsd
need socat
need xxd xxd
need python3

# Port 0 where the README has 9006: PORT then holds the port bound.
PORT=0
serve go run ./lessons/06-binary-framing -addr 127.0.0.1:$PORT
want_match "readiness line" "$READY" '^listening on 127\.0\.0\.1:[0-9]+$'

got=$(printf '\x00\x00\x00\x05hello' | nc -N 127.0.0.1 $PORT | xxd)
want "the reply to hello" "$got" '00000000: 0000 0020 2cf2 4dba 5fb0 a30e 26e8 3b2a  ... ,.M._...&.;*
00000010: c5b9 e29e 1b16 1e5c 1fa7 425e 7304 3362  .......\..B^s.3b
00000020: 938b 9824                                ...$'
got=$(printf hello | sha256sum)
want "sha256sum" "$got" "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  -"

got=$(printf '\x00\x00\x00\x03one\x00\x00\x00\x03two' | nc -N 127.0.0.1 $PORT | wc -c)
want "two frames in one write" "$got" 72
got=$(printf '\x00\x00\x00\x00' | nc -N 127.0.0.1 $PORT | xxd | head -1)
want "an empty frame" "$got" "00000000: 0000 0020 e3b0 c442 98fc 1c14 9afb f4c8  ... ...B........"
got=$( (printf '\x00'; sleep 1; printf '\x00\x00\x05'; sleep 1; printf hello) | nc -N 127.0.0.1 $PORT | xxd | head -1)
want "a header dribbled out" "$got" "00000000: 0000 0020 2cf2 4dba 5fb0 a30e 26e8 3b2a  ... ,.M._...&.;*"

got=$(printf '%08x\n' 600000)
want "the header of 600000 bytes" "$got" 000927c0
head -c 600000 /dev/urandom > $TRYIT_TMP/payload.bin
got=$({ printf '\x00\x09\x27\xc0'; cat $TRYIT_TMP/payload.bin; } | nc -N 127.0.0.1 $PORT | tail -c 32 | xxd -p -c 32)
want "the digest of 600000 random bytes" "$got  $TRYIT_TMP/payload.bin" "$(sha256sum $TRYIT_TMP/payload.bin)"

# 4 GiB announced: no reply, a line in the server's log, VmPeak unmoved.
pid=$(pgrep -nf exe/06-binary-framing)
want "pgrep finds the server that go run started" "$(ps -o ppid= -p $pid | tr -d ' ')" "$SERVER_PID"
before=$(grep -E 'VmPeak|VmHWM' /proc/$pid/status)
want_match "VmPeak and VmHWM" "$before" '^VmPeak:[[:space:]]+[0-9]+ kB\nVmHWM:[[:space:]]+[0-9]+ kB$'
got=$(printf '\xff\xff\xff\xff' | nc -N 127.0.0.1 $PORT | wc -c)
want "the reply to 4 GiB announced" "$got" 0
after=$(grep -E 'VmPeak|VmHWM' /proc/$pid/status)
want "VmPeak after" "$(grep VmPeak <<<"$after")" "$(grep VmPeak <<<"$before")"
refused() { grep -Eq '^127\.0\.0\.1:[0-9]+: frame too large: 4294967295 bytes announced, at most 1048576 accepted$' $TRYIT_TMP/server.err; }
eventually 10 refused

# The frame on the wire: header 0000 0005 before hello, 0000 0020 before
# the digest. The filter hides the handshake, so the first segment's
# numbers are whole, and its later ones count from there.
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
	capture dump tcpdump -i lo -n -X "tcp port $PORT and tcp[tcpflags] & tcp-push != 0" -c 2 -l
	dump=$CAPTURE_PID
	printf '\x00\x00\x00\x05hello' | nc -N 127.0.0.1 $PORT >/dev/null
	wait $dump
	want_match "tcpdump -X" "$(cat $TRYIT_TMP/dump.txt)" "IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: Flags \[P\.\], seq [0-9]+:[0-9]+, ack [0-9]+, [^,]+, (options \[[^]]*\], )?length 9(.|\n)*0000 0005 6865 6c6c 6f(.|\n)*IP 127\.0\.0\.1\.$PORT > 127\.0\.0\.1\.[0-9]+: Flags \[P\.\], seq 1:37, ack [0-9]+, [^,]+, (options \[[^]]*\], )?length 36(.|\n)*0000 0020 2cf2 4dba 5fb0 a30e"
else
	echo "tcpdump part skipped: needs root and tcpdump (Debian package tcpdump)"
fi

# interop: frames built by Python and by xxd, sent through socat (which
# half-closes when its input ends), the replies decoded and compared.
python3 - $TRYIT_TMP <<'PY'
import hashlib, os, struct, sys
d = sys.argv[1]
# From nothing to exactly the server's limit (-max, 1 MiB).
payloads = [b"", b"x", b"hello", os.urandom(1000), os.urandom(65536), os.urandom(1 << 20)]
with open(d + "/frames.bin", "wb") as f, open(d + "/digests.txt", "w") as g:
    for p in payloads:
        f.write(struct.pack(">I", len(p)) + p)
        g.write(hashlib.sha256(p).hexdigest() + "\n")
PY
socat -t 5 - TCP:127.0.0.1:$PORT < $TRYIT_TMP/frames.bin > $TRYIT_TMP/replies.bin
got=$(python3 - $TRYIT_TMP/replies.bin <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
while data:
    n, = struct.unpack(">I", data[:4])
    if n != 32 or len(data) < 4 + n:
        sys.exit("bad reply frame: length %d, %d bytes left" % (n, len(data) - 4))
    print(data[4:4 + n].hex())
    data = data[4 + n:]
PY
)
want "six frames through socat, decoded" "$got" "$(cat $TRYIT_TMP/digests.txt)"
got=$(printf 00000003616263 | xxd -r -p | socat - TCP:127.0.0.1:$PORT | xxd -p -c 36)
want "a frame built with xxd -r" "$got" 00000020$(printf abc | sha256sum | cut -d' ' -f1)
# One byte over the limit: no reply at all, and the refusal in the log.
got=$(printf 00100001 | xxd -r -p | socat - TCP:127.0.0.1:$PORT | wc -c)
want "a frame one byte over -max" "$got" 0
over() { grep -Eq ': frame too large: 1048577 bytes announced, at most 1048576 accepted$' $TRYIT_TMP/server.err; }
eventually 10 over
# A good frame, then one cut short: the good one's reply, then the close.
got=$({ printf 0000000261620000000a | xxd -r -p; printf 'short'; } | socat - TCP:127.0.0.1:$PORT | xxd -p -c 36)
want "a good frame then a short one" "$got" 00000020$(printf ab | sha256sum | cut -d' ' -f1)
short() { grep -Eq ': payload of 10 bytes: unexpected EOF$' $TRYIT_TMP/server.err; }
eventually 10 short
