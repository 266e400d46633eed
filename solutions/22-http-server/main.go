// Command http-server is lesson 22's reference solution: an HTTP/1.1 file
// server written on a TCP listener, with no net/http. It parses each
// request head with limits, reads Content-Length and chunked bodies, keeps
// connections alive, answers pipelined requests in order, serves files
// from -root and nothing outside it, and drops clients that are too slow
// to send their request head.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"mime"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The limits of the contract. A server that reads whatever a client sends
// can be made to hold any amount of memory.
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

	// os.Root opens names inside the folder only: "..", absolute names and
	// symbolic links that lead out of it are errors, checked by the kernel
	// at each step of the walk, not by string tests on the name.
	root, err := os.OpenRoot(*rootDir)
	if err != nil {
		log.Fatalf("open the root folder: %v", err)
	}
	defer root.Close()

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
		// One goroutine per connection: a slow client holds its own
		// goroutine, never the accept loop.
		go s.serveConn(conn)
	}
}

// server holds what every connection shares. Its fields are read-only once
// serving starts, so connections need no lock.
type server struct {
	root          *os.Root
	headerTimeout time.Duration
}

// request is one parsed request head.
type request struct {
	method, target, version string
	header                  map[string][]string // keys in lower case
}

// get returns the values of a header, whatever the case of its name.
func (r *request) get(name string) []string { return r.header[strings.ToLower(name)] }

// statusError is a request the server refuses with status code, after
// which it closes the connection: it cannot tell where the next request
// would start.
type statusError struct {
	code int
	why  string
}

func (e *statusError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, reason(e.code), e.why) }

func refuse(code int, format string, args ...any) error {
	return &statusError{code, fmt.Sprintf(format, args...)}
}

// serveConn answers the requests of one connection, one after another,
// until the client closes it, asks to close it, sends a request it cannot
// parse, or is too slow.
func (s *server) serveConn(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	bw := bufio.NewWriter(conn)
	for {
		// The whole head must arrive within the timeout: a deadline set
		// once per request, not pushed back by each byte that trickles in.
		conn.SetReadDeadline(time.Now().Add(s.headerTimeout))
		req, err := readHead(br)
		if err == nil {
			// The body is not covered by the head's deadline.
			conn.SetReadDeadline(time.Time{})
		}
		var body []byte
		if err == nil {
			body, err = readBody(br, req)
		}
		var se *statusError
		if errors.As(err, &se) {
			log.Printf("%s: %v", conn.RemoteAddr(), err)
			head := req != nil && req.method == "HEAD"
			writeError(bw, se.code, head, true)
			bw.Flush()
			lingerClose(conn)
			return
		}
		if err != nil {
			// EOF between requests is the client leaving; a timeout or a
			// reset ends the connection the same way.
			if !errors.Is(err, io.EOF) {
				log.Printf("%s: %v", conn.RemoteAddr(), err)
			}
			return
		}

		closing := wantsClose(req)
		if err := s.respond(bw, req, body, closing); err != nil {
			log.Printf("%s: %v", conn.RemoteAddr(), err)
			return
		}
		// Flush after every response, even with more requests waiting in
		// br: the client may wait for this response before it sends the
		// rest of the next request.
		if err := bw.Flush(); err != nil {
			log.Printf("%s: %v", conn.RemoteAddr(), err)
			return
		}
		if closing {
			lingerClose(conn)
			return
		}
	}
}

// lingerClose closes the connection after a last response without losing
// that response: closing a socket with unread bytes in its receive buffer
// sends RST, which can destroy data the client has not read yet. So send
// FIN first, then read and drop what the client still sends, for a short
// while.
func lingerClose(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	io.Copy(io.Discard, io.LimitReader(conn, maxBody))
}

// wantsClose reports whether the connection ends after this request:
// HTTP/1.0 closes by default, HTTP/1.1 keeps the connection alive unless
// the client sends "Connection: close".
func wantsClose(req *request) bool {
	if req.version == "HTTP/1.0" {
		return true
	}
	for _, v := range req.get("Connection") {
		for _, opt := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(opt), "close") {
				return true
			}
		}
	}
	return false
}

