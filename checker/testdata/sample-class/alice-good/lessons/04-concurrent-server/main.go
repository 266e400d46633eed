// Command concurrent-server is lesson 04's reference solution: the echo
// server of lesson 02, serving every client in its own goroutine, and
// counting clients and bytes in state that all those goroutines share.
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

// stats is shared by every connection's goroutine. The mutex makes each
// update whole: without it, two goroutines adding at once can lose one of
// the additions, and the race detector reports it.
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
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

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
		// The goroutine serves this client while the loop goes straight
		// back to Accept for the next one.
		wg.Go(func() { echo(conn, &st) })
	}
	// Stopped accepting; let the clients being served finish, so the
	// totals are complete.
	wg.Wait()
	fmt.Println(st.String())
}

// echo sends back everything the client sends, counting the bytes, and
// closes the connection at EOF. No lock is held while it waits on the
// network.
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
