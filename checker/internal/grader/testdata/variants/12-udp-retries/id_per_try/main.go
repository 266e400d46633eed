// Command id_per_try is lesson 12's solution with one bug: it gives every
// try a new ID. The server sees each retransmission as a new request, and
// a reply to an earlier try, arriving late, is thrown away as stale.
//
// Caught by: retry_late
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "server address (host:port)")
	timeout := flag.Duration("timeout", 500*time.Millisecond, "how long the first try waits for a reply; each further try waits twice as long")
	tries := flag.Int("tries", 5, "tries per request before giving up")
	var msgs []string
	flag.Func("msg", "text of one request (repeat the flag for several requests, sent one after another)", func(s string) error {
		msgs = append(msgs, s)
		return nil
	})
	flag.Parse()
	if len(msgs) == 0 {
		msgs = []string{"Hello, world"}
	}

	if err := run(*addr, msgs, *timeout, *tries); err != nil {
		fmt.Fprintf(os.Stderr, "udp client: %v\n", err)
		os.Exit(1)
	}
}

// run sends each message as one request, in order, and prints each reply's
// text as soon as it has it.
func run(addr string, msgs []string, timeout time.Duration, tries int) error {
	if timeout <= 0 || tries < 1 {
		return fmt.Errorf("-timeout must be positive and -tries at least 1 (got %s and %d)", timeout, tries)
	}
	// Dial on "udp" sends nothing: it is socket plus connect(2), which
	// fixes the peer. From then on the kernel drops datagrams from any
	// other address, Write needs no address, and an ICMP "port
	// unreachable" coming back is reported to us as ECONNREFUSED.
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer conn.Close()

	c := &client{
		conn:    conn,
		timeout: timeout,
		tries:   tries,
		// A random first ID: a reply still in flight from an earlier run
		// of this program (or anyone else's) almost surely carries an ID
		// this run never uses.
		nextID: uint64(rand.Uint32()),
		buf:    make([]byte, 64*1024),
	}
	for _, m := range msgs {
		reply, err := c.request(m)
		if err != nil {
			return err
		}
		fmt.Println(reply)
	}
	return nil
}

// client sends requests over one connected UDP socket, one at a time.
type client struct {
	conn    net.Conn
	timeout time.Duration
	tries   int
	nextID  uint64
	buf     []byte // big enough for any UDP datagram
}

// request sends "ID TEXT" until a reply with the same ID arrives or every
// try has timed out, and returns the reply's text.
func (c *client) request(text string) (string, error) {
	// One ID per request, the same on every try: a reply to try 1 that
	// arrives late, during try 2, answers the request just as well.
	id := c.nextID
	c.nextID++
	req := []byte(strconv.FormatUint(id, 10) + " " + text)

	start := time.Now()
	wait := c.timeout
	for try := 1; try <= c.tries; try++ {
		if try > 1 {
			// A fresh ID for a fresh try.
			id = c.nextID
			c.nextID++
			req = []byte(strconv.FormatUint(id, 10) + " " + text)
		}
		if _, err := c.conn.Write(req); err != nil {
			return "", c.fail(id, err)
		}
		// A deadline is an instant: every Read of this try shares it, so
		// stale replies cannot stretch the try.
		c.conn.SetReadDeadline(time.Now().Add(wait))
		for {
			n, err := c.conn.Read(c.buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // this try is over: send again
			}
			if err != nil {
				return "", c.fail(id, err)
			}
			got, reply, ok := parseReply(c.buf[:n])
			if !ok || got != id {
				// An answer to an earlier request, a second copy of one
				// already used, or garbage: not ours. Keep waiting for
				// what is left of this try.
				continue
			}
			return reply, nil
		}
		// Exponential backoff: if the network or the server is
		// overloaded, hammering it at a fixed rate makes things worse.
		wait *= 2
	}
	return "", fmt.Errorf("no reply to request %d from %s after %d tries (%s)",
		id, c.conn.RemoteAddr(), c.tries, time.Since(start).Round(time.Millisecond))
}

// fail describes an error that ends the request at once.
func (c *client) fail(id uint64, err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		// The ICMP port-unreachable error of an earlier datagram: nothing
		// listens there, and retrying will not change that.
		return fmt.Errorf("request %d: nothing listens at %s (ICMP port unreachable): %w", id, c.conn.RemoteAddr(), err)
	}
	return fmt.Errorf("request %d to %s: %w", id, c.conn.RemoteAddr(), err)
}

// parseReply splits a reply "ID TEXT" into its ID and text.
func parseReply(b []byte) (id uint64, text string, ok bool) {
	head, text, ok := strings.Cut(string(b), " ")
	if !ok {
		return 0, "", false
	}
	id, err := strconv.ParseUint(head, 10, 64)
	return id, text, err == nil
}
