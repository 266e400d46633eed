package scriptcmd

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// pki is one script's test certificates: a CA, another CA that nothing
// trusts, and identities (a certificate with its key) signed by one or the
// other, or by themselves. tlscerts makes it; tlsdial and tlsserver use it.
type pki struct {
	ca, other *x509.Certificate
	pool      *x509.CertPool // the CA alone
	ids       map[string]tls.Certificate
}

// identity says how to make one certificate of a pki.
type identity struct {
	name     string
	issuer   string // "ca", "other", or "self"
	client   bool   // a client certificate (ExtKeyUsageClientAuth)
	expired  bool   // valid until a day ago
	wrongIPs bool   // names only a host that is not this one
}

// identities are what tlscerts makes, each written as NAME.crt and NAME.key.
var identities = []identity{
	{name: "server", issuer: "ca"},
	{name: "expired", issuer: "ca", expired: true},
	{name: "wrongname", issuer: "ca", wrongIPs: true},
	{name: "selfsigned", issuer: "self"},
	{name: "client", issuer: "ca", client: true},
	{name: "otherclient", issuer: "other", client: true},
}

// wrongHost is the only name a wrongname certificate is valid for.
const wrongHost = "not-this-host.example"

type pkiKey struct{}

// pkiHolder guards a script's pki: tlscerts sets it, the others read it.
type pkiHolder struct {
	mu  sync.Mutex
	pki *pki
}

func (st *State) pkiHolder() *pkiHolder {
	return st.Keep(pkiKey{}, func() any { return &pkiHolder{} }).(*pkiHolder)
}

// thePKI returns the script's certificates, which tlscerts must have made.
func (st *State) thePKI(ts *testscript.TestScript) *pki {
	h := st.pkiHolder()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pki == nil {
		ts.Fatalf("no certificates yet: run tlscerts first")
	}
	return h.pki
}

func cmdTLSCerts(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "tlscerts")
	usage(ts, len(args) <= 1, "tlscerts [DIR]")
	st := state(ts)
	dir := ts.MkAbs(".")
	if len(args) == 1 {
		dir = ts.MkAbs(args[0])
	}
	p, err := newPKI(time.Now())
	ts.Check(err)
	owner := func(string) error { return nil }
	if u := st.User; u != nil {
		// The program runs as someone else, and must read its key.
		owner = func(path string) error { return os.Chown(path, int(u.UID), int(u.GID)) }
	}
	ts.Check(p.write(dir, owner))
	h := st.pkiHolder()
	h.mu.Lock()
	h.pki = p
	h.mu.Unlock()
}

// newPKI makes a fresh set of certificates, valid around now.
func newPKI(now time.Time) (*pki, error) {
	p := &pki{ids: map[string]tls.Certificate{}}
	caKey, ca, err := newCA("socketlings checker CA", now)
	if err != nil {
		return nil, err
	}
	otherKey, other, err := newCA("an authority nobody trusts", now)
	if err != nil {
		return nil, err
	}
	p.ca, p.other = ca, other
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	for _, id := range identities {
		parent, parentKey := ca, caKey
		if id.issuer == "other" {
			parent, parentKey = other, otherKey
		}
		cert, err := newLeaf(id, parent, parentKey, now)
		if err != nil {
			return nil, fmt.Errorf("make the %s certificate: %w", id.name, err)
		}
		p.ids[id.name] = cert
	}
	return p, nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// newCA makes a self-signed certificate authority.
func newCA(name string, now time.Time) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("make a CA key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("sign the CA %q: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse the CA %q: %w", name, err)
	}
	return key, cert, nil
}

// newLeaf makes the certificate id describes, signed by parent (or by
// itself).
func newLeaf(id identity, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	sn, err := serial()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2), net.IPv6loopback},
	}
	if id.client {
		tmpl.Subject.CommonName = "checker client " + id.name
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.DNSNames, tmpl.IPAddresses = nil, nil
	}
	if id.expired {
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	}
	if id.wrongIPs {
		tmpl.Subject.CommonName = wrongHost
		tmpl.DNSNames, tmpl.IPAddresses = []string{wrongHost}, nil
	}
	var signer any = parentKey
	if id.issuer == "self" {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// write puts the CAs' certificates and every identity into dir, as PEM:
// ca.crt, other-ca.crt, NAME.crt and NAME.key. owner is called on every
// file, to hand it to the program that reads it.
func (p *pki) write(dir string, owner func(string) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	files := map[string][]byte{
		"ca.crt":       pemBlock("CERTIFICATE", p.ca.Raw),
		"other-ca.crt": pemBlock("CERTIFICATE", p.other.Raw),
	}
	for name, c := range p.ids {
		der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			return fmt.Errorf("encode the %s key: %w", name, err)
		}
		files[name+".crt"] = pemBlock("CERTIFICATE", c.Certificate[0])
		files[name+".key"] = pemBlock("PRIVATE KEY", der)
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".key") {
			mode = 0o600
		}
		if err := os.WriteFile(path, data, mode); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := owner(path); err != nil {
			return fmt.Errorf("hand %s to the program: %w", path, err)
		}
	}
	return nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// tlsVersions are the names tlsdial takes for -min and -max.
