// Command addresses-and-options is lesson 09's reference solution: one
// program with four subcommands, each about what an address is.
//
//	server   [-addr HOST:PORT] [-reuseport]  tell each client its address and family
//	resolve  [-hosts FILE] NAME              look NAME up in a hosts file only
//	bind     [-reuseport] HOST:PORT          try to listen where another socket listens
//	sockaddr IP:PORT                         the port and address bytes, in network byte order
//
// The server listens on one dual-stack socket, so IPv4 and IPv6 clients reach
// the same listener.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
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
	// An empty host means every address of every family: one IPv6 socket
	// that also takes IPv4 clients, or plain IPv4 where the machine has no
	// IPv6.
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
		// One short write into an empty send buffer never blocks, so
		// serving clients in turn holds nobody up.
		line := describe(conn.RemoteAddr().(*net.TCPAddr).AddrPort())
		log.Print(line)
		if _, err := io.WriteString(conn, line+"\n"); err != nil {
			log.Printf("write to %s: %v", conn.RemoteAddr(), err)
		}
		conn.Close()
	}
}

// listen opens a TCP listener on addr. The network is "tcp", not "tcp4" or
// "tcp6": the address alone decides the family, and a wildcard host gets a
// dual-stack socket. With reusePort, SO_REUSEPORT is set between socket and
// bind, the only moment it has an effect on the bind.
func listen(addr string, reusePort bool) (net.Listener, error) {
	var lc net.ListenConfig
	if reusePort {
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			if err != nil {
				return err
			}
			return os.NewSyscallError("setsockopt SO_REUSEPORT", serr)
		}
	}
	return lc.Listen(context.Background(), "tcp", addr)
}

// describe is the line a client gets. On a dual-stack socket the kernel
// reports an IPv4 peer as an IPv4-mapped IPv6 address (::ffff:127.0.0.1);
// the client really spoke IPv4, so unmap it before printing or choosing the
// family word.
func describe(peer netip.AddrPort) string {
	ip := peer.Addr().Unmap()
	// AddrPort's String puts an IPv6 address in brackets, so the port's
	// colon cannot be mistaken for part of the address.
	return fmt.Sprintf("you are %s over %s", netip.AddrPortFrom(ip, peer.Port()), family(ip))
}

// family names the IP version of an address. A mapped address is an IPv6
// address (Is4 is false): callers unmap first when they mean the wire.
func family(ip netip.Addr) string {
	if ip.Is4() {
		return "IPv4"
	}
	return "IPv6"
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
		// String is the canonical text (RFC 5952 for IPv6), whatever
		// spelling the file used.
		fmt.Printf("%s %s\n", family(a), a)
	}
	return nil
}

// lookupHosts reads a hosts(5) file: on each line an address, then the
// names it has; "#" starts a comment. It returns the addresses of every
// line naming name (names compare without regard to case), in file order.
// The system's resolver is never asked.
func lookupHosts(path, name string) ([]netip.Addr, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var addrs []netip.Addr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		addr, err := netip.ParseAddr(fields[0])
		if err != nil {
			// The C library skips such a line too: one bad entry must
			// not make every name unresolvable.
			continue
		}
		for _, h := range fields[1:] {
			// Whole fields, never substrings: "db" is not
			// "db.example.test".
			if strings.EqualFold(h, name) {
				addrs = append(addrs, addr)
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return addrs, nil
}

// bind listens on ADDR as the server would, says so, and lets go at once:
// a probe for whether the port can be shared.
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

// sockaddr prints what a struct sockaddr_in or sockaddr_in6 holds for a
// numeric IP:PORT: the family, then the port and the address as the bytes
// the kernel and the wire carry, most significant byte first.
func sockaddr(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: sockaddr IP:PORT")
	}
	// ParseAddrPort takes only numeric addresses, wants brackets around
	// IPv6 and a port from 0 to 65535: a name would need resolving first.
	ap, err := netip.ParseAddrPort(args[0])
	if err != nil {
		return fmt.Errorf("sockaddr: %w", err)
	}
	af := "AF_INET6"
	if ap.Addr().Is4() {
		af = "AF_INET"
	}
	// Network byte order is big-endian; a plain uint16 in memory on x86 is
	// little-endian, which is why C needs htons.
	port := binary.BigEndian.AppendUint16(nil, ap.Port())
	// AsSlice is 4 bytes for IPv4 and 16 for IPv6, mapped addresses
	// included: the sizes of sin_addr and sin6_addr.
	fmt.Printf("%s port=%x addr=%x\n", af, port, ap.Addr().AsSlice())
	return nil
}
