package catalog

var lesson16 = Lesson{
	Number: 16, Slug: "traceroute", Title: "Traceroute, hop by hop", Isolated: true,
	Hints: map[string]string{
		"hops_all_answer":     `Set the TTL on the probe socket before each TTL's probes, and stop after the line where the destination answered with port unreachable ("TTL: a packet's hop budget", "The end of the road").`,
		"hops_silent_router":  `Give each probe one deadline, -w after it leaves; when it passes, print * for that probe and go on: the next TTL goes through the silent router ("Silence: timeouts and stars").`,
		"limit_max_hops":      `After TTL -m without the destination's answer, stop: one line on stderr, exit status 1 ("What the checker tests").`,
		"match_other_traffic": `Your raw socket sees every ICMP message of the host: take only one that quotes your own probe (UDP, your source port, this probe's destination port), and keep the probe's deadline while you skip the rest ("Matching an answer to its probe").`,
	},
}
