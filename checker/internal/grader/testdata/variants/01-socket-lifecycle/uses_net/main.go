// Bug: the server is built on net.Listen and io.Copy, which make the same
// system calls behind the learner's back. It echoes correctly, but this
// lesson is about making those calls yourself.
//
// Caught by: source_no_net
package main

import (
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
	addr := flag.String("addr", "127.0.0.1:65432", "IPv4 address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		os.Exit(0)
	}()

	// net.Listen does socket, setsockopt(SO_REUSEADDR), bind and listen in
	// one call: exactly what this lesson asks the learner to write.
	ln, err := net.Listen("tcp4", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatalf("accept: %v", err)
		}
		log.Printf("connected by %s", conn.RemoteAddr())
		if _, err := io.Copy(conn, conn); err != nil {
			log.Print(err)
		}
		conn.Close()
	}
}
