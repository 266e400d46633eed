// Command line_scanner is lesson 02 echoing lines instead of bytes: it reads
// with bufio.Scanner and writes each line back with a "\n". Bytes are held
// until a newline arrives, so a message without one does not come back until
// the client closes (and then with a "\n" it never sent); "\r\n" comes back
// as "\n", and a "line" over 64 KiB ends the connection.
//
// Caught by: echo_boundaries, echo_hello
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
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

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())

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
		echo(conn)
	}
}

// echo has the bug: it waits for whole lines, but a TCP stream has none.
func echo(conn net.Conn) {
	defer conn.Close()
	log.Printf("connected by %s", conn.RemoteAddr())
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if _, err := fmt.Fprintf(conn, "%s\n", sc.Text()); err != nil {
			log.Printf("write to %s: %v", conn.RemoteAddr(), err)
			return
		}
	}
	if err := sc.Err(); err != nil {
		log.Printf("read from %s: %v", conn.RemoteAddr(), err)
	}
}
