// Command certs makes test certificates for lesson 20, so that you can try
// your TLS server and client by hand with nothing but Go: a certificate
// authority of your own, and certificates that it signs. It makes the same
// set as the checker does before each check, under the same names:
//
//	ca.crt, ca.key            your CA (keep ca.key to yourself)
//	server.crt, server.key    the server, for -hosts
//	client.crt, client.key    a client certificate, for mutual TLS
//	expired.crt, .key         the server's, expired yesterday
//	wrongname.crt, .key       signed by your CA for not-this-host.example
//	selfsigned.crt, .key      the server's hosts, but signed by itself
//	other-ca.crt              a second CA, that nothing trusts
//	otherclient.crt, .key     a client certificate that the second CA signed
//
// Usage:
//
//	go run ./lessons/20-tls/certs [-dir DIR] [-hosts localhost,127.0.0.1,::1]
//
// Every key is ECDSA P-256, and every certificate is valid from an hour
// ago for 30 days (but expired.crt). Look at one with
// `openssl x509 -in DIR/server.crt -noout -text`.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	dir := flag.String("dir", ".", "folder to write the files into")
	hosts := flag.String("hosts", "localhost,127.0.0.1,::1", "comma-separated names and addresses the server certificate is for")
	flag.Parse()
	if err := run(*dir, strings.Split(*hosts, ","), time.Now()); err != nil {
		log.Fatalf("certs: %v", err)
	}
	fmt.Fprintf(os.Stderr, "certificates written to %s\n", *dir)
}

// authority is a CA: its certificate and the key it signs with.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// leaf describes one certificate to make.
type leaf struct {
	name      string     // file names: NAME.crt and NAME.key
	issuer    *authority // nil: signed by itself
	hosts     []string
	client    bool // for a client (ExtKeyUsageClientAuth), not a server
	notBefore time.Time
	notAfter  time.Time
}

func run(dir string, hosts []string, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ca, err := newAuthority(dir, "ca", "socketlings test CA", now)
	if err != nil {
		return err
	}
	other, err := newAuthority(dir, "other-ca", "another test CA", now)
	if err != nil {
		return err
	}
	start, end := now.Add(-time.Hour), now.Add(30*24*time.Hour)
	leaves := []leaf{
		{name: "server", issuer: ca, hosts: hosts, notBefore: start, notAfter: end},
		{name: "client", issuer: ca, client: true, notBefore: start, notAfter: end},
		{name: "expired", issuer: ca, hosts: hosts, notBefore: now.Add(-48 * time.Hour), notAfter: now.Add(-24 * time.Hour)},
		{name: "wrongname", issuer: ca, hosts: []string{"not-this-host.example"}, notBefore: start, notAfter: end},
		{name: "selfsigned", hosts: hosts, notBefore: start, notAfter: end},
		{name: "otherclient", issuer: other, client: true, notBefore: start, notAfter: end},
	}
	for _, l := range leaves {
		if err := l.make(dir); err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
	}
	// other-ca.key is of no use: nothing should sign with it again.
	return os.Remove(filepath.Join(dir, "other-ca.key"))
}

// newAuthority makes a CA and writes NAME.crt and NAME.key.
func newAuthority(dir, name, commonName string, now time.Time) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePair(dir, name, der, key); err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key}, nil
}

// make signs the certificate and writes NAME.crt and NAME.key.
func (l leaf) make(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: l.name},
		NotBefore:    l.notBefore,
		NotAfter:     l.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if l.client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	// A name goes in the certificate as a DNS name or an IP address,
	// in the Subject Alternative Name extension: that is where clients
	// look, not in the Common Name.
	for _, h := range l.hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	parent, signer := tmpl, any(key)
	if l.issuer != nil {
		parent, signer = l.issuer.cert, l.issuer.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return err
	}
	return writePair(dir, l.name, der, key)
}

// writePair writes a certificate and its key as PEM; the key is readable
// by its owner alone.
func writePair(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), crt, 0o644); err != nil {
		return err
	}
	pk := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return os.WriteFile(filepath.Join(dir, name+".key"), pk, 0o600)
}

// serial is a random 127-bit serial number, unique in practice.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}
