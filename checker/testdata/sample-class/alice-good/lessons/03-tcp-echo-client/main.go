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
	// net.Dial does socket and connect; the kernel picks our own port.
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()

	// Write sends everything, or fails: it loops inside, like sendall.
	if _, err := conn.Write(msg); err != nil {
		return nil, fmt.Errorf("send to %s: %w", addr, err)
	}
	// A server that stops answering must not hang us forever.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))

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
