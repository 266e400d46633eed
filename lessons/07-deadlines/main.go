// Command deadlines is lesson 07: one program, two subcommands. `server` is
// a line echo server that must disconnect clients who take too long to send
// a line; `client` sends one line and prints the reply, and must give up
// with a clear message when connecting or waiting takes too long. Read
// README.md first; it states exactly what the checker expects.
//
// Flag parsing, the accept loop and signal handling are written for you.
// Try it:
//
//	go run ./lessons/07-deadlines server -addr 127.0.0.1:9000 -idle 5s
//	go run ./lessons/07-deadlines client -addr 127.0.0.1:9000 -msg hi
//
// Check it: go run ./checker lesson07
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
		// One line on stderr and exit status 1: the whole error contract.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// maxLine bounds one line, so a client that never sends a newline cannot
// make the server buffer without limit.
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
		go serveConn(conn, *idle)
	}
}

// serveConn echoes every line the client sends, and closes the connection
// at EOF or when the client does not finish a line within idle.
func serveConn(conn net.Conn, idle time.Duration) {
	defer conn.Close()
	// TODO: read lines with a bufio.Reader of maxLine bytes (ReadSlice or
	// ReadString up to '\n') and write each whole line back. At EOF, stop.

	// TODO: before reading each line, give the client until idle from now
	// to finish it: conn.SetReadDeadline. Set it once per line, not before
	// every Read. When the read fails with os.ErrDeadlineExceeded, log it
	// and return (the deferred Close disconnects the client). Bound each
	// echo write with conn.SetWriteDeadline too.
	log.Printf("%s: lesson 07 is not done yet (idle %s)", conn.RemoteAddr(), idle)
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

	// Ctrl-C cancels ctx instead of killing the program.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// TODO: connect with a net.Dialer{Timeout: *dialTimeout, KeepAlive: ...}
	// and its DialContext(ctx, ...). On a timeout (isTimeout), return an
	// error whose text contains "dial timeout"; any other error as it is.

	// TODO: set one deadline for the whole exchange, *timeout from now
	// (conn.SetDeadline), write *msg and "\n", then read up to the first
	// "\n" (bufio.Reader.ReadString) and print that line on stdout. A
	// timeout while reading is an error whose text contains "read timeout";
	// a server that closes before a whole line is an error too.
	_, _, _ = ctx, dialTimeout, timeout
	return fmt.Errorf("client: lesson 07 is not done yet (would send %q to %s)", *msg, *addr)
}

// isTimeout reports whether err comes from a timeout: a passed deadline or
// a dial that ran out of time.
func isTimeout(err error) bool {
	// TODO: errors.As the error into a net.Error and ask its Timeout().
	return false
}
