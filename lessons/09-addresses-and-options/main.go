// Command addresses-and-options is lesson 09: one program with four
// subcommands, each about what an address is. Read README.md first; it
// states exactly what the checker expects.
//
//	server   [-addr HOST:PORT] [-reuseport]  tell each client its address and family
//	resolve  [-hosts FILE] NAME              look NAME up in a hosts file only
//	bind     [-reuseport] HOST:PORT          try to listen where another socket listens
//	sockaddr IP:PORT                         the port and address bytes, in network byte order
//
// Run it:     go run ./lessons/09-addresses-and-options server -addr :0
// Check it:   go run ./checker lesson09
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  server   [-addr HOST:PORT] [-reuseport]
  resolve  [-hosts FILE] NAME
  bind     [-reuseport] HOST:PORT
  sockaddr IP:PORT`

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "server":
		err = server(args)
	case "resolve":
		err = resolve(args)
	case "bind":
		err = bind(args)
	case "sockaddr":
		err = sockaddr(args)
	default:
		fmt.Fprintf(os.Stderr, "unknown subcommand %q\n%s\n", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// server listens on -addr and answers every client with one line naming
// the address and family it sees, then closes the connection.
func server(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", ":65432", "address to listen on (host:port)")
	reusePort := fs.Bool("reuseport", false, "set SO_REUSEPORT so other sockets may share the port")
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("server: unexpected argument %q", fs.Arg(0))
	}

	ln, err := listen(*addr, *reusePort)
	if err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		line := describe(conn.RemoteAddr().(*net.TCPAddr).AddrPort())
		log.Print(line)
		if _, err := io.WriteString(conn, line+"\n"); err != nil {
			log.Printf("write to %s: %v", conn.RemoteAddr(), err)
		}
		conn.Close()
	}
}

// listen opens a TCP listener on addr, with SO_REUSEPORT set if reusePort.
func listen(addr string, reusePort bool) (net.Listener, error) {
	// TODO: listen with a net.ListenConfig on network "tcp" (not "tcp4" or
	// "tcp6"), so that the address alone chooses the family. When reusePort
	// is set, give it a Control function that sets SO_REUSEPORT with
	// unix.SetsockoptInt (golang.org/x/sys/unix) on the raw socket.
	return nil, fmt.Errorf("lesson 09 is not done yet: listen in main.go does not listen on %s", addr)
}

// describe is the line a client gets: "you are ADDRESS:PORT over FAMILY".
func describe(peer netip.AddrPort) string {
	// TODO: an IPv4 client of a dual-stack socket shows up as an
	// IPv4-mapped address (::ffff:127.0.0.1): unmap it, then print the
	// address and port (IPv6 in brackets) and the family word.
	return "describe in main.go is not written yet"
}

// family names the IP version of an address: "IPv4" or "IPv6".
func family(ip netip.Addr) string {
	// TODO: IPv4 when the address is a 4-byte one, IPv6 otherwise.
	return "family in main.go is not written yet"
}

// resolve prints every address that a hosts file gives NAME, one a line,
// with its family.
func resolve(args []string) error {
	fs := flag.NewFlagSet("resolve", flag.ExitOnError)
	hosts := fs.String("hosts", "/etc/hosts", "hosts file to read")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: resolve [-hosts FILE] NAME")
	}
	name := fs.Arg(0)
	addrs, err := lookupHosts(*hosts, name)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolve %s: not found in %s", name, *hosts)
	}
	for _, a := range addrs {
		fmt.Printf("%s %s\n", family(a), a)
	}
	return nil
}

// lookupHosts returns the addresses of every line of the hosts file at path
// that names name, in file order. It never asks the system's resolver.
func lookupHosts(path, name string) ([]netip.Addr, error) {
	// TODO: read the file line by line; drop everything from "#" on; split
	// the rest into fields; parse the first with netip.ParseAddr (skip the
	// line if it is not an address); keep the address if one of the other
	// fields equals name, ignoring case.
	return nil, fmt.Errorf("lesson 09 is not done yet: lookupHosts in main.go does not read %s", path)
}

// bind listens on ADDR as the server would, says so, and lets go at once.
func bind(args []string) error {
	fs := flag.NewFlagSet("bind", flag.ExitOnError)
	reusePort := fs.Bool("reuseport", false, "set SO_REUSEPORT before bind")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: bind [-reuseport] HOST:PORT")
	}
	ln, err := listen(fs.Arg(0), *reusePort)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Printf("bound %s\n", ln.Addr())
	return nil
}

// sockaddr prints "AF_INET port=PPPP addr=AAAAAAAA" (or AF_INET6 and 16
// address bytes) for a numeric IP:PORT, in network byte order.
func sockaddr(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: sockaddr IP:PORT")
	}
	// TODO: parse args[0] with netip.ParseAddrPort and return its error;
	// pick AF_INET or AF_INET6; write the port big-endian with
	// encoding/binary; print the address bytes (AsSlice) in hex.
	return fmt.Errorf("lesson 09 is not done yet: sockaddr in main.go does not parse %s", args[0])
}