// readLine reads one line ending in "\n" (a "\r" before it is dropped),
// charging its length to budget: a line can be longer than br's buffer,
// but never longer than what is left of the budget.
func readLine(br *bufio.Reader, budget *int, tooLong int) (string, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		*budget -= len(frag)
		if *budget < 0 {
			return "", refuse(tooLong, "more than the limit of bytes")
		}
		line = append(line, frag...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) && len(line) > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return string(line), nil
}

// readHead reads a request line and its header lines, up to the empty
// line, and checks them. A head it must refuse is a *statusError; a nil
// request with it means that the request line itself was wrong.
func readHead(br *bufio.Reader) (*request, error) {
	budget := maxHead
	line, err := readLine(br, &budget, 431)
	if err != nil {
		return nil, err
	}
	// method SP request-target SP HTTP-version, exactly.
	parts := strings.Split(line, " ")
	if len(parts) != 3 || !isToken(parts[0]) || parts[1] == "" {
		return nil, refuse(400, "malformed request line %q", line)
	}
	req := &request{method: parts[0], target: parts[1], version: parts[2], header: map[string][]string{}}
	major, minor, ok := parseVersion(req.version)
	if !ok {
		return nil, refuse(400, "malformed version %q", req.version)
	}
	for {
		line, err := readLine(br, &budget, 431)
		if err != nil {
			return req, err
		}
		if line == "" {
			break
		}
		// No obsolete line folding, and no space between name and colon:
		// both have been used to smuggle requests past proxies.
		name, value, found := strings.Cut(line, ":")
		if !found || !isToken(name) {
			return req, refuse(400, "malformed header line %q", line)
		}
		key := strings.ToLower(name)
		req.header[key] = append(req.header[key], strings.Trim(value, " \t"))
	}
	switch {
	case major != 1:
		return req, refuse(505, "version %s", req.version)
	case req.method != "GET" && req.method != "HEAD" && req.method != "POST":
		// Methods are case-sensitive: "get" is not GET.
		return req, refuse(501, "method %q", req.method)
	case minor >= 1 && len(req.get("Host")) != 1:
		return req, refuse(400, "HTTP/1.1 needs exactly one Host header")
	case !strings.HasPrefix(req.target, "/"):
		return req, refuse(400, "target %q is not a path", req.target)
	}
	return req, nil
}

// parseVersion parses "HTTP/D.D".
func parseVersion(v string) (major, minor int, ok bool) {
	if len(v) != 8 || !strings.HasPrefix(v, "HTTP/") || v[6] != '.' ||
		!isDigit(v[5]) || !isDigit(v[7]) {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether s is an HTTP token: a method or a header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// readBody reads the request's body as its head frames it: chunked,
// Content-Length, or none.
func readBody(br *bufio.Reader, req *request) ([]byte, error) {
	te, cl := req.get("Transfer-Encoding"), req.get("Content-Length")
	switch {
	case len(te) > 0 && len(cl) > 0:
		// Two framings: a proxy might pick the other one. Refuse.
		return nil, refuse(400, "both Transfer-Encoding and Content-Length")
	case len(te) > 0:
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return nil, refuse(501, "transfer coding %q", strings.Join(te, ", "))
		}
		return readChunked(br)
	case len(cl) > 0:
		n, err := contentLength(cl)
		if err != nil {
			return nil, err
		}
		body := make([]byte, n)
		// ReadFull: one Read returns what has arrived, not the whole body.
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, fmt.Errorf("read the body: %w", err)
		}
		return body, nil
	}
	return nil, nil
}

// contentLength checks the Content-Length values (all the same, all
// digits) before trusting them, and the limit before reading anything.
func contentLength(values []string) (int, error) {
	for _, v := range values {
		if v != values[0] || v == "" || strings.TrimLeft(v, "0123456789") != "" {
			return 0, refuse(400, "Content-Length %q", strings.Join(values, ", "))
		}
	}
	n, err := strconv.ParseInt(values[0], 10, 64)
	if err != nil || n > maxBody {
		return 0, refuse(413, "Content-Length %s", values[0])
	}
	return int(n), nil
}

