// Command tls is lesson 20: the echo pair of lessons 02 and 03, over TLS.
// `server` is an echo server that must prove who it is with a certificate
// and speak nothing but TLS 1.2 or 1.3; `client` sends one message and
// prints the echo, once it has checked the server's certificate. Read
// README.md first; it states exactly what the checker expects.
//
// As it stands, both ends speak plaintext: the TODOs are where TLS goes in.
// Flag parsing, the accept loop, signals and the exchange are written for
// you. Make test certificates, then try it:
//
//	go run ./lessons/20-tls/certs -dir /tmp/tls20
//	go run ./lessons/20-tls server -addr 127.0.0.1:9000 -cert /tmp/tls20/server.crt -key /tmp/tls20/server.key
//	go run ./lessons/20-tls client -addr 127.0.0.1:9000 -ca /tmp/tls20/ca.crt -msg hi
//
// Check it: go run ./checker lesson20
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usageText = `usage:
  tls server [-addr host:port] [-cert file] [-key file] [-client-ca file]
  tls client [-addr host:port] [-ca file] [-name host] [-cert file -key file] [-msg text] [-timeout duration]`

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

// server runs the echo server until SIGINT or SIGTERM.
func server(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	certFile := fs.String("cert", "server.crt", "the server's certificate chain (PEM)")
	keyFile := fs.String("key", "server.key", "the certificate's private key (PEM)")
	clientCA := fs.String("client-ca", "", "require client certificates signed by the CA in this file (PEM)")
	fs.Parse(args)

	// TODO: load the certificate and its key (tls.LoadX509KeyPair) and
	// return the error if that fails, before listening. Build a
	// tls.Config that holds it and allows TLS 1.2 and 1.3 only.
	_, _ = certFile, keyFile

	// TODO: with -client-ca, load that CA into an x509.CertPool and make
	// the Config require client certificates that it signed.
	_ = clientCA

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

	// TODO: wrap the listener (tls.NewListener) so that every connection
	// accepted is a TLS connection; nothing may be served in plaintext.
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		go serveConn(conn)
	}
}

// serveConn echoes until the client is done.
func serveConn(conn net.Conn) {
	defer conn.Close()
	peer := conn.RemoteAddr()

	// TODO: complete the handshake here, within a deadline, and log it
	// to stderr when it fails (then return: that client alone is gone).

	if _, err := io.Copy(conn, conn); err != nil {
		log.Printf("%s: %v", peer, err)
	}
}

// client sends one message and prints the echo.
func client(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "server address (host:port)")
	caFile := fs.String("ca", "ca.crt", "the CA that must have signed the server's certificate (PEM)")
	name := fs.String("name", "", "the name the server's certificate must carry (default: the host of -addr)")
	certFile := fs.String("cert", "", "a client certificate to present (PEM), for a server that requires one")
	keyFile := fs.String("key", "", "the client certificate's private key (PEM)")
	msg := fs.String("msg", "Hello, world", "the message to send")
	timeout := fs.Duration("timeout", 5*time.Second, "time allowed for the whole exchange, handshake included")
	fs.Parse(args)

	// TODO: build the client's tls.Config: RootCAs from -ca (and only
	// from it), ServerName from -name or else the host of -addr, TLS 1.2
	// at least. Never InsecureSkipVerify.
	_, _ = caFile, name

	// TODO: with -cert and -key, load that pair into the Config too.
	_, _ = certFile, keyFile

	// One deadline for everything: connect, handshake, send, echo.
	deadline := time.Now().Add(*timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	// TODO: connect with TLS (a tls.Dialer with your Config): its
	// DialContext returns once the handshake has verified the server.
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(deadline)

	if _, err := io.WriteString(conn, *msg); err != nil {
		return fmt.Errorf("client: send to %s: %w", *addr, err)
	}
	reply := make([]byte, len(*msg))
	if n, err := io.ReadFull(conn, reply); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("client: %s closed the connection after %d of %d bytes", *addr, n, len(reply))
		}
		return fmt.Errorf("client: read the echo from %s: %w", *addr, err)
	}
	fmt.Printf("%s\n", reply)
	return nil
}
