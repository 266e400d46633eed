// Command lock_around_read is a buggy lesson 04 server: one goroutine per
// connection, and the counters are only touched under the mutex, but the
// lock is taken at the top of each loop turn, before Read, and released
// after the count. A goroutine whose client is quiet blocks in Read with the
// lock held, and every other connection stops at its own Lock: one idle
// client freezes the whole server.
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
		st.mu.Lock()
		st.clients++
		st.mu.Unlock()
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
	buf := make([]byte, 32*1024)
	for {
		// BUG: Read waits for the client with the lock held.
		st.mu.Lock()
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				st.mu.Unlock()
				log.Printf("write to %s: %v", conn.RemoteAddr(), werr)
				return
			}
			st.bytes += int64(n)
		}
		st.mu.Unlock()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			log.Printf("read from %s: %v", conn.RemoteAddr(), err)
			return
		}
	}
}
