// Command tcp-echo-client is lesson 03's reference solution: it sends one
// message to an echo server, reads the whole echo back and prints it.
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
	timeout := flag.Duration("timeout", 5*time.Second, "how long to wait for the whole echo, from connecting to its last byte")
	flag.Parse()

	reply, err := roundTrip(*addr, []byte(*msg), *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "echo client: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", reply)
}

// roundTrip connects to addr, sends msg and returns the echo, which must be
// exactly as long as msg. The whole exchange, from connecting to the last
// byte of the echo, takes at most timeout.
func roundTrip(addr string, msg []byte, timeout time.Duration) ([]byte, error) {
	// A deadline is an instant, not a duration: computed once, it bounds
	// the connect, the write and every read together.
	deadline := time.Now().Add(timeout)

	// net.Dial does socket and connect; the kernel picks our own port.
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	// A server that stops answering, or answers a byte at a time, must not
	// hold us past the deadline: every Read and Write fails after it.
	conn.SetDeadline(deadline)

	// Write sends everything, or fails: it loops inside, like sendall.
	if _, err := conn.Write(msg); err != nil {
		return nil, fmt.Errorf("send to %s: %w", addr, err)
	}

	// One Read returns what has arrived so far, which may be a single
	// byte. io.ReadFull loops until the buffer is full.
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
