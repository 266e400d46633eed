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

func hordeState(t *testing.T) *State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return NewState(ctx, "", "")
}

func TestHordeEchoes(t *testing.T) {
	st := hordeState(t)
	conns, f := dialHorde(st, startStreamServer(t, func(c net.Conn) { io.Copy(c, c) }), 200)
	require.Nil(t, f)
	require.Len(t, conns, 200)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	assert.Nil(t, echoSubset(st, conns, []int{199, 3, 42, 0}, 64))
}

func TestHordeCatchesASilentConnection(t *testing.T) {
	// A short life for the script: its deadline cuts the 3s wait short.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	t.Cleanup(cancel)
	st := NewState(ctx, "", "")
	// The server echoes every message but connection 3's, which ends in 2.
	addr := startStreamServer(t, func(c net.Conn) {
		b := make([]byte, 16)
		if _, err := io.ReadFull(c, b); err != nil || b[15] == '2' {
			return
		}
		c.Write(b)
	})
	conns, f := dialHorde(st, addr, 5)
	require.Nil(t, f)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	f = echoSubset(st, conns, []int{0, 1, 2, 3, 4}, 16)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "2 of 5 echoes came back; connection 3 got 0")
}

func TestHordeCatchesCrossedEchoes(t *testing.T) {
	st := hordeState(t)
	// Every connection gets back the bytes of the one before.
	prev := make(chan []byte, 1)
	prev <- []byte("0000000000000000")
	addr := startStreamServer(t, func(c net.Conn) {
		b := make([]byte, 16)
		if _, err := io.ReadFull(c, b); err != nil {
			return
		}
		c.Write(<-prev)
		prev <- b
	})
	conns, f := dialHorde(st, addr, 3)
	require.Nil(t, f)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	f = echoSubset(st, conns, []int{0, 1, 2}, 16)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "not its own")
}

func TestFloodPassesAnEcho(t *testing.T) {
	st := hordeState(t)
	c, err := net.Dial("tcp", startStreamServer(t, func(c net.Conn) { io.Copy(c, c) }))
	require.NoError(t, err)
	defer c.Close()
	assert.Nil(t, flood(st, c, pattern(8<<20, 1)))
}

func TestFloodCatchesALostPartialWrite(t *testing.T) {
	// The echo comes back short, so the read waits until the deadline:
	// a short life for the script cuts that wait.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	t.Cleanup(cancel)
	st := NewState(ctx, "", "")
	// The server drops every 100,000th byte, as a lost rest of a write.
	c, err := net.Dial("tcp", startStreamServer(t, func(c net.Conn) {
		buf := make([]byte, 100000)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf[:len(buf)-1]); err != nil {
				return
			}
		}
	}))
	require.NoError(t, err)
	defer c.Close()
	f := flood(st, c, pattern(1<<20, 1))
	require.NotNil(t, f)
	assert.Contains(t, f.What, "differs from what was sent at byte 99999")
}

func TestFloodCatchesAServerThatHangsUp(t *testing.T) {
	st := hordeState(t)
	c, err := net.Dial("tcp", startStreamServer(t, func(c net.Conn) {
		io.CopyN(c, c, 1<<20)
		c.Close()
	}))
	require.NoError(t, err)
	defer c.Close()
	f := flood(st, c, pattern(4<<20, 1))
	require.NotNil(t, f)
	assert.Contains(t, f.What, "closed after")
}
