// Command socket-lifecycle is lesson 01's reference solution: a TCP echo
// server made of the system calls themselves, through golang.org/x/sys/unix.
// It walks the server workflow by hand: socket, setsockopt, bind, listen,
// then accept, read, write and close for one client after another.
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

	// The address is parsed with net/netip, which only handles text: no
	// sockets hide in it.
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port such as 127.0.0.1:65432", *addr)
	}

	// SIGINT and SIGTERM end the program with status 0. The kernel closes
	// every descriptor of a process that exits.
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
	for {
		// accept blocks until a client has finished the handshake, then
		// returns a new descriptor for that one connection; fd goes on
		// listening.
		conn, peer, err := unix.Accept(fd)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ECONNABORTED) {
			continue
		}
		if err != nil {
			log.Fatalf("accept: %v", err)
		}
		log.Printf("connected by %s", sockaddrString(peer))
		if err := echo(conn); err != nil {
			log.Print(err)
		}
		// close releases the descriptor and sends our FIN.
		unix.Close(conn)
	}
}

// listen creates a listening TCP socket on ap and prints the readiness line.
func listen(ap netip.AddrPort) (int, error) {
	// socket(AF_INET, SOCK_STREAM, 0): an IPv4 byte-stream socket, which
	// the kernel implements with TCP.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	// Without SO_REUSEADDR, bind fails with EADDRINUSE while connections
	// of an earlier run of the server wait out TIME_WAIT.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return -1, fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return -1, fmt.Errorf("bind %s: %w", ap, err)
	}
	// The backlog bounds the queue of connections that finished the
	// handshake but were not accepted yet.
	if err := unix.Listen(fd, 128); err != nil {
		return -1, fmt.Errorf("listen: %w", err)
	}
	// With port 0, bind let the kernel choose; getsockname says which.
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return -1, fmt.Errorf("getsockname: %w", err)
	}
	fmt.Printf("listening on %s\n", sockaddrString(sa))
	return fd, nil
}

// echo sends back everything read from conn until the client closes its
// side (read returns 0).
func echo(conn int) error {
	buf := make([]byte, 32*1024)
	for {
		n, err := unix.Read(conn, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if n == 0 { // end of stream: the client sent FIN
			return nil
		}
		if err := writeAll(conn, buf[:n]); err != nil {
			return err
		}
	}
}

// writeAll is Python's sendall: write may take only part of the buffer, so
// it writes again from where the kernel stopped.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

func sockaddrString(sa unix.Sockaddr) string {
	if in4, ok := sa.(*unix.SockaddrInet4); ok {
		return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port)).String()
	}
	return fmt.Sprintf("%v", sa)
}
