package catalog

var lesson06 = Lesson{
	Number: 6, Slug: "binary-framing", Title: "Length-prefixed binary messages",
	Hints: map[string]string{
		"frame_hello":      `Read the 4-byte length, then exactly that many bytes, and reply with one frame whose payload is sha256.Sum256 of them ("The protocol").`,
		"frame_empty":      `A length of 0 is a whole frame with no payload: it gets a reply too, the digest of nothing ("The protocol").`,
		"header_trickle":   `The 4 header bytes may arrive one at a time: read them with io.ReadFull, never with a single Read ("Reading exactly n bytes").`,
		"frames_pipelined": `One Read may return several frames, or stop inside one: read exactly 4 bytes, then exactly n, and leave the rest for the next frame ("Reading exactly n bytes").`,
		"frame_large":      `A large payload arrives in many pieces: fill the whole slice with io.ReadFull ("Reading exactly n bytes").`,
		"byte_order":       `Lengths are big-endian, the network byte order, both in requests and in replies: use binary.BigEndian ("Byte order").`,
		"limit_exact":      `A length equal to -max is accepted; one above it is refused by closing the connection without a reply ("Never trust a length").`,
		"oversize_refused": `Compare the length with the limit before make([]byte, n), close that connection, and keep serving the others ("Never trust a length").`,
		"eof_midframe":     `io.EOF before a header is a clean end; a frame cut short (io.ErrUnexpectedEOF) gets no reply, only a close ("Reading exactly n bytes").`,
		"shutdown_signal":  `On SIGINT or SIGTERM close the listener and return from main, so the exit status is 0 ("What the checker tests").`,
	},
}