// readChunked decodes a chunked body: chunks of hex size, CRLF, data,
// CRLF, until a chunk of size 0, then trailer lines up to an empty line.
func readChunked(br *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		budget := 4096
		line, err := readLine(br, &budget, 400)
		if err != nil {
			return nil, err
		}
		sizeText, _, _ := strings.Cut(line, ";") // extensions are ignored
		sizeText = strings.TrimRight(sizeText, " \t")
		size, err := strconv.ParseUint(sizeText, 16, 63)
		if err != nil || sizeText == "" || strings.ContainsAny(sizeText, "+-_xX") {
			return nil, refuse(400, "chunk size %q", line)
		}
		// Check the limit against the size the client announces, before
		// reading (or allocating) a byte of it.
		if size > uint64(maxBody-len(body)) {
			return nil, refuse(413, "chunked body over %d bytes", maxBody)
		}
		if size == 0 {
			break
		}
		start := len(body)
		body = append(body, make([]byte, size)...)
		if _, err := io.ReadFull(br, body[start:]); err != nil {
			return nil, fmt.Errorf("read a chunk: %w", err)
		}
		budget = 2
		if end, err := readLine(br, &budget, 400); err != nil || end != "" {
			return nil, refuse(400, "chunk not followed by CRLF")
		}
	}
	// Trailer fields are read and dropped, up to the empty line.
	budget := maxHead
	for {
		line, err := readLine(br, &budget, 431)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return body, nil
		}
	}
}

// respond writes the response to a request the server accepted.
func (s *server) respond(bw *bufio.Writer, req *request, body []byte, closing bool) error {
	if req.method == "POST" {
		writeHead(bw, 200, "application/octet-stream", int64(len(body)), closing)
		_, err := bw.Write(body)
		return err
	}
	head := req.method == "HEAD"
	f, size, name, code := s.open(req.target)
	if code != 200 {
		writeError(bw, code, head, closing)
		return nil
	}
	defer f.Close()
	writeHead(bw, 200, contentType(name), size, closing)
	if head {
		return nil
	}
	// CopyN: exactly the length announced, even if the file grows.
	if _, err := io.CopyN(bw, f, size); err != nil {
		return fmt.Errorf("send %s: %w", name, err)
	}
	return nil
}

// open finds the file a target names under the root: the path before any
// "?", percent-decoded, with a folder's index.html in place of the folder.
// It returns the open file, its size and name, or the status to answer.
func (s *server) open(target string) (*os.File, int64, string, int) {
	p, _, _ := strings.Cut(target, "?")
	p, err := url.PathUnescape(p)
	if err != nil || strings.ContainsRune(p, 0) {
		return nil, 0, "", 400
	}
	// Decode first, then judge: "%2e%2e" is ".." once decoded.
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return nil, 0, "", 403
		}
	}
	name := strings.TrimPrefix(p, "/")
	if name == "" {
		name = "."
	}
	f, err := s.root.Open(name)
	if err != nil {
		return nil, 0, "", statusFor(err)
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		f.Close()
		name = path.Join(name, "index.html")
		if f, err = s.root.Open(name); err != nil {
			return nil, 0, "", statusFor(err)
		}
		info, err = f.Stat()
	}
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, 0, "", 404
	}
	return f, info.Size(), name, 200
}

// statusFor maps an error from the root to a status: a missing file is 404;
// a name that leads out of the root, or that the server may not read, 403.
func statusFor(err error) int {
	if errors.Is(err, fs.ErrNotExist) {
		return 404
	}
	return 403
}

// contentType names a file's type from its extension; without one that
// the mime package knows, it is just bytes.
func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// writeHead writes a status line and the headers.
func writeHead(bw *bufio.Writer, code int, ctype string, length int64, closing bool) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", code, reason(code))
	fmt.Fprintf(bw, "Date: %s\r\n", time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	fmt.Fprintf(bw, "Content-Type: %s\r\n", ctype)
	fmt.Fprintf(bw, "Content-Length: %d\r\n", length)
	if closing {
		bw.WriteString("Connection: close\r\n")
	}
	bw.WriteString("\r\n")
}

// writeError writes a short text response for an error status; to HEAD,
// its head only.
func writeError(bw *bufio.Writer, code int, head, closing bool) {
	body := fmt.Sprintf("%d %s\n", code, reason(code))
	writeHead(bw, code, "text/plain; charset=utf-8", int64(len(body)), closing)
	if !head {
		bw.WriteString(body)
	}
}

// reason is the reason phrase of each status this server sends.
func reason(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 413:
		return "Content Too Large"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Status " + strconv.Itoa(code)
}
