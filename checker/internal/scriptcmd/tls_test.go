package scriptcmd

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPKIVerifies: each certificate of tlscerts fails verification exactly
// the way its name says, and the good ones pass.
func TestPKIVerifies(t *testing.T) {
	p, err := newPKI(time.Now())
	require.NoError(t, err)
	verify := func(id, name string, usage x509.ExtKeyUsage) error {
		_, err := p.ids[id].Leaf.Verify(x509.VerifyOptions{Roots: p.pool, DNSName: name, KeyUsages: []x509.ExtKeyUsage{usage}})
		return err
	}
	server := x509.ExtKeyUsageServerAuth
	for _, name := range []string{"localhost", "127.0.0.1", "127.0.0.2", "::1"} {
		assert.NoError(t, verify("server", name, server), "server for %s", name)
	}
	var invalid x509.CertificateInvalidError
	require.ErrorAs(t, verify("expired", "localhost", server), &invalid)
	assert.Equal(t, x509.Expired, invalid.Reason)
	var hostname x509.HostnameError
	assert.ErrorAs(t, verify("wrongname", "127.0.0.1", server), &hostname)
	assert.NoError(t, verify("wrongname", wrongHost, server))
	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, verify("selfsigned", "localhost", server), &unknown)
	assert.NoError(t, verify("client", "", x509.ExtKeyUsageClientAuth))
	assert.ErrorAs(t, verify("otherclient", "", x509.ExtKeyUsageClientAuth), &unknown)
}

// handshake runs one handshake between the checker's client and server
// configurations over a loopback connection, and returns the client's
// error, or the error of its first read (TLS 1.3 reports a refused client
// certificate only then).
func handshake(t *testing.T, server *tls.Config, client tlsDialOptions, p *pki) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tc := tls.Server(c, server)
		tc.SetDeadline(time.Now().Add(3 * time.Second))
		io.Copy(tc, tc)
	}()
	client.name = "127.0.0.1"
	cfg, err := p.clientConfig(client)
	require.NoError(t, err)
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 3 * time.Second}, "tcp", ln.Addr().String(), cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("x")); err != nil {
		return err
	}
	_, err = io.ReadFull(c, make([]byte, 1))
	return err
}

// TestTLSConfigs: tlsserver's modes and tlsdial's options do what doc.go
// says: needcert refuses no certificate and another CA's, in TLS 1.2 and
// 1.3; -max 1.0 offers TLS 1.0 only, which Go's own server refuses.
func TestTLSConfigs(t *testing.T) {
	p, err := newPKI(time.Now())
	require.NoError(t, err)
	good, need := p.serverConfig("good"), p.serverConfig("needcert")
	assert.NoError(t, handshake(t, good, tlsDialOptions{}, p))
	assert.NoError(t, handshake(t, good, tlsDialOptions{max: "1.2"}, p))
	assert.NoError(t, handshake(t, need, tlsDialOptions{cert: "client"}, p))
	assert.NoError(t, handshake(t, need, tlsDialOptions{cert: "client", max: "1.2"}, p))
	for _, max := range []string{"", "1.2"} {
		assert.Error(t, handshake(t, need, tlsDialOptions{max: max}, p), "no certificate, max %q", max)
		assert.Error(t, handshake(t, need, tlsDialOptions{cert: "otherclient", max: max}, p), "another CA's, max %q", max)
	}
	assert.Error(t, handshake(t, good, tlsDialOptions{max: "1.0"}, p))
	old := p.serverConfig("good")
	old.MinVersion = tls.VersionTLS10
	assert.NoError(t, handshake(t, old, tlsDialOptions{max: "1.0"}, p), "a server that allows TLS 1.0 must be reachable with -max 1.0")
	for _, mode := range []string{"expired", "wrongname", "selfsigned"} {
		assert.Error(t, handshake(t, p.serverConfig(mode), tlsDialOptions{}, p), mode)
	}
}

// TestTLSInteropOpenSSL: OpenSSL's client and certificate parser agree
// with lesson 20's solution and the certificates of tlscerts.
func TestTLSInteropOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed (Debian package openssl): the interop test needs its s_client")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build lesson 20's solution")
	}
	dir := t.TempDir()
	p, err := newPKI(time.Now())
	require.NoError(t, err)
	require.NoError(t, p.write(dir, func(string) error { return nil }))
	bin := filepath.Join(dir, "tls20")
	out, err := exec.Command(goTool, "build", "-o", bin, "../../../solutions/20-tls").CombinedOutput()
	require.NoError(t, err, "%s", out)

	// openssl x509 reads what tlscerts wrote, names and all.
	text, err := exec.Command(openssl, "x509", "-in", filepath.Join(dir, "server.crt"), "-noout", "-text").CombinedOutput()
	require.NoError(t, err, "%s", text)
	assert.Contains(t, string(text), "DNS:localhost")
	assert.Contains(t, string(text), "IP Address:127.0.0.1")
	assert.Contains(t, string(text), "socketlings checker CA")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serve := func(args ...string) string {
		cmd := exec.CommandContext(ctx, bin, append([]string{"server", "-addr", "127.0.0.1:0"}, args...)...)
		cmd.Dir = dir
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err)
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		require.True(t, ok, "readiness line %q", line)
		return addr
	}
	// sClient sends a line with s_client and returns the line that came
	// back, keeping its input open until then: at the end of its input
	// s_client leaves at once, echo or not.
	sClient := func(addr string, args ...string) (string, error) {
		args = append([]string{"s_client", "-connect", addr, "-CAfile", "ca.crt", "-verify_return_error",
			"-quiet", "-no_ign_eof"}, args...)
		cmd := exec.CommandContext(ctx, openssl, args...)
		cmd.Dir = dir
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		io.WriteString(stdin, "hello over openssl\n")
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		stdin.Close()
		return line, cmd.Wait()
	}

	addr := serve("-cert", "server.crt", "-key", "server.key")
	got, err := sClient(addr, "-verify_hostname", "localhost", "-servername", "localhost")
	require.NoError(t, err)
	assert.Equal(t, "hello over openssl\n", got)
	got, err = sClient(addr, "-tls1_2", "-verify_ip", "127.0.0.1")
	require.NoError(t, err, "TLS 1.2")
	assert.Equal(t, "hello over openssl\n", got)

	// Mutual TLS: OpenSSL's client with the client certificate is served,
	// without it is not.
	addr = serve("-cert", "server.crt", "-key", "server.key", "-client-ca", "ca.crt")
	got, err = sClient(addr, "-cert", "client.crt", "-key", "client.key")
	require.NoError(t, err)
	assert.Equal(t, "hello over openssl\n", got)
	got, err = sClient(addr)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	assert.Empty(t, got, "no client certificate: no echo")
}
