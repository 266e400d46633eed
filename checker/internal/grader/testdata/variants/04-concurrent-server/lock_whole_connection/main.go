// Command lock_whole_connection is a buggy lesson 04 server: it starts a
// goroutine per connection, but to keep the counters safe it takes the
// stats mutex at the start of echo and keeps it until the client leaves.
// The lock now serialises the clients, exactly like a sequential server:
// while one client sits idle, every other goroutine waits for the lock.
//
// Caught by: idle_client, clients_concurrent
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

type stats struct {
	mu      sync.Mutex
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			echo(conn, &st)
		}()
	}
	wg.Wait()
	st.mu.Lock()
	fmt.Printf("served %d clients, %d bytes\n", st.clients, st.bytes)
	st.mu.Unlock()
}

func echo(conn net.Conn, st *stats) {
	defer conn.Close()
	// BUG: the lock is held across every Read and Write, so it is held
	// while this goroutine waits on the network.
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clients++
	buf := make([]byte, 32*1024)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				log.Printf("write to %s: %v", conn.RemoteAddr(), werr)
				return
			}
			st.bytes += int64(n)
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
