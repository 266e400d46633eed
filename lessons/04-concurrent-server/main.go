// Command concurrent-server is lesson 04: the echo server of lesson 02,
// made to serve many clients at once and to count them. Read README.md
// first; it states exactly what the checker expects.
//
// This stub is a working one-client-at-a-time echo server. Run it:
//
//	go run ./lessons/04-concurrent-server -addr 127.0.0.1:0
//
// Check it (built with the race detector): go run ./checker lesson04
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

// stats counts what the server served.
// TODO: every connection's goroutine will update it: guard it with a
// sync.Mutex.
type stats struct {
	clients int
	bytes   int64
}

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	var st stats
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		// TODO: count the client, and serve it in its own goroutine so the
		// loop goes straight back to Accept.
		echo(conn, &st)
	}
	// TODO: wait for the connections still being served (sync.WaitGroup),
	// then print the totals: "served N clients, M bytes".
}

// echo sends back everything the client sends and closes the connection at
// EOF.
func echo(conn net.Conn, st *stats) {
	defer conn.Close()
	buf := make([]byte, 32*1024)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
			// TODO: add n to the byte count.
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
