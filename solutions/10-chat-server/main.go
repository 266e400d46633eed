// Command chat-server is lesson 10's reference solution: a chat room over
// TCP, spoken in lines. A client's first line is its nickname; every later
// line is a message for everyone else in the room. Each client has its own
// bounded queue and writer goroutine, so a client that stops reading costs
// the room nothing: when its queue is full, it is disconnected.
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
	// queueLen is how many lines may wait for one client. It bounds the
	// memory a client that never reads can cost us; when it is full the
	// client is dropped (see deliverLocked).
	queueLen = 128
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
	out  chan string
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
	c.out <- "welcome " + c.nick // the queue is new and empty: this cannot block
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
	close(c.out)
	r.deliverLocked(c, "* "+c.nick+" left")
}

// say delivers one of from's messages to everyone else.
func (r *room) say(from *client, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliverLocked(from, from.nick+": "+text)
}

// deliverLocked puts line in the queue of every client but from, without
// ever waiting: a client whose queue is full has stopped reading (or reads
// far slower than the room talks), and is disconnected on the spot. Its
// leave notice is delivered in turn, which may drop another one. The caller
// holds r.mu, so every client sees lines in the same order.
func (r *room) deliverLocked(from *client, line string) {
	pending := []struct {
		from *client
		line string
	}{{from, line}}
	for len(pending) > 0 {
		p := pending[0]
		pending = pending[1:]
		for nick, c := range r.clients {
			if c == p.from {
				continue
			}
			select {
			case c.out <- p.line:
			default:
				log.Printf("%s: queue full, disconnecting a slow reader", nick)
				delete(r.clients, nick) // deleting while ranging is allowed
				close(c.out)
				// Closing the socket wakes its writer, blocked on a full
				// send buffer, and its reader, which then finds c gone.
				c.conn.Close()
				pending = append(pending, struct {
					from *client
					line string
				}{c, "* " + nick + " left"})
			}
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
	c := &client{nick: nick, conn: conn, out: make(chan string, queueLen)}
	if err := r.join(c); err != nil {
		fmt.Fprintln(conn, "ERR nickname taken")
		conn.Close()
		return
	}
	log.Printf("%s joined from %s", nick, conn.RemoteAddr())
	go c.write()

	for sc.Scan() {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" {
			continue // a stray Enter in nc is not a message
		}
		r.say(c, text)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, net.ErrClosed) {
		log.Printf("%s: %v", nick, err) // not when we closed it ourselves
	}
	r.leave(c)
}

// write is c's only writer. It sends queued lines until the queue is closed,
// batching whatever is queued into one write, then closes the connection.
// On a write error it closes at once: its reader then fails and leaves.
func (c *client) write() {
	defer c.conn.Close()
	w := bufio.NewWriter(c.conn)
	for line := range c.out {
		w.WriteString(line)
		w.WriteByte('\n')
		if len(c.out) > 0 {
			continue // more is waiting: write it in the same system call
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
	w.Flush()
}
