// Command http-server is lesson 22: an HTTP/1.1 file server written on a
// TCP listener, without net/http. Read README.md first; it states exactly
// what the checker expects.
//
// Flag parsing, the listener, signals and the accept loop are written for
// you; as it stands, every connection is closed without a word. The TODOs
// are where HTTP goes in.
//
// Run it:     go run ./lessons/22-http-server -root lessons/22-http-server -addr 127.0.0.1:8080
// Try it:     curl -v http://127.0.0.1:8080/README.md
// Check it:   go run ./checker lesson22
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The limits of the contract.
const (
	maxHead = 8 << 10 // request line and header lines, CRLFs included
	maxBody = 1 << 20 // a request body, after chunked decoding
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	rootDir := flag.String("root", ".", "folder to serve files from")
	headerTimeout := flag.Duration("header-timeout", 10*time.Second, "time a client has to send each request head")
	flag.Parse()
	log.SetFlags(0)

	// TODO: open the folder with os.OpenRoot and keep the *os.Root in
	// the server: every file must be opened through it (root.Open), which
	// refuses names that lead out of the folder, symbolic links included.
	// On error, log.Fatalf.
	var root *os.Root
	_ = rootDir

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	s := &server{root: root, headerTimeout: *headerTimeout}
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		go s.serveConn(conn)
	}
}

// server holds what every connection shares.
type server struct {
	root          *os.Root
	headerTimeout time.Duration
}

// request is one parsed request head.
type request struct {
	method, target, version string
	header                  map[string][]string // keys in lower case
}

// serveConn answers the requests of one connection, one after another.
func (s *server) serveConn(conn net.Conn) {
	defer conn.Close()
	// One reader for the whole connection: the bytes it has buffered
	// beyond one request are the start of the next.
	br := bufio.NewReader(conn)
	bw := bufio.NewWriter(conn)
	_, _ = br, bw

	// TODO: loop, one request at a time:
	//  - set a read deadline of s.headerTimeout for the whole head;
	//  - read the head with readHead: on a refusal, answer its status
	//    with Connection: close, flush, and close; on EOF, just return;
	//  - read the body with readBody;
	//  - answer with respond, flush, and stop after Connection: close or
	//    HTTP/1.0.
}

// readHead reads the request line and the header lines up to the empty
// line, at most maxHead bytes in all.
func readHead(br *bufio.Reader) (*request, error) {
	// TODO: read lines ending in "\r\n", counting bytes (431 past
	// maxHead); split the request line on single spaces into exactly
	// three parts (else 400); check the version (HTTP/D.D: 400 if not;
	// 505 if the major digit is not 1) and the method (GET, HEAD, POST:
	// else 501); cut each header line at its colon (400 without one, or
	// with a space before it); require one Host in HTTP/1.1.
	return nil, errors.New("readHead is not written yet")
}

// readBody reads the request's body as its head frames it.
func readBody(br *bufio.Reader, req *request) ([]byte, error) {
	// TODO: Transfer-Encoding: chunked (hex sizes, until a chunk of size
	// 0 and the trailer), or Content-Length (digits only, read with
	// io.ReadFull), or no body. Both at once: 400. Over maxBody: 413,
	// before reading.
	return nil, errors.New("readBody is not written yet")
}

// respond writes the response to a request the server accepted.
func (s *server) respond(bw *bufio.Writer, req *request, body []byte, closing bool) error {
	// TODO: POST: 200 with the body back. GET and HEAD: decode the path
	// (url.PathUnescape, without the query), refuse any .. segment, open
	// it through s.root (a folder: its index.html), and write the status
	// line, Content-Type (mime.TypeByExtension), Content-Length and, when
	// closing, Connection: close; then, except for HEAD, the bytes.
	return errors.New("respond is not written yet")
}
