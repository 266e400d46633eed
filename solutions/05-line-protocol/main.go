// Command line-protocol is lesson 05's reference solution: a key-value
// server whose clients speak a text protocol, one command per line. Every
// client is served in its own goroutine, and all of them share one store.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// How long, and how much, hangUp keeps reading after the server decided to
// end a connection. Both are bounds on a client that keeps sending.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 4 << 20
)

// store is the map that every connection's goroutine reads and writes. The
// mutex orders those accesses: without it two clients can write the map at
// once, which is a data race (and may crash the runtime).
type store struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *store) set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
}

func (s *store) get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok
}

func (s *store) del(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	delete(s.m, key)
	return ok
}

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	maxLine := flag.Int("maxline", 1024, "longest line accepted, in bytes before the \"\\n\"")
	flag.Parse()
	log.SetFlags(0)
	if *maxLine < 1 {
		log.Fatalf("-maxline must be at least 1, not %d", *maxLine)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	st := &store{m: map[string]string{}}
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		go serve(conn, st, *maxLine)
	}
}

// serve speaks the protocol with one client until it quits, leaves, or
// sends a line that is too long.
func serve(conn net.Conn, st *store, maxLine int) {
	defer conn.Close()
	// The reader's buffer is the line limit: the longest line plus its
	// "\n". ReadSlice never grows it, so a client that sends a megabyte
	// with no newline costs this much memory and no more.
	r := bufio.NewReaderSize(conn, maxLine+1)
	w := bufio.NewWriter(conn)
	for {
		// ReadSlice returns a line however the bytes were cut on the way:
		// it reads again until a "\n" is in the buffer, and keeps what
		// follows that "\n" (the next, pipelined commands) for next time.
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || err == nil && len(line)-1 > maxLine {
			// The second test matters only when maxLine+1 is below
			// bufio's smallest buffer (16 bytes).
			w.WriteString("ERR line too long\n")
			w.Flush()
			hangUp(conn)
			return
		}
		if err != nil {
			// io.EOF: the client left. A last line with no "\n" was
			// never finished, so it is not a command.
			if !errors.Is(err, io.EOF) {
				log.Printf("read from %s: %v", conn.RemoteAddr(), err)
			}
			return
		}
		// The slice points into the reader's buffer and is overwritten by
		// the next read: turn it into a string (a copy) before keeping it.
		text := strings.TrimSuffix(string(line[:len(line)-1]), "\r")
		reply, quit := execute(st, text)
		w.WriteString(reply)
		w.WriteByte('\n')
		if quit {
			w.Flush()
			hangUp(conn)
			return
		}
		// Pipelining: while the next whole command is already buffered,
		// keep the replies and send them together. Flush as soon as no
		// whole command is waiting, even if part of one is: that client
		// may wait for this reply before it sends the rest.
		if !lineBuffered(r) {
			if err := w.Flush(); err != nil {
				log.Printf("write to %s: %v", conn.RemoteAddr(), err)
				return
			}
		}
	}
}

// lineBuffered reports whether r already holds a whole line, so that the
// next ReadSlice returns without waiting for the network.
func lineBuffered(r *bufio.Reader) bool {
	b, _ := r.Peek(r.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

// execute runs one command line (without its line ending) and returns the
// reply line (without "\n"), and whether the client asked to quit.
func execute(st *store, line string) (reply string, quit bool) {
	// The command is the first word; what follows the first space is its
	// arguments, which for SET end with a value that may hold spaces.
	cmd, args, hasArgs := strings.Cut(line, " ")
	switch cmd {
	case "SET":
		key, value, ok := strings.Cut(args, " ")
		if !ok || key == "" || value == "" {
			return "ERR usage: SET key value", false
		}
		st.set(key, value)
		return "OK", false
	case "GET":
		if !isKey(args) {
			return "ERR usage: GET key", false
		}
		if v, ok := st.get(args); ok {
			return "VALUE " + v, false
		}
		return "NOTFOUND", false
	case "DEL":
		if !isKey(args) {
			return "ERR usage: DEL key", false
		}
		if st.del(args) {
			return "DELETED", false
		}
		return "NOTFOUND", false
	case "QUIT":
		if hasArgs {
			return "ERR usage: QUIT", false
		}
		return "BYE", true
	}
	return "ERR unknown command", false
}

// isKey reports whether s is one word: not empty, no space.
func isKey(s string) bool {
	return s != "" && !strings.Contains(s, " ")
}

// hangUp ends a connection that the server, not the client, decided to
// end, so that the client reads the last reply and then a clean end of
// stream. Closing a socket whose receive buffer still holds unread bytes
// makes the kernel send RST instead of FIN, and a reset can cost the client
// the reply it has not read yet. So: send FIN first (CloseWrite), then read
// and discard what the client still sends, for a bounded time and amount,
// and only then let the caller close.
func hangUp(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, conn, lingerBytes)
}
