// Command chat-server is lesson 10: a chat room over TCP, spoken in lines.
// A client's first line is its nickname; every later line is a message
// for everyone else in the room. Read README.md first; it states exactly
// what the checker expects.
//
// The listener, the accept loop and the line reading are written for you.
// The room is not: every client is refused with "ERR lesson 10 is not done
// yet". Run it:
//
//	go run ./lessons/10-chat-server -addr 127.0.0.1:0
//
// Check it (built with the race detector): go run ./checker lesson10
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
	// queueLen is how many lines may wait for one client.
	queueLen = 128
	// maxLine is the longest line accepted, without its line end.
	maxLine = 4096
)

// validNick is what a nickname may look like.
var validNick = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

var (
	errTaken   = errors.New("nickname taken")
	errNotDone = errors.New("lesson 10 is not done yet")
)

// client is one registered connection. Only its writer goroutine (write)
// writes to conn: everyone else hands it lines through out.
type client struct {
	nick string
	conn net.Conn
	out  chan string
}

// room is the state every connection's goroutine shares: who is here.
type room struct {
	mu      sync.Mutex // guards clients, and the closing of each client's out
	clients map[string]*client
}

func newRoom() *room {
	return &room{clients: map[string]*client{}}
}

// join registers c under its nickname, or returns errTaken.
func (r *room) join(c *client) error {
	// TODO: under r.mu: refuse a nickname already in the map (errTaken);
	// put "welcome NICK" in c.out; deliver "* NICK joined" to the others;
	// add c to the map.
	return errNotDone
}

// leave removes c from the room and tells the others, unless c is no longer
// in the room (it was disconnected as a slow reader, and announced then).
func (r *room) leave(c *client) {
	// TODO: under r.mu: if r.clients[c.nick] is still c, delete it, close
	// c.out (its writer then finishes) and deliver "* NICK left".
}

// say delivers one of from's messages to everyone else.
func (r *room) say(from *client, text string) {
	// TODO: under r.mu: deliver "NICK: text" to everyone but from.
}

// deliverLocked puts line in the queue of every client but from. The caller
// holds r.mu.
func (r *room) deliverLocked(from *client, line string) {
	// TODO: never wait here: a select with a default. A client whose queue
	// is full is disconnected: delete it from the map, close its out and
	// its conn, and deliver "* NICK left" to the rest in turn.
}

// closeAll disconnects every client, for shutdown.
func (r *room) closeAll() {
	// TODO: under r.mu, close every client's connection.
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
	r.closeAll()
}

// serve reads one connection's lines: the nickname, then messages.
func (r *room) serve(conn net.Conn) {
	sc := bufio.NewScanner(conn)
	// Room for the longest line plus "\r\n"; a longer line ends the loop.
	sc.Buffer(make([]byte, 0, 4096), maxLine+2)

	if !sc.Scan() {
		conn.Close()
		return
	}
	nick := strings.TrimSuffix(sc.Text(), "\r")
	// TODO: a nickname that validNick does not match gets the line
	// "ERR invalid nickname", and the connection is closed.
	c := &client{nick: nick, conn: conn, out: make(chan string, queueLen)}
	if err := r.join(c); err != nil {
		fmt.Fprintf(conn, "ERR %v\n", err)
		conn.Close()
		return
	}
	go c.write()

	// TODO: each further line (without a trailing "\r") is a message for
	// the room; skip empty lines.
	r.leave(c)
}

// write is c's only writer: it sends the lines queued in c.out.
func (c *client) write() {
	// TODO: write each line of c.out with its "\n" until c.out is closed,
	// or until a write fails; then close the connection.
}
