package catalog

var lesson17 = Lesson{
	Number: 17, Slug: "ip-crafting", Title: "IPv4 and UDP headers by hand", Isolated: true,
	Hints: map[string]string{
		"send_hello":     `Every field big-endian, the UDP length counting its 8-byte header, the checksum over pseudo-header, UDP header and payload, complemented; when nothing arrives, read the packet the checker saw on the wire ("The UDP header", "The pseudo-header", "Dropped without a word").`,
		"header_ipv4":    `Print the packet you gave to sendto, one line of hex (%x). Linux rewrites the total length and checksum on the wire, so they are judged in what you print: the total length counts both headers and the payload, and the checksum covers the 20 header bytes, computed last with its field at 0 ("IP_HDRINCL: what the kernel still fills in", "The IPv4 header, field by field").`,
		"payload_empty":  `An empty payload is a datagram of 8 bytes, the UDP header alone: UDP length 8, checksum over the pseudo-header and that header ("The UDP header").`,
		"payload_odd":    `An odd last byte is the high byte of a 16-bit word whose low byte is 0: add uint32(b) << 8, and send no padding ("The Internet checksum").`,
		"payload_large":  `Fold the carries until the sum fits 16 bits, in a loop; 65507 bytes is the largest payload (a total length of 65535), and a longer one is an error before anything is built ("The Internet checksum", "The IPv4 header, field by field").`,
		"ttl_ports":      `Write -ttl, -sport and the -dst port into their fields, and build the pseudo-header from the same -src and -dst addresses as the IPv4 header ("The pseudo-header", "Network byte order").`,
		"checksum_zero":  `0 in the UDP checksum field means not computed: when your checksum comes out as 0, send 0xffff, the other zero of one's-complement arithmetic ("When the checksum is zero").`,
		"error_flags":    `Check that each value fits its field before building: TTL 1-255, ports 1-65535, IPv4 addresses only, a port in -dst; then one line on stderr and exit 1 ("What the checker tests").`,
		"source_by_hand": `Lay the headers out yourself with encoding/binary; x/net/ipv4 is for after this lesson ("The Go API you need").`,
	},
}
