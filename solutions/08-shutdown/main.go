// Command shutdown is lesson 08's reference solution: a line server that
// stops on SIGTERM without losing a reply, and a client that half-closes
// and reads every reply to the end of the stream.
//
//	shutdown server [-addr HOST:PORT] [-work DURATION] [-grace DURATION]
//	shutdown client [-addr HOST:PORT] [-timeout DURATION] LINE...
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

const usageText = `usage:
  shutdown server [-addr HOST:PORT] [-work DURATION] [-grace DURATION]
  shutdown client [-addr HOST:PORT] [-timeout DURATION] LINE...`

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usageText)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(os.Args[2:])
	case "client":
		err = runClient(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, usageText)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// server answers each request line with the line in upper case. Its
// connection set is shared by the accept loop, every connection's goroutine
// and the drain, so it lives under mu.
type server struct {
	work time.Duration // pretend each request takes this long

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	work := fs.Duration("work", 0, "time each request takes to process")
	grace := fs.Duration("grace", 5*time.Second, "longest wait for connections to finish after SIGTERM")
	fs.Parse(args)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Closing the listener is the first step of a shutdown: Accept returns
	// net.ErrClosed, and new clients are refused by the kernel instead of
	// waiting in a queue nobody will serve.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	s := &server{work: *work, conns: map[net.Conn]struct{}{}}
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		// Track before starting the goroutine: the drain below runs in this
		// same goroutine after the loop, so it sees every connection.
		s.track(conn)
		s.wg.Go(func() { s.serve(conn) })
	}
	s.drain(*grace)
	return nil
}

func (s *server) track(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = struct{}{}
}

func (s *server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// drain lets the connections finish after the listener closed. A read
// deadline in the past wakes every goroutine waiting for a request, and
// stops each one after the request it is working on. Connections still open
// after grace are closed, and drain returns without waiting for their
// goroutines: the process is about to exit anyway.
func (s *server) drain(grace time.Duration) {
	s.mu.Lock()
	log.Printf("stopping: draining %d connections (at most %s)", len(s.conns), grace)
	for c := range s.conns {
		// SetReadDeadline is safe while another goroutine is in Read, and
		// unlike Close it leaves the connection able to send its reply.
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.mu.Lock()
		log.Printf("grace period over: closing %d connections", len(s.conns))
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	}
}

// serve answers requests until the client half-closes, the connection
// fails, or the drain's deadline makes the next read fail.
func (s *server) serve(c net.Conn) {
	defer s.untrack(c)
	defer goodbye(c)

	sc := bufio.NewScanner(c)
	for sc.Scan() {
		// A line that Scan returned has been read: it is in flight, and it
		// is answered even if the drain started meanwhile.
		time.Sleep(s.work)
		if _, err := fmt.Fprintf(c, "%s\n", strings.ToUpper(sc.Text())); err != nil {
			log.Printf("reply to %s: %v", c.RemoteAddr(), err)
			return
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		log.Printf("read from %s: %v", c.RemoteAddr(), err)
	}
}

// goodbye ends a connection with a FIN, never a reset. Closing a socket
// whose receive buffer still holds unread bytes makes the kernel send RST
// and throw away replies not yet delivered. So: half-close first (the
// client sees EOF after the last reply), read and discard whatever the
// client still sends until its own FIN, then close. After a clean EOF the
// discard returns at once; a client that never closes is cut off by the
// drain's grace period.
func goodbye(c net.Conn) {
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Time{}) // undo the drain's deadline: this read must wait
	io.Copy(io.Discard, c)
}

func runClient(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "server address (host:port)")
	timeout := fs.Duration("timeout", 5*time.Second, "longest time the whole exchange may take")
	fs.Parse(args)
	lines := fs.Args()
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			return fmt.Errorf("a request cannot contain a line break: %q", l)
		}
	}

	conn, err := net.DialTimeout("tcp", *addr, *timeout)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	// One deadline for the whole exchange: a server that never closes
	// must not hang us (lesson 07).
	conn.SetDeadline(time.Now().Add(*timeout))

	// All requests in one write. They are small (command-line arguments);
	// for large inputs, write from a goroutine while reading, or both
	// sides can block on full buffers.
	var req strings.Builder
	for _, l := range lines {
		req.WriteString(l + "\n")
	}
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return fmt.Errorf("send to %s: %w", *addr, err)
	}
	// Half-close: FIN tells the server that no more requests come, while
	// our receiving side stays open for the replies. Without it the server
	// waits for more requests and we wait for its EOF: both wait forever.
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return fmt.Errorf("half-close: %w", err)
	}

	// Read to EOF, not just len(lines) replies: EOF is the server saying
	// that it is done, and counting tells us whether it dropped any.
	r := bufio.NewReader(conn)
	got := 0
	for {
		line, err := r.ReadString('\n')
		if err == nil {
			fmt.Print(line)
			got++
			continue
		}
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("read replies from %s after %d of %d: %w", *addr, got, len(lines), err)
		}
		if line != "" {
			return fmt.Errorf("the server closed the connection in the middle of reply %d of %d", got+1, len(lines))
		}
		break
	}
	if got != len(lines) {
		return fmt.Errorf("the server closed the connection after %d replies to %d requests", got, len(lines))
	}
	return nil
}
