package catalog

var lesson06 = Lesson{
	Number: 6, Slug: "binary-framing", Title: "Length-prefixed binary messages",
	Contract: []Clause{
		{ID: "flags", Text: "**Flags:** `-addr host:port`, default `127.0.0.1:65432`; `-max N`, the largest payload accepted in bytes, default 1048576 (see **Limit**). The checker always passes `-addr` with port 0.",
			Taught: "the checker never listens on a fixed port, so the default address is not tried."},
		{ID: "frame_format", Checks: []string{"frame_hello", "byte_order"},
			Text: "**Frames:** a 4-byte big-endian unsigned length, then exactly that many payload bytes, any values. The length counts the payload only, not itself."},
		{ID: "replies", Checks: []string{"frame_hello", "frame_empty", "frames_pipelined"},
			Text: "**Replies:** for each request frame, one frame: `00 00 00 20` and the SHA-256 digest of the request's payload (36 bytes), in request order, as soon as the frame is complete (the client waits for it before it sends more). A zero-length frame is answered too, with the digest of nothing."},
		{ID: "any_split", Checks: []string{"header_trickle", "frames_pipelined", "frame_large", "frame_paused"},
			Text: "**Any split:** frames may arrive one byte at a time, several in one segment, with a header split across writes, or 512 KiB in many pieces, and with pauses of seconds between pieces, even in the middle of a frame: the server sets no time limit of its own. The checker waits at most 3 seconds for each byte it expects."},
		{ID: "limit", Checks: []string{"limit_exact", "limit_default", "oversize_refused"},
			Text: "**Limit:** a length equal to `-max` (default 1048576) is accepted. A length above it: the server closes that connection at once, without a reply and without waiting for more bytes, and never allocates the announced size (after a header of `ff ff ff ff`, its `VmPeak` must stay at most 3.5 GiB); it goes on serving every other client."},
		{ID: "conn_end", Checks: []string{"frame_hello", "eof_midframe"},
			Text: "**End of a connection:** when the client closes its side between frames, the server closes the connection. When it closes inside a frame (part of a header, or fewer payload bytes than announced), the server closes it without a reply, and goes on serving the others."},
		{ID: "concurrent", Checks: []string{"clients_concurrent", "clients_hashing"},
			Text: "**Clients at once:** each connection is served in its own goroutine (as the stub does), with buffers and hash state of its own: a client that is connected and silent, even in the middle of a frame, never delays another, the bytes of one connection never end up in another's payload, and frames of several clients that are complete at the same moment each get the digest of their own payload."},
	},
	Server: &Server{Net: "tcp", Poke: `dial e
send e '\x00\x00\x00\x05hel'
closewrite e
expecteof e
close e
dial f
send f '\x00\x10\x00\x01'
expecteof f
close f
dial c
send c '\x00\x00\x00\x05hello'
expect c '\x00\x00\x00\x20\x2c\xf2\x4d\xba\x5f\xb0\xa3\x0e\x26\xe8\x3b\x2a\xc5\xb9\xe2\x9e\x1b\x16\x1e\x5c\x1f\xa7\x42\x5e\x73\x04\x33\x62\x93\x8b\x98\x24'
closewrite c
expecteof c
close c`},
	Hints: map[string]string{
		"frame_hello":        `Read the 4-byte length, then exactly that many bytes, and reply with one frame whose payload is sha256.Sum256 of them ("The protocol").`,
		"frame_empty":        `A length of 0 is a whole frame with no payload: it gets a reply too, the digest of nothing ("The protocol").`,
		"header_trickle":     `The 4 header bytes may arrive one at a time: read them with io.ReadFull, never with a single Read ("Reading exactly n bytes").`,
		"frames_pipelined":   `One Read may return several frames, or stop inside one: read exactly 4 bytes, then exactly n, and leave the rest for the next frame ("Reading exactly n bytes").`,
		"frame_large":        `A large payload arrives in many pieces: fill the whole slice with io.ReadFull ("Reading exactly n bytes").`,
		"byte_order":         `Lengths are big-endian, the network byte order, both in requests and in replies: use binary.BigEndian ("Byte order").`,
		"limit_exact":        `A length equal to -max is accepted; one above it is refused by closing the connection without a reply ("Never trust a length").`,
		"limit_default":      `The -max flag defaults to 1048576 (1<<20): a payload of exactly that size is accepted, one byte more is refused ("What you will build").`,
		"oversize_refused":   `Compare the length with the limit before make([]byte, n), in a type that cannot overflow (uint64), close that connection, and keep serving the others ("Never trust a length").`,
		"eof_midframe":       `io.EOF before a header is a clean end; a frame cut short (io.ErrUnexpectedEOF) gets no reply, only a close ("Reading exactly n bytes").`,
		"frame_paused":       `A pause in the middle of a frame is not an error: set no read deadline, and let io.ReadFull wait for the rest however long it takes ("Reading exactly n bytes").`,
		"clients_hashing":    `Hash each payload on its own, with sha256.Sum256(payload) (or a sha256.New() per frame), never with one hasher shared by every connection: two goroutines hashing at once mix its state ("What you will build").`,
		"clients_concurrent": `Serve each connection in its own goroutine (go serve(conn)), so a client that stops in the middle of a frame holds up nobody else, and give each frame a buffer of its own (make in readFrame), never one shared by every connection ("What you will build").`,
	},
	Guide: []string{
		"When a payload may contain any byte, no delimiter can mark its end, so the sender writes the payload's length in front of it, as a fixed-size header in an agreed byte order (big-endian, the network order). The receiver reads exactly that header, then exactly that many bytes, and leaves whatever follows for the next frame. But the length is only what the peer claims: it must be checked against your limit before it decides how much memory you set aside. Reread \"Why framing exists\", \"Byte order\" and \"Never trust a length\".",
		"`io.ReadFull(r, buf)` fills `buf` completely, however the bytes trickle in: it returns `io.EOF` if the stream ended before the first byte and `io.ErrUnexpectedEOF` if it ended part way. `binary.BigEndian.Uint32` decodes the four header bytes and `binary.BigEndian.AppendUint32` encodes them; `sha256.Sum256` returns a `[32]byte`, so pass `sum[:]`. The trap: an EOF while reading the payload is a frame cut short, not a clean end, so turn it into `io.ErrUnexpectedEOF`; and compare the length as `uint64(n) > limit`, before any `make`. Reread \"Reading exactly n bytes\" and \"The Go API you need\".",
		"In `readFrame`, `io.ReadFull` a `[4]byte` header and return its error as it is, decode the length, refuse it above the limit with an error that names what was announced, then make the payload and fill it. `writeFrame` builds one slice of capacity `4+len(payload)`, appends the length and then the payload, and writes it once. `serve` loops: read a frame, return nil at `io.EOF`, return any other error without replying, otherwise reply with the digest of the payload. Reread \"Step-by-step tasks\".",
	},
}
