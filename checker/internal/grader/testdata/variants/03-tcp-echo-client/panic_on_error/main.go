// Command panic_on_error is lesson 03's solution with one bug: it handles
// every error with panic(err). The exit status is non-zero, but the learner's
// user gets a "panic:" line and a goroutine stack trace on stderr instead of
// one sentence saying what went wrong.
//
// Caught by: error_refused, error_early_close
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "echo server address (host:port)")
	msg := flag.String("msg", "Hello, world", "message to send")
	flag.Parse()

	reply, err := roundTrip(*addr, []byte(*msg))
	if err != nil {
		// BUG: a panic prints a stack trace, not one line, and exits 2.
		panic(err)
	}
	fmt.Printf("%s\n", reply)
}

// roundTrip connects to addr, sends msg and returns the echo, which must be
// exactly as long as msg.
func roundTrip(addr string, msg []byte) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()

	if _, err := conn.Write(msg); err != nil {
		return nil, fmt.Errorf("send to %s: %w", addr, err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))

	reply := make([]byte, len(msg))
	n, err := io.ReadFull(conn, reply)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the server closed the connection after echoing %d of %d bytes", n, len(msg))
	}
	if err != nil {
		return nil, fmt.Errorf("read the echo from %s: %w", addr, err)
	}
	return reply, nil
}
