// Command tcp-echo-client is lesson 03: it sends one message to an echo
// server, reads the whole echo back and prints it. Read README.md first; it
// states exactly what the checker expects.
//
// Try it:     go run ./lessons/03-tcp-echo-client -addr 127.0.0.1:65432 -msg hi
// Check it:   go run ./checker lesson03
package main

import (
	"errors"
	"flag"
	"fmt"
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
		// One line on stderr, and exit status 1: that is the whole error
		// contract.
		fmt.Fprintf(os.Stderr, "echo client: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", reply)
}

// roundTrip connects to addr, sends msg and returns the echo, which must be
// exactly as long as msg. The whole exchange, from connecting to the last
// byte of the echo, takes at most timeout.
func roundTrip(addr string, msg []byte, timeout time.Duration) ([]byte, error) {
	// TODO: connect with net.DialTimeout, giving up after timeout, and
	// close the connection when done.

	// TODO: set one deadline for the rest of the exchange
	// (conn.SetDeadline), timeout after the start: once, not before every
	// Read.

	// TODO: write the whole message.

	// TODO: read until you have len(msg) bytes: one Read is not enough
	// (io.ReadFull). If the server closes first, return an error that says
	// how many bytes came back.
	return nil, errors.New("roundTrip is not written yet")
}
