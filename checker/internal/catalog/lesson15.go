package catalog

var lesson15 = Lesson{
	Number: 15, Slug: "icmp-ping", Title: "Ping over a raw socket", Isolated: true,
	Hints: map[string]string{
		"source_by_hand":   `Build the 8-byte header with encoding/binary and read replies as plain bytes; golang.org/x/net/icmp would do the lesson for you ("The echo request and its reply").`,
		"reply_loopback":   `Send type 8, code 0, your identifier and the sequence number, big-endian, checksum included; the reply is type 0 with the same two. Only timeouts? The kernel drops a request whose checksum is wrong without a word ("The Internet checksum").`,
		"reply_ipv6":       `For an IPv6 address open 'ip6:ipv6-icmp', send type 128 and accept only type 129; the kernel computes the checksum ("ICMPv6").`,
		"checksum_request": `Sum 16-bit big-endian words with the checksum field at zero, add an odd last byte as the high half of a word, fold the carries back in until none is left, complement, write it big-endian ("The Internet checksum").`,
		"timeout_silent":   `Set one read deadline per probe, -W after the send, and print the timeout line when it passes. A reply from a host that never answers is your own echo request, type 8, which your raw socket receives too ("A raw socket sees everything", "Timeouts").`,
		"timeout_late":     `Accept only the sequence number of the probe in progress: a late reply to an earlier one is skipped, and the wait goes on to the same deadline ("Identifiers and sequence numbers", "Timeouts").`,
		"loss_summary":     `Loss is (sent-received)*100/sent, multiplying first; min, avg and max are over the replies received, not the probes sent ("Statistics").`,
		"match_identifier": `Another ping's replies reach your raw socket too, numbered 1, 2, 3 like yours: accept only your own identifier ("Identifiers and sequence numbers").`,
		"match_duplicate":  `A second copy of a reply arrives while the next probe waits: match that probe's sequence number, not only your identifier ("Identifiers and sequence numbers").`,
		"reply_corrupt":    `Check every reply's checksum: an undamaged message summed with its checksum in place gives checksum(msg) == 0 ("The Internet checksum").`,
	},
}
