// Command socket-lifecycle is lesson 01: a TCP echo server made of the
// system calls themselves, through golang.org/x/sys/unix, with no net
// package. Read README.md first; it states exactly what the checker expects.
//
// Run it:     go run ./lessons/01-socket-lifecycle -addr 127.0.0.1:0
// Check it:   go run ./checker lesson01
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "IPv4 address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)

	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port such as 127.0.0.1:65432", *addr)
	}

	// SIGINT and SIGTERM end the program with status 0. This part is done
	// for you: the kernel closes every descriptor of a process that exits.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		os.Exit(0)
	}()

	fd, err := listen(ap)
	if err != nil {
		log.Fatal(err)
	}
	// TODO: loop forever: unix.Accept(fd) a client, echo(conn) it, then
	// unix.Close(conn). Retry accept when it fails with unix.EINTR.
	_ = fd
	log.Fatal("lesson 01: the accept loop is not written yet")
}

// listen creates a listening TCP socket on ap and prints the readiness line.
func listen(ap netip.AddrPort) (int, error) {
	// TODO: unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0).

	// TODO: unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1).

	// TODO: unix.Bind to &unix.SockaddrInet4{Port: ..., Addr: ap.Addr().As4()}.

	// TODO: unix.Listen(fd, backlog).

	// TODO: unix.Getsockname(fd) for the port the kernel chose, then print
	// "listening on HOST:PORT" with sockaddrString.
	return -1, fmt.Errorf("listen on %s: not written yet", ap)
}

// echo sends back everything read from conn until the client closes its
// side.
func echo(conn int) error {
	// TODO: loop: unix.Read into a buffer; 0 bytes means end of stream;
	// otherwise writeAll what you read. Retry on unix.EINTR.
	return errors.New("echo: not written yet")
}

// writeAll writes all of b to fd, like Python's sendall.
func writeAll(fd int, b []byte) error {
	// TODO: unix.Write may write only part of b: loop until all of it is
	// written.
	return errors.New("writeAll: not written yet")
}

func sockaddrString(sa unix.Sockaddr) string {
	if in4, ok := sa.(*unix.SockaddrInet4); ok {
		return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port)).String()
	}
	return fmt.Sprintf("%v", sa)
}
