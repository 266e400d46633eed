// Command line-protocol is lesson 05: a key-value server whose clients
// speak a text protocol, one command per line (SET, GET, DEL, QUIT). Read
// README.md first; it states exactly what the checker expects.
//
// Listening, the readiness line, signals and a goroutine per client are
// written for you (lessons 02 and 04). Your work is in store, serve and
// execute.
//
// Run it:     go run ./lessons/05-line-protocol -addr 127.0.0.1:0
// Check it:   go run ./checker lesson05
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
	"time"
)

// How long, and how much, hangUp keeps reading after the server decided to
// end a connection.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 4 << 20
)

// store is the map that every connection's goroutine shares.
// TODO: several goroutines call these methods at once: add a sync.Mutex to
// store and lock it in each method (lesson 04, "One store for every client").
type store struct {
	m map[string]string
}

func (s *store) set(key, value string) {
	s.m[key] = value
}

func (s *store) get(key string) (string, bool) {
	v, ok := s.m[key]
	return v, ok
}

func (s *store) del(key string) bool {
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

	// TODO: wrap conn in a bufio.Reader whose buffer holds the longest line
	// allowed and its "\n" (bufio.NewReaderSize), and in a bufio.Writer for
	// the replies. Make both once, before the loop.

	// TODO: loop: read one line with ReadSlice('\n').
	//   - bufio.ErrBufferFull: the line is too long. Reply
	//     "ERR line too long", flush, hangUp, return.
	//   - io.EOF or another error: the client is gone; return.
	//   - a line: drop the "\n" and a "\r" before it, turn it into a string,
	//     run it with execute and write the reply and a "\n".

	// TODO: after QUIT's "BYE": flush, hangUp, return. Otherwise flush the
	// replies before waiting for more input (see "Pipelining and flushing").

	log.Fatalf("lesson 05 is not done yet: serve does not read commands (client %s)", conn.RemoteAddr())
}

// execute runs one command line (without its line ending) and returns the
// reply line (without "\n"), and whether the client asked to quit.
func execute(st *store, line string) (reply string, quit bool) {
	// TODO: the command is the text before the first space
	// (strings.Cut(line, " ")). SET takes a key and a value (the rest of the
	// line, spaces included); GET and DEL take one key; QUIT takes nothing.
	// The README's table "The protocol" gives every reply.
	return "ERR unknown command", false
}

// hangUp ends a connection that the server, not the client, decided to
// end, so that the client reads the last reply and then a clean end of
// stream: see "When the server hangs up" in the README. Call it after
// flushing the last reply; serve's deferred Close does the rest.
func hangUp(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		// FIN first: the client sees the end of our replies.
		tc.CloseWrite()
	}
	// Then swallow what the client still sends, for a while: closing a
	// socket with unread bytes in it sends RST instead of FIN.
	conn.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, conn, lingerBytes)
}
