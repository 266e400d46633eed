package scriptcmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The HTTP commands speak lesson 22's HTTP/1.1 by hand (httpsend,
// httpexpect, httpslow), so that a check can send what no real client
// would, and as Go's net/http client does (httpclient).

// httpSent remembers the requests each connection sent, for the report of
// a response that goes wrong.
type httpSent struct {
	mu   sync.Mutex
	sent map[string][]byte
}

type httpSentKey struct{}

func sentRequests(st *State) *httpSent {
	return st.Keep(httpSentKey{}, func() any { return &httpSent{sent: map[string][]byte{}} }).(*httpSent)
}

func (h *httpSent) add(name string, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sent[name] = append(h.sent[name], b...)
}

func (h *httpSent) show(name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.sent[name]) == 0 {
		return ""
	}
	return Show(h.sent[name])
}

// httpPause is the pause between the pieces of httpsend -every: long
// enough for each piece to leave in a segment of its own and reach the
// server's read before the next.
const httpPause = 5 * time.Millisecond

func cmdHTTPSend(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "httpsend")
	fs := flag.NewFlagSet("httpsend", flag.ContinueOnError)
	every := fs.Int("every", 0, "")
	dial := fs.Bool("dial", false, "")
	ok := fs.Parse(args) == nil && fs.NArg() == 2 && *every >= 0
	usage(ts, ok, "httpsend [-every=N] [-dial] NAME TEXT")
	st := state(ts)
	name := fs.Arg(0)
	data, err := unescape(fs.Arg(1))
	ts.Check(err)
	var c net.Conn
	if *dial {
		// Connect and send at once: a server with a short header
		// timeout counts from the accept, and a busy checker may take
		// longer than that between two commands.
		c = st.dial(ts, name, ts.Getenv("ADDR"))
	} else {
		c = st.conn(ts, name)
	}
	sent := sentRequests(st)
	piece := len(data)
	if *every > 0 {
		piece = *every
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
	}
	for off := 0; off < len(data); off += piece {
		if off > 0 {
			time.Sleep(httpPause) // the pieces must arrive apart
		}
		end := min(off+piece, len(data))
		c.SetWriteDeadline(st.deadline(idleTimeout))
		if _, err := c.Write(data[off:end]); err != nil {
			st.fail(ts, Failure{What: fmt.Sprintf("sending on %s failed after %d of %d bytes: %v", name, off, len(data), err),
				Sent: Show(data)})
		}
		sent.add(name, data[off:end])
	}
}

// httpResponse is one response as it came off the wire.
type httpResponse struct {
	raw     []byte // the head, as received
	status  int
	header  map[string][]string // lower-case names
	body    []byte
	version string
}

func (r *httpResponse) get(name string) []string { return r.header[strings.ToLower(name)] }

// show renders the response for a report: its head, and the start of its
// body.
func (r *httpResponse) show() string {
	return Show(append(append([]byte(nil), r.raw...), r.body...))
}

// maxResponseHead bounds a response head: no server of the course sends
// more.
const maxResponseHead = 64 << 10

// readResponseHead reads a response head one byte at a time, so that not a
// byte of what follows it is taken from the connection: the next command
// (expect, expecteof, the next httpexpect) finds it there.
func readResponseHead(st *State, c net.Conn) ([]byte, error) {
	var head []byte
	b := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) && !bytes.HasSuffix(head, []byte("\n\n")) {
		if len(head) >= maxResponseHead {
			return head, fmt.Errorf("no end of the head in its first %d bytes", maxResponseHead)
		}
		c.SetReadDeadline(st.deadline(idleTimeout))
		n, err := c.Read(b)
		head = append(head, b[:n]...)
		if err != nil {
			return head, err
		}
	}
	return head, nil
}

var statusLine = regexp.MustCompile(`^(HTTP/\d\.\d) (\d{3})(?: .*)?$`)

