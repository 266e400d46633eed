package catalog

var lesson13 = Lesson{
	Number: 13, Slug: "reliable-udp", Title: "Reliable file transfer over UDP",
	Hints: map[string]string{
		"transfer_small": `Cut the file into 1024-byte DATA packets numbered from 0 and a FIN after them; the receiver writes the payloads in number order, ACKs every packet, lingers, then exits 0 ("Step-by-step tasks").`,
		"transfer_sizes": `An empty file is a lone FIN numbered 0, and 1024 bytes are one DATA packet, not two: never send an empty DATA packet ("The wire format").`,
		"lossy_drop":     `Give every packet in flight a timer and send it again when the timer fires with no ACK; replay a failure with the --seed the checker printed ("Timeouts and retransmission").`,
		"lossy_dup":      `A packet numbered below the next one you need, or one you already hold, is a copy: ACK it again, never write it again ("Sequence numbers").`,
		"lossy_reorder":  `Hold a packet that arrives early and write it only once every packet before it is in the file ("Sequence numbers").`,
		"lossy_corrupt":  `A byte flipped by the proxy still passes UDP's checksum: put a CRC-32 of the rest of the datagram in its first 4 bytes, and treat a datagram whose CRC does not match as lost ("Checksums").`,
		"lossy_mixed":    `Everything at once: resend on timeout, skip copies, put packets back in order, and keep going until the FIN is acknowledged; replay a failure with --seed ("Step-by-step tasks").`,
		"speed_window":   `One packet per round trip is 25 packets a second at 40ms: keep up to 64 unacknowledged packets in flight ("The sliding window", "The bandwidth-delay product").`,
		"end_linger":     `After the ACK of the FIN, keep reading: answer every datagram from the sender with that ACK again, and exit 0 only after 2s of silence ("The end of the transfer").`,
		"end_lossy":      `The FIN is a packet like the others: it stays in the window with a timer until its ACK arrives, and the receiver lingers long enough to hear it again ("The end of the transfer").`,
		"giveup_silent":  `Stop at the first ECONNREFUSED, and when nothing has come back for -giveup: one line on stderr, exit status 1 ("Giving up").`,
	},
}
