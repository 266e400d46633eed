// Command tls is lesson 20's reference solution: the echo pair of lessons
// 02 and 03 over TLS. `tls server` is an echo server that proves who it is
// with a certificate, allows TLS 1.2 and 1.3 only and, with -client-ca,
// serves only clients whose certificate that CA signed. `tls client` sends
// one message and prints the echo, once it has checked the server's
// certificate against its own CA file and the name it expects.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// handshakeTimeout bounds a client's handshake: a client that connects and
// says nothing costs the server a goroutine for that long, no more.
const handshakeTimeout = 10 * time.Second

// server runs the TLS echo server until SIGINT or SIGTERM.
func server(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:65432", "address to listen on (host:port)")
	certFile := fs.String("cert", "server.crt", "the server's certificate chain (PEM)")
	keyFile := fs.String("key", "server.key", "the certificate's private key (PEM)")
	clientCA := fs.String("client-ca", "", "require client certificates signed by the CA in this file (PEM)")
	fs.Parse(args)

	// Load the certificate before listening: a server that cannot prove
	// who it is must not announce that it is ready.
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return fmt.Errorf("server: load the certificate: %w", err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		// TLS 1.0 and 1.1 have known weaknesses: refuse them. The
		// maximum is left to Go, which is TLS 1.3.
		MinVersion: tls.VersionTLS12,
	}
	if *clientCA != "" {
		pool, err := loadPool(*clientCA)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		// Require a certificate and verify it: RequestClientCert or
		// RequireAnyClientCert would let in a client with none, or with
		// one that anybody could have made.
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = pool
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

	// Every connection accepted is wrapped in TLS: nothing is ever read
	// or written in plaintext.
	tln := tls.NewListener(ln, cfg)
	for {
		conn, err := tln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}
		// The handshake happens in the connection's goroutine, not here:
		// a client that stalls in its handshake holds up nobody else.
		go serveConn(conn.(*tls.Conn))
	}
}

// serveConn completes the handshake, then echoes until the client is done.
func serveConn(conn *tls.Conn) {
	defer conn.Close()
	peer := conn.RemoteAddr()
	// Handshake would happen on the first Read anyway; calling it here
	// gives its failure (plaintext, an old version, no client
	// certificate) a line of its own in the log.
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := conn.Handshake(); err != nil {
		log.Printf("%s: handshake: %v", peer, err)
		return
	}
	conn.SetDeadline(time.Time{})
	state := conn.ConnectionState()
	who := "no client certificate"
	if len(state.PeerCertificates) > 0 {
		who = "client " + state.PeerCertificates[0].Subject.CommonName
	}
	log.Printf("%s: %s, %s, %s", peer, tls.VersionName(state.Version), tls.CipherSuiteName(state.CipherSuite), who)

	// Read returns io.EOF when the client sends close_notify (or closes
	// its side): io.Copy then returns nil, and the deferred Close sends
	// our own close_notify and a FIN.
	if _, err := io.Copy(conn, conn); err != nil {
		log.Printf("%s: %v", peer, err)
	}
}

// loadPool reads the PEM certificates of a CA file into a pool.
func loadPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("read the CA: no PEM certificate in %s", file)
	}
	return pool, nil
}

// client sends one message over TLS and prints the echo.
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

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("client: -addr %s: %w", *addr, err)
	}
	if *name == "" {
		*name = host
	}
	pool, err := loadPool(*caFile)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	cfg := &tls.Config{
		// Only this CA vouches for servers: not the system's list, which
		// knows nothing of a test CA, and never InsecureSkipVerify, which
		// would accept anybody's certificate, expired or for any name.
		RootCAs: pool,
		// The name to check the certificate against; for a DNS name it is
		// also sent in the ClientHello (SNI).
		ServerName: *name,
		MinVersion: tls.VersionTLS12,
	}
	if *certFile != "" || *keyFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("client: load the client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}

	// One deadline for everything: connect, handshake, send, echo.
	deadline := time.Now().Add(*timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	d := tls.Dialer{Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("client: %s: %s", *addr, explain(err, *name))
	}
	defer conn.Close()
	conn.SetDeadline(deadline)

	if _, err := io.WriteString(conn, *msg); err != nil {
		return fmt.Errorf("client: send to %s: %s", *addr, explain(err, *name))
	}
	// The echo may come in several TLS records: read until it is whole.
	// In TLS 1.3 a server that refuses our certificate says so here,
	// after our side of the handshake is done.
	reply := make([]byte, len(*msg))
	if n, err := io.ReadFull(conn, reply); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("client: %s closed the connection after %d of %d bytes", *addr, n, len(reply))
		}
		return fmt.Errorf("client: read the echo from %s: %s", *addr, explain(err, *name))
	}
	fmt.Printf("%s\n", reply)
	return nil
}

// explain turns the errors of a handshake into what a person can act on.
func explain(err error, name string) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		header   tls.RecordHeaderError
		ne       net.Error
	)
	switch {
	case errors.As(err, &unknown):
		return "the server's certificate is not signed by the CA of -ca: " + err.Error()
	case errors.As(err, &hostname):
		return "the server's certificate is not for " + name + ": " + err.Error()
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the server's certificate has expired, or is not valid yet: " + err.Error()
	case errors.As(err, &header):
		return "the server does not speak TLS: " + err.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout: " + err.Error()
	}
	return err.Error()
}
