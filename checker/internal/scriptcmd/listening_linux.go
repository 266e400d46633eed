package scriptcmd

// listening reports whether some socket on this machine listens on TCP port
// port. It opens no connection, so asking does not disturb a server that
// counts its clients.
func listening(port int) (bool, error) {
	n, err := countSockets(port, tcpStates["LISTEN"])
	return n > 0, err
}
