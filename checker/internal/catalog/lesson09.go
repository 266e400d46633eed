package catalog

var lesson09 = Lesson{
	Number: 9, Slug: "addresses-and-options", Title: "Addresses, families and socket options",
	Hints: map[string]string{
		"whoami_ipv4":       `Listen on network tcp (not tcp6) so that one socket takes IPv4 clients too, and Unmap the peer's address before you print it or pick the family word ("One socket, two families").`,
		"whoami_ipv6":       `Listen on network tcp (not tcp4), and print the peer with netip.AddrPort's String or net.JoinHostPort, which put an IPv6 address in brackets ("Addresses as text").`,
		"listen_loopback":   `Hand -addr to the listener unchanged, on network tcp: a wildcard host gets both families, a specific address only its own ("One socket, two families").`,
		"resolve_addresses": `Read the -hosts file yourself. A line is an address, then names: compare NAME with each whole name field, ignoring case, and print the family, a space and the address, in the file's order ("Where names come from").`,
		"resolve_canonical": `Parse the first field with netip.ParseAddr and print the parsed Addr, not the text as the file spells it ("Addresses as text").`,
		"resolve_comments":  `Cut each line at the first # before splitting it into fields, and skip a line whose first field does not parse as an address ("Where names come from").`,
		"resolve_file_only": `Open and parse the -hosts file yourself: net.LookupHost and net.Resolver ask the system, which reads /etc/hosts and DNS ("Where names come from").`,
		"reuseport_shared":  `Set SO_REUSEPORT (not SO_REUSEADDR) from net.ListenConfig's Control function, and only when -reuseport is given ("Socket options that matter").`,
		"sockaddr_bytes":    `Put the port into two bytes with binary.BigEndian, and take the address bytes from netip.Addr's AsSlice: 4 for IPv4, 16 for IPv6 ("Network byte order").`,
		"sockaddr_errors":   `Parse with netip.ParseAddrPort, which wants a numeric address, brackets around IPv6 and a port that fits 16 bits; on error, one line on stderr and exit 1 ("Addresses as text").`,
		"shutdown_signal":   `Catch SIGINT and SIGTERM, close the listener and return from main; logs go to stderr, so stdout holds only the readiness line ("What the checker tests").`,
	},
}