// parseResponseHead parses a head that readResponseHead read. It returns
// what is wrong with it, in the learner's terms, or "".
func parseResponseHead(raw []byte) (*httpResponse, string) {
	r := &httpResponse{raw: raw, header: map[string][]string{}}
	text := string(raw)
	if !strings.HasSuffix(text, "\r\n\r\n") {
		return r, "its lines must end in CRLF (\\r\\n), and an empty line must end the head"
	}
	lines := strings.Split(strings.TrimSuffix(text, "\r\n\r\n"), "\r\n")
	m := statusLine.FindStringSubmatch(lines[0])
	if i := strings.Index(lines[0], "HTTP/"); m == nil && i > 0 {
		return r, fmt.Sprintf("%d bytes came before the status line %q: the end of the response before, whose body was longer than its Content-Length said?", i, lines[0][i:])
	}
	if m == nil {
		return r, fmt.Sprintf("the status line %q is not `HTTP/1.1 CODE REASON`", lines[0])
	}
	r.version = m[1]
	r.status, _ = strconv.Atoi(m[2])
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return r, fmt.Sprintf("the header line %q is not `Name: value`", l)
		}
		key := strings.ToLower(name)
		r.header[key] = append(r.header[key], strings.Trim(value, " \t"))
	}
	if r.version != "HTTP/1.1" {
		return r, fmt.Sprintf("the status line says %s", r.version)
	}
	return r, ""
}

// contentLength returns the response's Content-Length, or what is wrong
// with it.
func (r *httpResponse) contentLength() (int, string) {
	if len(r.get("Transfer-Encoding")) > 0 {
		return 0, "the response has a Transfer-Encoding header: in this lesson every response says its Content-Length instead"
	}
	v := r.get("Content-Length")
	if len(v) != 1 {
		return 0, fmt.Sprintf("the response has %d Content-Length headers, not one", len(v))
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 || strings.TrimLeft(v[0], "0123456789") != "" {
		return 0, fmt.Sprintf("the Content-Length %q is not a number of bytes", v[0])
	}
	return n, ""
}

// closes reports whether the response announces the end of the
// connection.
func (r *httpResponse) closes() bool {
	for _, v := range r.get("Connection") {
		for _, opt := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(opt), "close") {
				return true
			}
		}
	}
	return false
}

// httpWant is what httpexpect expects of a response.
type httpWant struct {
	statuses []int
	head     bool // the request was HEAD: no body
	close    bool // Connection: close, then the end of the connection
	ctype    *regexp.Regexp
	body     []byte // nil: any body
}

func (w httpWant) String() string {
	codes := make([]string, len(w.statuses))
	for i, s := range w.statuses {
		codes[i] = strconv.Itoa(s)
	}
	s := "HTTP/1.1 " + strings.Join(codes, " or ")
	if w.ctype != nil {
		s += fmt.Sprintf(", Content-Type matching %#q", w.ctype.String())
	}
	switch {
	case w.head && w.body != nil:
		s += fmt.Sprintf(", Content-Length: %d and no body (HEAD)", len(w.body))
	case w.head:
		s += ", and no body (HEAD)"
	case w.body != nil:
		s += fmt.Sprintf(", Content-Length: %d and the body %s", len(w.body), Show(w.body))
	default:
		s += ", a Content-Length and that many bytes of body"
	}
	if w.close {
		s += ", Connection: close, then the connection closed"
	}
	return s
}

