// Command one_read is lesson 02 with one Read per connection: the server
// reads once, writes back what that Read returned and closes, as if one Read
// were one message. Short messages on loopback pass; anything that arrives
// in more than one piece is cut short, and a second message never comes back.
//
// Caught by: echo_sizes, echo_hello
package main

import (
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

// echo has the bug: it treats the first Read as the whole message.
func echo(conn net.Conn) {
	defer conn.Close()
	log.Printf("connected by %s", conn.RemoteAddr())
	buf := make([]byte, 32*1024)
	n, err := conn.Read(buf)
	if err != nil {
		log.Printf("read from %s: %v", conn.RemoteAddr(), err)
		return
	}
	if _, err := conn.Write(buf[:n]); err != nil {
		log.Printf("write to %s: %v", conn.RemoteAddr(), err)
	}
}
