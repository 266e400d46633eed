// Command binary-framing is lesson 06's reference solution: a server that
// speaks length-prefixed frames. Each request frame is a 4-byte big-endian
// length and that many payload bytes; for each one the server replies with
// a frame holding the payload's SHA-256 digest. A frame longer than -max is
// refused before a byte of memory is set aside for it.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
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

// headerLen is the size of the length prefix: a uint32, so a frame can
// announce up to 4 GiB - 1 bytes, far more than this server accepts.
const headerLen = 4

// errTooLarge is what readFrame returns for a length above the limit.
var errTooLarge = errors.New("frame too large")

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
		// Each connection has its own goroutine (lesson 04) and shares
		// nothing with the others.
		go func() {
			if err := serve(conn, uint64(*limit)); err != nil {
				log.Printf("%s: %v", conn.RemoteAddr(), err)
			}
		}()
	}
}

// serve answers every frame on conn with the SHA-256 digest of its payload,
// until the client closes its side between two frames, or breaks the
// protocol.
func serve(conn net.Conn, limit uint64) error {
	defer conn.Close()
	// A buffered reader turns the many small reads that framing makes (4
	// bytes of header, then the payload) into few system calls. It is safe
	// because this goroutine is its only reader.
	r := bufio.NewReader(conn)
	for {
		payload, err := readFrame(r, limit)
		if errors.Is(err, io.EOF) {
			return nil // a clean end: the client stopped between frames
		}
		if err != nil {
			// A frame cut short, or one too large: the stream can no
			// longer be trusted, so close it without replying.
			return err
		}
		sum := sha256.Sum256(payload)
		if err := writeFrame(conn, sum[:]); err != nil {
			return err
		}
	}
}

// readFrame reads one frame from r and returns its payload. It returns
// io.EOF only when r ends exactly before a frame; io.ErrUnexpectedEOF when
// it ends inside one; errTooLarge when the length exceeds limit, having read
// nothing past the header.
func readFrame(r io.Reader, limit uint64) ([]byte, error) {
	var hdr [headerLen]byte
	// The four bytes may arrive in up to four pieces: ReadFull keeps
	// reading until it has them all. It returns io.EOF if nothing came at
	// all and io.ErrUnexpectedEOF if the stream ended part way.
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	// Network byte order is big-endian: the first byte is the most
	// significant, whatever the CPU's own order is.
	n := binary.BigEndian.Uint32(hdr[:])
	// Check the length before allocating: it is only what the peer claims,
	// and make([]byte, 4<<30) would reserve 4 GiB for four bytes sent.
	if uint64(n) > limit {
		return nil, fmt.Errorf("%w: %d bytes announced, at most %d accepted", errTooLarge, n, limit)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.EOF) {
			// The header promised bytes that never came: that is not
			// a clean end (ReadFull says EOF when n > 0 and nothing came).
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("payload of %d bytes: %w", n, err)
	}
	return payload, nil
}

// writeFrame sends payload as one frame: its length as 4 big-endian bytes,
// then the bytes themselves, built in one buffer so they leave in one write.
func writeFrame(w io.Writer, payload []byte) error {
	frame := make([]byte, 0, headerLen+len(payload))
	frame = binary.BigEndian.AppendUint32(frame, uint32(len(payload)))
	frame = append(frame, payload...)
	_, err := w.Write(frame)
	return err
}
