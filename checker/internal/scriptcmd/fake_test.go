package scriptcmd

import (
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startFake runs a fake server in mode, as fakeserver does, and returns a
// connection to it that has sent msg and half-closed.
func startFake(t *testing.T, mode, msg string) (*fakeServer, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeServer{ln: ln, mode: mode}
	f.wg.Go(f.serve)
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, msg)
	require.NoError(t, err)
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	return f, c.(*net.TCPConn)
}

// TestFakeSilentNeverCloses: silent keeps a connection open even after the
// client's FIN, so that only the client's own deadline ends its wait; and
// closing the fake server still returns.
func TestFakeSilentNeverCloses(t *testing.T) {
	f, c := startFake(t, "silent", "hello\n")
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, err := c.Read(make([]byte, 1))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "silent must neither answer nor close")
	done := make(chan struct{})
	go func() { f.close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("close did not return while a silent connection was open")
	}
}

// TestFakeTwice: twice echoes everything it reads two times, then closes
// after the client's FIN.
func TestFakeTwice(t *testing.T) {
	f, c := startFake(t, "twice", "alpha\n")
	defer f.close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "alpha\nalpha\n", string(got))
}

// TestFakeOneLine: oneline echoes the first line only, whole, then closes
// with a FIN, having taken the rest of what was sent.
func TestFakeOneLine(t *testing.T) {
	f, c := startFake(t, "oneline", "alpha\nbeta\ngamma\n")
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "alpha\n", string(got))
	f.close()
	assert.Equal(t, "alpha\nbeta\ngamma\n", string(f.received))
}

// TestFakeSlowLines: slowlines echoes every whole line, slowLinesInterval
// apart, then closes after the client's FIN.
func TestFakeSlowLines(t *testing.T) {
	start := time.Now()
	f, c := startFake(t, "slowlines", "a\nb\nc\n")
	defer f.close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "a\nb\nc\n", string(got))
	assert.GreaterOrEqual(t, time.Since(start), 2*slowLinesInterval, "the three lines must come an interval apart")
}
