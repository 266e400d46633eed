// Command deadlines is lesson 07's reference solution: one program with two
// subcommands. `deadlines server` is a line echo server that disconnects a
// client who takes longer than -idle to send a line; `deadlines client`
// sends one line and prints the reply, giving up with a clear message when
// connecting or waiting for the reply takes too long.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const usageText = `usage:
  deadlines server [-addr host:port] [-idle duration]
  deadlines client [-addr host:port] [-dial-timeout duration] [-timeout duration] [-msg text]`

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usageText)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = server(os.Args[2:])
	case "client":
		err = client(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "unknown subcommand %q\n%s\n", os.Args[1], usageText)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// maxLine bounds one line, so a client that never sends a newline cannot
// make the server buffer without limit within its -idle window.
const maxLine = 64 << 10

// server runs the line echo server until SIGINT or SIGTERM.
func server(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	idle := fs.Duration("idle", 30*time.Second, "time a client has to send each whole line")
	fs.Parse(args)
	if *idle <= 0 {
		return fmt.Errorf("server: -idle must be positive, not %s", *idle)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	// The signal closes the listener, which ends the accept loop. Open
	// connections end with the process: draining them is lesson 08.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", ln.Addr())

	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		// Each client in its own goroutine: a client waiting out its
		// deadline must not hold up the others.
		go serveConn(conn, *idle)
	}
}

// serveConn echoes every line the client sends, and closes the connection
// at EOF or when the client does not finish a line within idle.
func serveConn(conn net.Conn, idle time.Duration) {
	defer conn.Close()
	peer := conn.RemoteAddr()
	r := bufio.NewReaderSize(conn, maxLine)
	for {
		// One absolute deadline per line, set before reading it. Bytes
		// that trickle in do not move it: ReadSlice may call Read many
		// times, all against the same instant. A deadline reset before
		// every Read would let a client that sends one byte now and then
		// keep the connection forever (slow loris).
		conn.SetReadDeadline(time.Now().Add(idle))
		line, err := r.ReadSlice('\n')
		if len(line) > 0 && (err == nil || errors.Is(err, io.EOF)) {
			// A client that sends but never reads would block this
			// write once the buffers fill up: bound it too.
			conn.SetWriteDeadline(time.Now().Add(idle))
			if _, werr := conn.Write(line); werr != nil {
				log.Printf("%s: write: %v", peer, werr)
				return
			}
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			// What a deadline looks like after it passed: the blocked
			// Read returned this error; nothing else is wrong.
			log.Printf("%s: no whole line within %s, closing", peer, idle)
			return
		case errors.Is(err, bufio.ErrBufferFull):
			log.Printf("%s: line longer than %d bytes, closing", peer, maxLine)
			return
		default:
			log.Printf("%s: read: %v", peer, err)
			return
		}
	}
}

// client sends one line and prints the reply line.
func client(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "server address (host:port)")
	dialTimeout := fs.Duration("dial-timeout", 5*time.Second, "time allowed to connect")
	timeout := fs.Duration("timeout", 5*time.Second, "time allowed to send the line and read the reply line")
	msg := fs.String("msg", "Hello, world", "the line to send, without newline")
	fs.Parse(args)
	if strings.Contains(*msg, "\n") {
		return errors.New("client: -msg must be one line")
	}

	// Ctrl-C cancels whatever the client is waiting for, and the client
	// still says what happened and exits 1.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// Without Timeout the kernel decides how long connect may take: it
	// retries the SYN for about two minutes. KeepAlive makes the kernel
	// probe a connection gone idle, so a dead peer is found eventually.
	d := net.Dialer{Timeout: *dialTimeout, KeepAlive: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", *addr)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted while connecting to %s", *addr)
	case isTimeout(err):
		return fmt.Errorf("dial timeout: no connection to %s within %s", *addr, *dialTimeout)
	default:
		return fmt.Errorf("connect to %s: %w", *addr, err)
	}
	defer conn.Close()

	// A context does not reach a Read already blocked; a deadline does.
	// Moving it to now wakes the Read when Ctrl-C cancels ctx.
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })()

	// One deadline for the whole exchange, reads and writes alike:
	// however the reply is split, the client gives up at this instant.
	conn.SetDeadline(time.Now().Add(*timeout))
	if _, err := io.WriteString(conn, *msg+"\n"); err != nil {
		if isTimeout(err) && ctx.Err() == nil {
			return fmt.Errorf("write timeout: %s did not take the line within %s", *addr, *timeout)
		}
		return fmt.Errorf("send to %s: %w", *addr, err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted while waiting for %s", *addr)
	case isTimeout(err):
		return fmt.Errorf("read timeout: no reply line from %s within %s", *addr, *timeout)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s closed the connection after %d bytes, before a whole reply line", *addr, len(reply))
	default:
		return fmt.Errorf("read the reply from %s: %w", *addr, err)
	}
	fmt.Print(reply)
	return nil
}

// isTimeout reports whether err comes from a timeout: a passed deadline
// (os.ErrDeadlineExceeded) or a dial that ran out of time. Both satisfy
// net.Error with Timeout() true.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
