// Command sequential is a buggy lesson 04 server: it has the mutex and the
// WaitGroup, but the accept loop calls echo itself instead of starting a
// goroutine, so it still serves one client at a time. Every other client
// waits in the listen backlog until the one being served hangs up.
//
// Caught by: clients_concurrent, idle_client
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
		// BUG: no goroutine. The loop is stuck here until this client
		// leaves, so Accept is not called for anyone else.
		wg.Add(1)
		echo(conn, &st)
		wg.Done()
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
