// Command flag_address is lesson 02 announcing the address it was asked for
// instead of the one it got: it prints the -addr flag. With -addr
// 127.0.0.1:0 the line says port 0, which nobody can connect to; the kernel
// chose the real port and only ln.Addr() knows it.
//
// Caught by: ready_address
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
	// The bug: this is the address asked for, not the one the socket got.
	fmt.Printf("listening on %s\n", *addr)

	// SIGINT and SIGTERM close the listener; Accept then fails and main
	// returns, which exits 0.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		ln.Close()
	}()

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
		// many at once.
		echo(conn)
	}
}

// echo copies everything the client sends back to it until the client
// closes its sending side (EOF), then closes the connection.
func echo(conn net.Conn) {
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
				log.Printf("write to %s: %v", conn.RemoteAddr(), werr)
				return
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			log.Printf("read from %s: %v", conn.RemoteAddr(), err)
			return
		}
	}
}