func cmdHTTPExpect(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "httpexpect")
	const use = "httpexpect [-head] [-close] [-type=REGEXP] [-body=TEXT|-file=FILE|-gen=SIZE] NAME STATUS[|STATUS...]"
	fs := flag.NewFlagSet("httpexpect", flag.ContinueOnError)
	head := fs.Bool("head", false, "")
	closing := fs.Bool("close", false, "")
	ctype := fs.String("type", "", "")
	bodyText := fs.String("body", "", "")
	file := fs.String("file", "", "")
	gen := fs.Int("gen", -1, "")
	usage(ts, fs.Parse(args) == nil && fs.NArg() == 2, use)
	st := state(ts)
	name := fs.Arg(0)
	w := httpWant{head: *head, close: *closing}
	for _, s := range strings.Split(fs.Arg(1), "|") {
		code, err := strconv.Atoi(s)
		usage(ts, err == nil, use)
		w.statuses = append(w.statuses, code)
	}
	if *ctype != "" {
		re, err := regexp.Compile(`\A(?:` + *ctype + `)\z`)
		ts.Check(err)
		w.ctype = re
	}
	fs.Visit(func(f *flag.Flag) {
		var err error
		switch f.Name {
		case "body":
			w.body, err = unescape(*bodyText)
		case "file":
			w.body, err = os.ReadFile(ts.MkAbs(*file))
		case "gen":
			w.body = pattern(*gen, uint64(*gen))
		}
		ts.Check(err)
	})
	c := st.conn(ts, name)
	if f := expectResponse(st, c, w); f != nil {
		f.Sent = sentRequests(st).show(name)
		if f.Want == "" {
			f.Want = w.String()
		}
		st.fail(ts, *f)
	}
	if w.close {
		c.Close()
		st.forget(name)
	}
}

// expectResponse reads one response from c and judges it against w.
func expectResponse(st *State, c net.Conn, w httpWant) *Failure {
	raw, err := readResponseHead(st, c)
	switch {
	case err == nil:
	case len(raw) == 0 && errors.Is(err, io.EOF):
		return &Failure{What: "the connection was closed without a response", Got: "nothing, then EOF"}
	case len(raw) == 0 && isReset(err):
		return &Failure{What: "the connection was reset (RST) without a response", Got: "nothing, then RST"}
	case len(raw) == 0 && errors.Is(err, os.ErrDeadlineExceeded):
		return &Failure{What: fmt.Sprintf("waited %s for a response and got nothing", idleTimeout), Got: "nothing"}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &Failure{What: fmt.Sprintf("the response head stopped before its empty line, then nothing for %s", idleTimeout), Got: Show(raw)}
	default:
		return &Failure{What: fmt.Sprintf("the response head was cut short: %v", err), Got: Show(raw)}
	}
	r, problem := parseResponseHead(raw)
	if problem != "" {
		return &Failure{What: "the response head is malformed: " + problem, Got: Show(raw)}
	}
	n, problem := r.contentLength()
	if problem != "" {
		return &Failure{What: problem, Got: Show(raw)}
	}
	if !w.head {
		r.body, err = readN(st, c, n)
		if err != nil {
			return &Failure{What: fmt.Sprintf("the head says Content-Length: %d, but %d bytes of body came, then %s", n, len(r.body), endOf(err)),
				Got: r.show()}
		}
	}
	if !containsInt(w.statuses, r.status) {
		return &Failure{What: fmt.Sprintf("the status is %d", r.status), Got: r.show()}
	}
	if w.ctype != nil {
		ct := r.get("Content-Type")
		if len(ct) != 1 || !w.ctype.MatchString(ct[0]) {
			return &Failure{What: fmt.Sprintf("the Content-Type is %q", strings.Join(ct, ", ")), Got: r.show()}
		}
	}
	switch {
	case w.body == nil:
	case w.head && n != len(w.body):
		return &Failure{What: fmt.Sprintf("the response to HEAD says Content-Length: %d, but a GET's body would be %d bytes", n, len(w.body)), Got: r.show()}
	case !w.head && !bytes.Equal(r.body, w.body):
		i := firstDiff(r.body, w.body)
		return &Failure{What: fmt.Sprintf("the body is not what was expected (%d bytes, %d expected; they differ from byte %d)", len(r.body), len(w.body), i), Got: r.show()}
	}
	if w.close {
		if !r.closes() {
			return &Failure{What: "the response does not say Connection: close", Got: r.show()}
		}
		extra, err := readN(st, c, 1<<16)
		switch {
		case (errors.Is(err, io.EOF) || isReset(err)) && len(extra) == 0:
		case errors.Is(err, os.ErrDeadlineExceeded) && len(extra) == 0:
			return &Failure{What: fmt.Sprintf("the response said Connection: close, but the connection was still open %s later", idleTimeout), Got: r.show()}
		default:
			return &Failure{What: "more bytes came after the response and its Connection: close", Got: r.show() + " then " + Show(extra)}
		}
	}
	return nil
}

