// Command binary-framing is lesson 06: a server that speaks length-prefixed
// binary frames. Read README.md first; it states exactly what the checker
// expects.
//
// A frame is a 4-byte big-endian length, then that many payload bytes. For
// each frame it receives, the server replies with one frame whose payload is
// the SHA-256 digest of the request's payload. Listening, the readiness line,
// signals and the goroutine per connection are written for you; the framing
// is yours.
//
// Run it:     go run ./lessons/06-binary-framing -addr 127.0.0.1:0
// Check it:   go run ./checker lesson06
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// headerLen is the size of the length prefix.
const headerLen = 4

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	limit := flag.Uint("max", 1<<20, "largest payload accepted, in bytes")
	flag.Parse()
	log.SetFlags(0)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		go func() {
			if err := serve(conn, uint64(*limit)); err != nil {
				log.Printf("%s: %v", conn.RemoteAddr(), err)
			}
		}()
	}
}

// serve answers every frame on conn with a frame holding the SHA-256 digest
// of its payload, until the client closes its side between two frames or
// breaks the protocol; then it closes the connection.
func serve(conn net.Conn, limit uint64) error {
	defer conn.Close()
	// TODO: loop: payload, err := readFrame(conn, limit). At io.EOF (the
	// client stopped between two frames) return nil; on any other error
	// return it, without replying. Otherwise reply with
	// writeFrame(conn, digest), where digest is sha256.Sum256(payload).
	log.Fatalf("lesson 06 is not done yet: serve does not read frames")
	return nil
}

// readFrame reads one frame from r and returns its payload. It returns
// io.EOF only when r ends exactly between two frames, and an error, having
// allocated nothing, when the length is above limit.
func readFrame(r io.Reader, limit uint64) ([]byte, error) {
	// TODO: read exactly headerLen bytes (io.ReadFull: they may come one
	// at a time) and decode them as a big-endian uint32
	// (binary.BigEndian.Uint32).

	// TODO: refuse a length above limit BEFORE you allocate anything: the
	// length is only what the peer claims.

	// TODO: make the payload slice and fill it completely (io.ReadFull
	// again). An EOF here is a frame cut short, not a clean end: return
	// io.ErrUnexpectedEOF.
	return nil, errors.New("readFrame is not written yet")
}

// writeFrame sends payload as one frame: its length as 4 big-endian bytes,
// then the payload.
func writeFrame(w io.Writer, payload []byte) error {
	// TODO: build header and payload in one buffer
	// (binary.BigEndian.AppendUint32, then append) and Write it once.
	return errors.New("writeFrame is not written yet")
}
