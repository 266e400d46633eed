package scriptcmd

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startStreamServer runs a TCP server that hands every connection to
// serve, and returns its address.
func startStreamServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go serve(c)
		}
	}()
	return ln.Addr().String()
}

func dialStall(t *testing.T, serve func(net.Conn), max int) *Failure {
	t.Helper()
	c, err := net.Dial("tcp", startStreamServer(t, serve))
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return stall(NewState(ctx, "", ""), c, "c", max)
}

func TestStallBacksUpAnEcho(t *testing.T) {
	f := dialStall(t, func(c net.Conn) { io.Copy(c, c) }, stallMax)
	assert.Nil(t, f)
}

func TestStallCatchesAServerThatDoesNotEcho(t *testing.T) {
	f := dialStall(t, func(c net.Conn) { io.Copy(io.Discard, c) }, 8<<20)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "still wanted more")
}

func TestStallAcceptsAServerThatHangsUp(t *testing.T) {
	f := dialStall(t, func(c net.Conn) {
		c.Read(make([]byte, 1024))
		c.Close() // with bytes unread: RST
	}, stallMax)
	assert.Nil(t, f)
}
