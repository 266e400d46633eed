// Command newline_sent is lesson 03's solution with one bug: it sends the
// message with fmt.Fprintln, so a "\n" the user never asked for goes over
// the wire too. It still reads len(msg) bytes back, so what it prints looks
// right; only the server sees the extra byte (and on a persistent connection
// that byte would be the start of the next reply).
//
// Caught by: echo_hello, echo_slow_server
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "echo server address (host:port)")
	msg := flag.String("msg", "Hello, world", "message to send")
	flag.Parse()

	reply, err := roundTrip(*addr, []byte(*msg))
	if err != nil {
		fmt.Fprintf(os.Stderr, "echo client: %v\n", err)
		os.Exit(1)
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

	// BUG: Fprintln adds a newline that is not part of the message.
	if _, err := fmt.Fprintln(conn, string(msg)); err != nil {
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
