package scriptcmd

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTCPEstablished: the server's end of a loopback connection is found
// by its two ports while it is open, and is no longer ESTABLISHED once the
// server closed it.
func TestTCPEstablished(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	s, err := ln.Accept()
	require.NoError(t, err)
	server, client := ln.Addr().(*net.TCPAddr).Port, c.LocalAddr().(*net.TCPAddr).Port

	open, err := tcpEstablished(server, client)
	require.NoError(t, err)
	assert.True(t, open, "the server's end of an open connection")
	open, err = tcpEstablished(server, client+1)
	require.NoError(t, err)
	assert.False(t, open, "no such connection")

	s.Close()
	open, err = tcpEstablished(server, client)
	require.NoError(t, err)
	assert.False(t, open, "the server's end after Close")
}
