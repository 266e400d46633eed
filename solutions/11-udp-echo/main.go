// Command udp-echo is lesson 11's reference solution: a datagram echo
// server. One UDP socket serves every peer: each datagram it receives goes
// back, unchanged and whole, to the address it came from, until SIGINT or
// SIGTERM.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// maxDatagram is the size of the read buffer. The largest UDP payload is
// 65507 bytes over IPv4 (65535 minus 20 bytes of IP header and 8 of UDP
// header) and 65527 over IPv6; 64 KiB holds either. A smaller buffer does
// not fail: the kernel cuts the datagram to fit and drops the rest.
const maxDatagram = 64 * 1024

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to bind to (host:port)")
	flag.Parse()
	log.SetFlags(0)

	// ListenPacket("udp") is socket(SOCK_DGRAM) and bind, nothing more: a
	// datagram socket has no listen and no accept, because there is no
	// connection to set up. This one socket receives from every peer.
	conn, err := net.ListenPacket("udp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	// Closing the socket is the only way to wake a goroutine blocked in
	// ReadFrom: it then returns an error wrapping net.ErrClosed.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		conn.Close()
	}()

	// Once bind returns, datagrams sent to the port wait in the socket's
	// receive buffer, so a peer that reads this line can send at once. With
	// port 0, only the socket knows which port the kernel chose.
	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", conn.LocalAddr())

	if err := serve(conn); err != nil {
		log.Fatal(err)
	}
}

// serve echoes every datagram to its sender until conn is closed, then
// returns nil. It uses one goroutine and one buffer: a UDP socket has no
// per-peer state to wait on, so a loop serves any number of peers at once.
func serve(conn net.PacketConn) error {
	buf := make([]byte, maxDatagram)
	for {
		// One ReadFrom is exactly one datagram, whatever its size, and
		// it says who sent it: that address is all the "connection"
		// there is.
		n, from, err := conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			// A failed read concerns one datagram, not the server.
			log.Printf("read: %v", err)
			continue
		}
		// n may be 0: an empty datagram is a message like any other,
		// and its echo is an empty datagram.
		//
		// One WriteTo sends buf[:n] as one datagram, from this socket's
		// own address, so the reply comes from the port the peer wrote
		// to. There is no partial send to loop over: the kernel takes
		// the whole datagram or returns an error.
		if _, err := conn.WriteTo(buf[:n], from); err != nil {
			log.Printf("echo %d bytes to %s: %v", n, from, err)
			continue
		}
		log.Printf("echoed %d bytes to %s", n, from)
	}
}
