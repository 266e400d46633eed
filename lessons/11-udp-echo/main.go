// Command udp-echo is lesson 11: an echo server for UDP datagrams. Read
// README.md first; it states exactly what the checker expects.
//
// Run it:     go run ./lessons/11-udp-echo -addr 127.0.0.1:0
// Check it:   go run ./checker lesson11
package main

import (
	"errors"
	"flag"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to bind to (host:port)")
	flag.Parse()
	log.SetFlags(0)

	// TODO: open a UDP socket bound to *addr with net.ListenPacket("udp",
	// ...). There is no Listen and no Accept: this one socket talks to
	// every peer.

	// TODO: exit 0 on SIGINT and SIGTERM: signal.Notify, then close the
	// socket so that ReadFrom returns net.ErrClosed and serve returns nil.

	// TODO: print "listening on HOST:PORT" to stdout, with the address the
	// socket really got (conn.LocalAddr()), not the flag's value: after
	// signal.Notify, as in lesson 02.

	// TODO: call serve(conn), and log.Fatal the error if it returns one.
	log.Fatalf("lesson 11 is not done yet: no socket is bound to %s", *addr)
}

// serve sends every datagram it receives back to the peer that sent it,
// unchanged and whole, until conn is closed; then it returns nil.
func serve(conn net.PacketConn) error {
	// TODO: make one buffer big enough for the largest datagram (64 KiB),
	// then loop: ReadFrom gives one datagram and its sender; WriteTo sends
	// buf[:n] back to that sender. An empty datagram (n == 0) is echoed
	// too. Return nil once the error wraps net.ErrClosed.
	return errors.New("serve is not written yet")
}
