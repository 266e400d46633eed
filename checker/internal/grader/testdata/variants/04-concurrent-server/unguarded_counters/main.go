// Command unguarded_counters is a buggy lesson 04 server: every connection
// has its own goroutine, but the byte count is a plain int64 that all of
// them add to with no mutex. `bytes += n` is a read, an add and a write;
// two goroutines doing it at once can lose an addition, and the race
// detector reports the data race even on the runs where the total happens
// to come out right.
//
// Caught by: clients_concurrent, stats_exact
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
	"sync"
	"syscall"
)

// BUG: no mutex. clients is only touched by the accept loop, which is
// fine, but bytes is updated by every connection's goroutine.
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
	fmt.Printf("listening on %s\n", ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		ln.Close()
	}()

	var st stats
	var wg sync.WaitGroup
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		st.clients++
		wg.Add(1)
		go func() {
			defer wg.Done()
			echo(conn, &st)
		}()
	}
	wg.Wait()
	fmt.Printf("served %d clients, %d bytes\n", st.clients, st.bytes)
}

func echo(conn net.Conn, st *stats) {
	defer conn.Close()
	buf := make([]byte, 32*1024)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				log.Printf("write to %s: %v", conn.RemoteAddr(), werr)
				return
			}
			st.bytes += int64(n) // BUG: a data race with every other connection
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