var tlsVersions = map[string]uint16{
	"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13,
}

const tlsDialUsage = "tlsdial [-cert ID] [-name NAME] [-min 1.0|1.1|1.2|1.3] [-max 1.0|1.1|1.2|1.3] NAME [ADDR]"

// tlsDialOptions are tlsdial's flags.
type tlsDialOptions struct {
	cert, name, min, max string
}

// describe says what the checker's client offered with cfg, for a report.
func (o tlsDialOptions) describe(addr string, cfg *tls.Config) string {
	versions := tls.VersionName(cfg.MinVersion)
	if max := cmp.Or(cfg.MaxVersion, tls.VersionTLS13); max != cfg.MinVersion {
		versions += " to " + strings.TrimPrefix(tls.VersionName(max), "TLS ")
	}
	cert := "no client certificate"
	if o.cert != "" {
		cert = "the client certificate " + o.cert + ".crt"
	}
	return fmt.Sprintf("a TLS handshake to %s offering %s, expecting a certificate for %s from ca.crt, with %s", addr, versions, o.name, cert)
}

func cmdTLSDial(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("tlsdial", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o tlsDialOptions
	fs.StringVar(&o.cert, "cert", "", "")
	fs.StringVar(&o.name, "name", "", "")
	fs.StringVar(&o.min, "min", "", "")
	fs.StringVar(&o.max, "max", "", "")
	usage(ts, fs.Parse(args) == nil && (fs.NArg() == 1 || fs.NArg() == 2), tlsDialUsage)
	st := state(ts)
	p := st.thePKI(ts)
	name := fs.Arg(0)
	addr := ts.Getenv("ADDR")
	if fs.NArg() == 2 {
		addr = fs.Arg(1)
	}
	if o.name == "" {
		host, _, err := net.SplitHostPort(addr)
		ts.Check(err)
		o.name = host
	}
	cfg, err := p.clientConfig(o)
	if err != nil {
		ts.Fatalf("%v (usage: %s)", err, tlsDialUsage)
	}
	sent := o.describe(addr, cfg)
	c, err := tlsDial(st, addr, cfg)
	if neg {
		if f := refused(st, c, err, sent, o); f != nil {
			st.fail(ts, *f)
		}
		return
	}
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("the TLS handshake with %s failed: %v", addr, err) + handshakeNote(err), Sent: sent,
			Want: "a completed handshake: the server presents the certificate of -cert, which ca.crt signed for " + o.name})
	}
	st.mu.Lock()
	st.conns[name] = c
	st.mu.Unlock()
	ts.Setenv("LOCAL_"+name, c.LocalAddr().String())
}

// handshakeNote says what a failed handshake means, where the error alone
// would puzzle a learner.
func handshakeNote(err error) string {
	var header tls.RecordHeaderError
	switch {
	case strings.Contains(err.Error(), "clientHelloMsg"):
		return " (the server sent the checker's own ClientHello back: it echoes in plaintext instead of speaking TLS)"
	case errors.As(err, &header):
		return fmt.Sprintf(" (the server answered with bytes that are not TLS: %s)", Show(header.RecordHeader[:]))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf(" (no handshake within %s: the server did not answer the ClientHello; is it busy with another client?)", readyTimeout)
	case errors.Is(err, io.EOF), isReset(err):
		return " (the server closed the connection during the handshake: see its stderr)"
	}
	return ""
}

// clientConfig is the checker's TLS client configuration for o.
func (p *pki) clientConfig(o tlsDialOptions) (*tls.Config, error) {
	cfg := &tls.Config{RootCAs: p.pool, ServerName: o.name, MinVersion: tls.VersionTLS12}
	if o.max != "" {
		v, ok := tlsVersions[o.max]
		if !ok {
			return nil, fmt.Errorf("-max %s: not a TLS version", o.max)
		}
		// A lower maximum lowers the minimum with it: -max 1.0 offers
		// TLS 1.0 alone.
		cfg.MaxVersion, cfg.MinVersion = v, min(cfg.MinVersion, v)
	}
	if o.min != "" {
		v, ok := tlsVersions[o.min]
		if !ok {
			return nil, fmt.Errorf("-min %s: not a TLS version", o.min)
		}
		cfg.MinVersion = v
	}
	if o.cert != "" {
		c, ok := p.ids[o.cert]
		if !ok {
			return nil, fmt.Errorf("-cert %s: no such certificate", o.cert)
		}
		// Sent whatever CAs the server names as acceptable, as a client
		// that holds a certificate from another CA may still try it.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	}
	return cfg, nil
}

// tlsDial connects and completes the handshake, within readyTimeout.
func tlsDial(st *State, addr string, cfg *tls.Config) (*tls.Conn, error) {
	ctx, cancel := context.WithDeadline(st.ctx, st.deadline(readyTimeout))
	defer cancel()
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*tls.Conn), nil
}