func endOf(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "the connection was closed"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("nothing for %s", idleTimeout)
	case isReset(err):
		return "the connection was reset"
	}
	return err.Error()
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// httpSlowPiece is how often httpslow sends one more byte of its head.
const httpSlowPiece = 100 * time.Millisecond

func cmdHTTPSlow(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "httpslow")
	usage(ts, len(args) == 2, "httpslow NAME WITHIN")
	st := state(ts)
	within, err := time.ParseDuration(args[1])
	ts.Check(err)
	name := args[0]
	c := st.conn(ts, name)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	start := time.Now()
	sent := []byte("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
	c.SetWriteDeadline(st.deadline(idleTimeout))
	c.Write(sent)

	// Read what the server sends, until it closes: a 408 response before
	// the end is allowed, anything else is not.
	type result struct {
		got []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		// One deadline for the whole wait: the server's bytes must not
		// push it back.
		deadline := st.deadline(within)
		var got []byte
		buf := make([]byte, 4096)
		for {
			c.SetReadDeadline(deadline)
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				done <- result{got, err}
				return
			}
		}
	}()
	tick := time.NewTicker(httpSlowPiece)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			elapsed := time.Since(start).Round(10 * time.Millisecond)
			closed := errors.Is(r.err, io.EOF) || isReset(r.err)
			switch {
			case closed && (len(r.got) == 0 || bytes.HasPrefix(r.got, []byte("HTTP/1.1 408 "))):
				c.Close()
				st.forget(name)
				return
			case closed:
				st.fail(ts, Failure{What: fmt.Sprintf("the server answered a request whose head never ended (after %s)", elapsed),
					Sent: Show(sent), Got: Show(r.got), Want: "the connection closed, at most after a 408 response"})
			default:
				st.fail(ts, Failure{What: fmt.Sprintf("the server still held the connection after %s, while its request head came in one byte every %s and never ended", elapsed, httpSlowPiece),
					Sent: Show(sent) + " … one byte at a time", Got: Show(r.got),
					Want: fmt.Sprintf("the connection closed within %s: the whole head must arrive within the header timeout, whatever trickles in", within)})
			}
		case <-tick.C:
			c.SetWriteDeadline(st.deadline(idleTimeout))
			if _, err := c.Write([]byte("a")); err == nil {
				sent = append(sent, 'a')
			}
		}
	}
}

