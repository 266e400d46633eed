// Command missing_done is a buggy lesson 04 server: it calls wg.Add(1)
// for each connection but its goroutine never calls wg.Done. Serving works,
// but on SIGTERM wg.Wait waits for a counter that never drops back to zero,
// so the server never prints its totals and never exits.
//
// Caught by: shutdown_signal, stats_exact
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

func (s *stats) addClient() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients++
}

func (s *stats) addBytes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bytes += int64(n)
}

func (s *stats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("served %d clients, %d bytes", s.clients, s.bytes)
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
		st.addClient()
		wg.Add(1)
		// BUG: nothing calls wg.Done when echo returns.
		go echo(conn, &st)
	}
	wg.Wait()
	fmt.Println(st.String())
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
			st.addBytes(n)
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