// refusalProbe is what `! tlsdial` sends once a handshake completed, to see
// whether the server really serves the connection.
const refusalProbe = "ping"

// refused reports what is wrong when a server should have refused a
// handshake: nil if it did. In TLS 1.3 the client's handshake ends before
// the server has checked the client's certificate, so a refusal can also
// come as an alert, a close or a reset on the first read.
func refused(st *State, c *tls.Conn, err error, sent string, o tlsDialOptions) *Failure {
	if err != nil {
		return nil
	}
	defer c.Close()
	state := c.ConnectionState()
	version := tls.VersionName(state.Version)
	c.SetDeadline(st.deadline(idleTimeout))
	if _, err := io.WriteString(c, refusalProbe); err != nil {
		return nil
	}
	got, err := readN(st, c, len(refusalProbe))
	var why string
	switch {
	case o.max == "1.0" || o.max == "1.1":
		why = "the server to refuse TLS " + o.max + ": it allows TLS 1.2 and 1.3 only"
	case o.cert == "":
		why = "the server to refuse a client without a certificate: with -client-ca it requires one"
	default:
		why = "the server to refuse a client certificate that the CA of -client-ca did not sign"
	}
	switch {
	case err == nil:
		return &Failure{What: fmt.Sprintf("the server completed the handshake (%s) and echoed %s", version, Show(got)),
			Sent: sent + "; then " + Show([]byte(refusalProbe)), Got: Show(got), Want: why}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &Failure{What: fmt.Sprintf("the server completed the handshake (%s) and kept the connection open for %s", version, idleTimeout),
			Sent: sent + "; then " + Show([]byte(refusalProbe)), Got: Show(got), Want: why}
	}
	return nil // an alert, EOF or a reset: refused
}

// tlsServerModes are what tlsserver can present.
var tlsServerModes = []string{"expired", "good", "needcert", "plaintext", "selfsigned", "wrongname"}

func cmdTLSServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "tlsserver")
	use := "tlsserver " + strings.Join(tlsServerModes, "|")
	usage(ts, len(args) == 1 && slices.Contains(tlsServerModes, args[0]), use)
	st := state(ts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	if args[0] != "plaintext" {
		ln = tls.NewListener(ln, st.thePKI(ts).serverConfig(args[0]))
	}
	f := &fakeServer{ln: ln, mode: "echo"}
	f.wg.Go(f.serve)
	st.mu.Lock()
	if st.fake != nil {
		st.fake.close()
	}
	st.fake = f
	st.mu.Unlock()
	ts.Setenv("ADDR", ln.Addr().String())
}

// serverConfig is the TLS configuration of tlsserver in mode.
func (p *pki) serverConfig(mode string) *tls.Config {
	id := mode
	if mode == "good" || mode == "needcert" {
		id = "server"
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{p.ids[id]}, MinVersion: tls.VersionTLS12}
	if mode == "needcert" {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = p.pool
	}
	return cfg
}

func cmdTLSPlain(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "tlsplain")
	usage(ts, len(args) == 1, "tlsplain TEXT")
	st := state(ts)
	msg, err := unescape(args[0])
	ts.Check(err)
	addr := ts.Getenv("ADDR")
	d := net.Dialer{Deadline: st.deadline(readyTimeout)}
	c, err := d.DialContext(st.ctx, "tcp", addr)
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("could not connect to %s: %v", addr, err), Want: "the server to accept the connection"})
	}
	defer c.Close()
	sent := fmt.Sprintf("%s in plaintext, no TLS handshake", Show(msg))
	c.SetWriteDeadline(st.deadline(idleTimeout))
	if _, err := c.Write(msg); err != nil {
		return // closed at once: refused
	}
	got, err := readUntil(st, c, msg)
	want := "the handshake to fail on the first record, which is not TLS, and the connection closed without an echo"
	switch {
	case bytes.Contains(got, msg):
		st.fail(ts, Failure{What: "the server echoed a message sent in plaintext: it served a client that never spoke TLS",
			Sent: sent, Got: Show(got), Want: want})
	case errors.Is(err, os.ErrDeadlineExceeded):
		st.fail(ts, Failure{What: fmt.Sprintf("the connection was still open %s after the plaintext arrived", idleTimeout),
			Sent: sent, Got: Show(got), Want: want})
	}
}

// readUntil reads from c until what came holds msg, the peer closes or
// resets c, or no byte came for idleTimeout.
func readUntil(st *State, c net.Conn, msg []byte) ([]byte, error) {
	var got []byte
	chunk := make([]byte, 4096)
	for !bytes.Contains(got, msg) && len(got) < 1<<20 {
		c.SetReadDeadline(st.deadline(idleTimeout))
		n, err := c.Read(chunk)
		got = append(got, chunk[:n]...)
		if err != nil {
			return got, err
		}
	}
	return got, nil
}