func cmdHTTPClient(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "httpclient")
	const use = "httpclient [-n=N] [-chunked] [-gen=SIZE] [-file=FILE] [-type=REGEXP] METHOD PATH STATUS"
	fs := flag.NewFlagSet("httpclient", flag.ContinueOnError)
	n := fs.Int("n", 1, "")
	chunked := fs.Bool("chunked", false, "")
	gen := fs.Int("gen", -1, "")
	file := fs.String("file", "", "")
	ctype := fs.String("type", "", "")
	usage(ts, fs.Parse(args) == nil && fs.NArg() == 3 && *n >= 1, use)
	st := state(ts)
	method, target := fs.Arg(0), fs.Arg(1)
	status, err := strconv.Atoi(fs.Arg(2))
	usage(ts, err == nil, use)
	var ctRE *regexp.Regexp
	if *ctype != "" {
		ctRE, err = regexp.Compile(`\A(?:` + *ctype + `)\z`)
		ts.Check(err)
	}
	var reqBody, want []byte
	if *gen >= 0 {
		reqBody = pattern(*gen, uint64(*gen))
		want = reqBody
	}
	if *file != "" {
		want, err = os.ReadFile(ts.MkAbs(*file))
		ts.Check(err)
	}

	var dialer net.Dialer
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1, ResponseHeaderTimeout: idleTimeout,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &watchedConn{Conn: c}, nil
		}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * idleTimeout}
	url := "http://" + ts.Getenv("ADDR") + target
	how := fmt.Sprintf("%s %s with Go's net/http client", method, target)
	if reqBody != nil {
		how += fmt.Sprintf(", a body of %d bytes", len(reqBody))
		if *chunked {
			how += " sent chunked (Transfer-Encoding: chunked)"
		}
	}
	var prev *watchedConn // the connection of the request before
	var prevClose bool    // whether its response said "Connection: close"
	for i := range *n {
		sent := how
		if *n > 1 {
			sent = fmt.Sprintf("request %d of %d on one client: %s", i+1, *n, how)
		}
		var reused bool
		var conn *watchedConn
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			reused = info.Reused
			conn, _ = info.Conn.(*watchedConn)
		}}
		ctx := httptrace.WithClientTrace(st.ctx, trace)
		var body io.Reader
		if reqBody != nil {
			body = bytes.NewReader(reqBody)
			if *chunked {
				// A reader of unknown length: the client sends it chunked.
				body = io.MultiReader(body)
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, url, body)
		ts.Check(err)
		resp, err := client.Do(req)
		if err != nil {
			st.fail(ts, Failure{What: fmt.Sprintf("Go's HTTP client failed: %v", clientErr(err)), Sent: sent,
				Want: fmt.Sprintf("a response %d", status)})
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		f := judgeClientResponse(resp, got, err, status, want, ctRE)
		// Go's client also drops a connection itself when its writer
		// goroutine is slow to report the request sent (on a busy
		// machine): only a connection the server closed, or said it
		// would close, is the server's fault.
		if f == nil && i > 0 && !reused && (prevClose || prev != nil && prev.serverClosed.Load()) {
			f = &Failure{What: "Go's HTTP client could not reuse its connection: the server closed it after the response before",
				Want: "the connection kept open for the next request (keep-alive is the default in HTTP/1.1)"}
		}
		if f != nil {
			f.Sent = sent
			st.fail(ts, *f)
		}
		prev, prevClose = conn, resp.Close
	}
}

// watchedConn is a client's connection that remembers whether the server
// closed it (a read ended in EOF or a reset), as opposed to the client.
type watchedConn struct {
	net.Conn
	serverClosed atomic.Bool
}

func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	var ne net.Error
	if err != nil && !errors.Is(err, net.ErrClosed) && !(errors.As(err, &ne) && ne.Timeout()) {
		c.serverClosed.Store(true)
	}
	return n, err
}

// clientErr unwraps the url.Error around a client's error: the learner
// knows the URL.
func clientErr(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no response in time")
	}
	return err
}

// judgeClientResponse compares what Go's client got with what it should
// have.
func judgeClientResponse(resp *http.Response, got []byte, readErr error, status int, want []byte, ctype *regexp.Regexp) *Failure {
	head := fmt.Sprintf("%s %s, Content-Length %d, Content-Type %q", resp.Proto, resp.Status, resp.ContentLength, resp.Header.Get("Content-Type"))
	switch {
	case readErr != nil:
		return &Failure{What: fmt.Sprintf("reading the body failed after %d bytes: %v", len(got), readErr), Got: head}
	case resp.StatusCode != status:
		return &Failure{What: fmt.Sprintf("the status is %d", resp.StatusCode), Got: head + ", body " + Show(got), Want: fmt.Sprintf("status %d", status)}
	case resp.ContentLength < 0:
		return &Failure{What: "the response has no Content-Length", Got: head, Want: "a Content-Length header"}
	case ctype != nil && !ctype.MatchString(resp.Header.Get("Content-Type")):
		return &Failure{What: "the Content-Type is wrong", Got: head, Want: fmt.Sprintf("a Content-Type matching %#q", ctype.String())}
	case want != nil && !bytes.Equal(got, want):
		return &Failure{What: fmt.Sprintf("the body differs from what was expected from byte %d", firstDiff(got, want)),
			Got: fmt.Sprintf("%d bytes: %s", len(got), Show(got)), Want: fmt.Sprintf("%d bytes: %s", len(want), Show(want))}
	}
	return nil
}
