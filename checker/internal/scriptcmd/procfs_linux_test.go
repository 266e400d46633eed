package scriptcmd

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTCPEnd: the server's end of a loopback connection is found
// by its two ports while it is open, and is no longer ESTABLISHED once the
// server closed it.
func TestTCPEnd(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	s, err := ln.Accept()
	require.NoError(t, err)
	server, client := ln.Addr().(*net.TCPAddr).Port, c.LocalAddr().(*net.TCPAddr).Port

	found, open, err := tcpEnd(server, client)
	require.NoError(t, err)
	assert.True(t, found && open, "the server's end of an open connection")
	found, _, err = tcpEnd(server, client+1)
	require.NoError(t, err)
	assert.False(t, found, "no such connection")

	s.Close()
	found, open, err = tcpEnd(server, client)
	require.NoError(t, err)
	assert.True(t, found && !open, "the server's end after Close: FIN_WAIT2 until the client closes")
}
