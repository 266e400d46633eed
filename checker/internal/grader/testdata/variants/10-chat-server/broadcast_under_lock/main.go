// Command broadcast_under_lock is a buggy lesson 10 server: the room is
// guarded by its mutex, but there are no queues. A message is written to
// every other client's socket straight away, while the lock is held. That
// works while everyone reads; once a client stops reading, its socket's
// buffers fill, the Write blocks with the lock held, and every other
// goroutine waits at Lock: the whole room freezes behind one slow reader.
//
// Caught by: slow_reader
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
)

const (
	// maxLine is the longest line accepted, without its line end. A
	// client that sends more is disconnected, so no client can make us
	// buffer without limit on the reading side either.
	maxLine = 4096
)

// validNick keeps nicknames free of spaces, colons and stars, so that
// "NICK: text" and "* NICK joined" can always be told apart and split.
var validNick = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

var errTaken = errors.New("nickname taken")

// client is one registered connection. Only its writer goroutine writes to
// conn: everyone else hands it lines through out.
type client struct {
	nick string
	conn net.Conn
}

// room is the state every connection's goroutine shares: who is here. The
// mutex guards the map and the closing of each client's queue; it is never
// held while waiting on the network, only while putting lines into queues,
// which never blocks.
type room struct {
	mu      sync.Mutex
	clients map[string]*client
}

func newRoom() *room {
	return &room{clients: map[string]*client{}}
}

// join registers c under its nickname, or returns errTaken. The welcome goes
// into c's queue before c is in the map, so it is the first line c receives,
// and the join notice goes out in the same critical section, so every other
// client learns of c exactly once, before any message c sends.
func (r *room) join(c *client) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.clients[c.nick]; taken {
		return errTaken
	}
	fmt.Fprintln(c.conn, "welcome "+c.nick)
	r.deliverLocked(c, "* "+c.nick+" joined")
	r.clients[c.nick] = c
	return nil
}

// leave removes c and tells the others, unless c was already dropped as a
// slow reader (and announced then). Closing c.out lets c's writer send what
// is still queued and then close the connection.
func (r *room) leave(c *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clients[c.nick] != c {
		return
	}
	delete(r.clients, c.nick)
	r.deliverLocked(c, "* "+c.nick+" left")
}

// say delivers one of from's messages to everyone else.
func (r *room) say(from *client, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliverLocked(from, from.nick+": "+text)
}

// deliverLocked writes line to every client but from.
func (r *room) deliverLocked(from *client, line string) {
	for nick, c := range r.clients {
		if c == from {
			continue
		}
		if _, err := fmt.Fprintln(c.conn, line); err != nil {
			log.Printf("%s: %v", nick, err)
		}
	}
}

// closeAll disconnects every client, for shutdown.
func (r *room) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.clients {
		c.conn.Close()
	}
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

	r := newRoom()
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		go r.serve(conn)
	}
	// Disconnect everyone and return: the exit closes whatever is left,
	// such as a connection that never sent its nickname.
	r.closeAll()
}

// serve reads one connection's lines: the nickname, then messages.
func (r *room) serve(conn net.Conn) {
	sc := bufio.NewScanner(conn)
	// Room for the longest line plus its "\r\n": a longer line stops Scan
	// with bufio.ErrTooLong and ends the connection.
	sc.Buffer(make([]byte, 0, 4096), maxLine+2)

	if !sc.Scan() {
		conn.Close()
		return
	}
	nick := strings.TrimSuffix(sc.Text(), "\r")
	if !validNick.MatchString(nick) {
		// Not registered, so no writer goroutine: writing here is safe.
		fmt.Fprintln(conn, "ERR invalid nickname")
		conn.Close()
		return
	}
	c := &client{nick: nick, conn: conn}
	if err := r.join(c); err != nil {
		fmt.Fprintln(conn, "ERR nickname taken")
		conn.Close()
		return
	}
	log.Printf("%s joined from %s", nick, conn.RemoteAddr())

	for sc.Scan() {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" {
			continue // a stray Enter in nc is not a message
		}
		r.say(c, text)
	}
	if err := sc.Err(); err != nil {
		log.Printf("%s: %v", nick, err)
	}
	r.leave(c)
}
