// Command one_read is lesson 03's solution with one bug: like the seed's
// recv(1024), it reads the reply with a single conn.Read into a 1024-byte
// buffer and prints whatever that Read returned. On loopback with a short
// message this usually works, which is why the bug survives; when the echo
// comes back in pieces, or is longer than the buffer, the client prints only
// the first piece.
//
// Caught by: echo_slow_server, echo_large, error_early_close
package main

import (
	"flag"
	"fmt"
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

// roundTrip connects to addr, sends msg and returns the echo.
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

	// BUG: one Read returns what has arrived so far, not the whole echo.
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("read the echo from %s: %w", addr, err)
	}
	return buf[:n], nil
}
