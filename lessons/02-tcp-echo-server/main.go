// Command tcp-echo-server is lesson 02: an echo server built on the net
// package. Read README.md first; it states exactly what the checker expects.
//
// Run it:     go run ./lessons/02-tcp-echo-server -addr 127.0.0.1:0
// Check it:   go run ./checker lesson02
package main

import (
	"errors"
	"flag"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)

	// TODO: listen for TCP connections on *addr with net.Listen.

	// TODO: exit 0 on SIGINT and SIGTERM: signal.Notify, then close the
	// listener so that Accept returns net.ErrClosed.

	// TODO: print "listening on HOST:PORT" to stdout, with the address the
	// listener really got (ln.Addr()), not the flag's value. Only now,
	// with the signals handled: whoever reads the line may send one at once.

	// TODO: accept clients one after another, and echo each with echo().
	log.Fatalf("lesson 02 is not done yet: nothing listens on %s", *addr)
}

// echo sends everything the client sends back to it, then closes the
// connection once the client has closed its sending side.
func echo(conn net.Conn) error {
	defer conn.Close()
	// TODO: loop: Read into a buffer, Write back what you read, and stop
	// at io.EOF. One Read is not one message.
	return errors.New("echo is not written yet")
}
