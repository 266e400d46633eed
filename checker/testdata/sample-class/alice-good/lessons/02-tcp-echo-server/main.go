// Command tcp-echo-server is lesson 02's reference solution: an echo server
// built on the net package. It sends every byte it receives back to the
// client that sent it, for one client after another, until SIGINT or SIGTERM.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)

	// net.Listen does socket, setsockopt(SO_REUSEADDR), bind and listen in
	// one call.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	// SIGINT and SIGTERM close the listener; Accept then fails and main
	// returns, which exits 0.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		ln.Close()
	}()

	// Print the listener's own address: with port 0 the kernel chose one,
	// and only the socket knows which. Printing it after Listen means a
	// client that reads this line can connect at once.
	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		// One client at a time, like the seed's server; lesson 04 serves
		// many at once. A failed connection is logged, not fatal: the
		// next client must still be served.
		if err := echo(conn); err != nil {
			log.Print(err)
		}
	}
}

// echo copies everything the client sends back to it until the client
// closes its sending side (EOF), then closes the connection.
func echo(conn net.Conn) error {
	defer conn.Close()
	log.Printf("connected by %s", conn.RemoteAddr())
	buf := make([]byte, 32*1024)
	for {
		// Read returns whatever has arrived: one byte or many, never a
		// "message". So loop until EOF.
		n, err := conn.Read(buf)
		if n > 0 {
			// Write on a net.Conn writes everything or returns an error:
			// the loop that Python's sendall does is inside it.
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return fmt.Errorf("write to %s: %w", conn.RemoteAddr(), werr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read from %s: %w", conn.RemoteAddr(), err)
		}
	}
}
