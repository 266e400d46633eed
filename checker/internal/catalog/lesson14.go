package catalog

var lesson14 = Lesson{
	Number: 14, Slug: "dns-client", Title: "A DNS client from the RFC",
	Hints: map[string]string{
		"query_format":    `The server ignores a query it cannot parse, so no answer here means broken bytes: every field big-endian, flags 0x0100 (RD is 1 << 8, counted from the right), QDCOUNT 1, the name as length-prefixed labels ending in a 0 byte, then QTYPE and QCLASS 1 ("The header", "Names on the wire", "Byte order").`,
		"query_longname":  `In encodeName, check every label (1 to 63 bytes) and the encoded name (at most 255 bytes), and return an error before anything is sent ("Names on the wire").`,
		"answer_a":        `No answer at all means the server could not parse your query (see the query_format hint). Otherwise: read all ANCOUNT records. Each owner name is a compression pointer (first byte 0xC0 or more), and the record goes on right after the pointer's 2 bytes; and a final dot in NAME is not an empty label ("Resource records", "Compression pointers").`,
		"answer_aaaa":     `Ask with QTYPE 28; an AAAA record's RDATA is 16 bytes, printed with netip.AddrFromSlice and String ("Resource records").`,
		"answer_cname":    `Print the CNAME records too, in order. A CNAME's RDATA is a name that may end in a pointer, and a pointer may lead to labels that end in another pointer: follow them in a loop until a 0 byte ("Compression pointers").`,
		"answer_nodata":   `RCODE 0 with an empty answer section means the name has no record of that type: print nothing, exit 0. Only RCODE 3 means the name does not exist ("NXDOMAIN and NODATA").`,
		"error_nxdomain":  `Read RCODE, the low 4 bits of the flags word: 3 is NXDOMAIN; print one line with that word on stderr and exit 1 ("NXDOMAIN and NODATA", "The header").`,
		"error_timeout":   `Set one read deadline -timeout after sending; on os.ErrDeadlineExceeded, print one line on stderr and exit 1 ("What the checker tests").`,
		"reply_wrongid":   `Compare each datagram's ID with the query's, and skip any other: keep reading until the deadline ("The ID, and why it is random").`,
		"reply_truncated": `Test the TC bit (1 << 9) before reading the answers: a truncated answer is an error whose line on stderr says truncated, exit 1 ("Truncation and the fall back to TCP").`,
		"source_imports":  `Build and parse the bytes yourself with encoding/binary; dnsmessage is what the checker's server uses, not your program ("The Go API you need").`,
	},
}
