package catalog

var lesson18 = Lesson{
	Number: 18, Slug: "packet-sniffer", Title: "A packet sniffer", Isolated: true,
	Hints: map[string]string{
		"capture_ready":   `Open an AF_PACKET socket (SOCK_RAW, ETH_P_ALL in network byte order), bind it to the interface, then print 'sniffing on IFACE'; exit 0 on SIGTERM ("Opening a packet socket").`,
		"iface_unknown":   `Look the interface up by name (net.InterfaceByName) first; when that fails, print one line to stderr and exit 1 ("Binding to one interface").`,
		"udp_ipv4":        `Every multi-byte field is big-endian (binary.BigEndian); the TTL is byte 8 of the IPv4 header; len is UDP's length field minus its own 8 bytes ("TCP, UDP and ICMP", "The line format").`,
		"tcp_segments":    `TCP's header is its data offset times 4 bytes (options included), the payload is what follows up to the IP packet's end, and the flags are byte 13 ("TCP, UDP and ICMP").`,
		"icmp_echo":       `ICMP's type and code are its bytes 0 and 1; an echo request (8) or reply (0) carries its identifier and sequence number in bytes 4 to 7, big-endian ("TCP, UDP and ICMP").`,
		"ipv4_options":    `The transport header starts IHL times 4 bytes into the IPv4 packet, not 20: options sit in between ("IPv4 and its header length").`,
		"ipv6_packets":    `EtherType 0x86dd is IPv6: its header is always 40 bytes, with Next Header at byte 6, the hop limit at byte 7 and the addresses at 8 and 24 ("IPv6's fixed header").`,
		"loopback_once":   `recvfrom's sockaddr_ll says which way a frame went: skip the ones whose Pkttype is PACKET_OUTGOING ("Loopback shows every frame twice").`,
		"ethertype_other": `Decide by the EtherType (bytes 12 and 13): only 0x0800 is IPv4 and 0x86dd IPv6; print any other as 'ETHER type=0x88b5 len=46' ("The Ethernet header").`,
		"iface_bound":     `Bind the socket to the index of the interface named by -i (sockaddr_ll's Ifindex); an unbound packet socket hears every interface ("Binding to one interface").`,
	},
}
