// Command short_reply_accepted is lesson 03's solution with one bug: it
// reads in a loop until it has len(msg) bytes, but treats EOF as "the reply
// is over" and returns what it has. When the server closes halfway, the
// client prints half an echo and exits 0, as if nothing were wrong.
//
// Caught by: error_early_close
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

	reply := make([]byte, 0, len(msg))
	buf := make([]byte, 1024)
	for len(reply) < len(msg) {
		n, err := conn.Read(buf[:min(len(buf), len(msg)-len(reply))])
		reply = append(reply, buf[:n]...)
		// BUG: EOF before len(msg) bytes means the echo was cut short,
		// but here it just ends the loop and the short reply is printed.
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read the echo from %s: %w", addr, err)
		}
	}
	return reply, nil
}
