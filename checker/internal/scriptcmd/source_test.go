package scriptcmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeSource(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	return dir
}

func TestDiscardedResults(t *testing.T) {
	dir := writeSource(t, `package main

import "golang.org/x/sys/unix"

func f(fd int, b []byte) error {
	unix.Write(fd, b)
	_, err := unix.Write(fd, b)
	_, _ = unix.Write(fd, b)
	n, err := unix.Write(fd, b)
	_ = n
	return err
}
`)
	where, err := discardedResults(dir, "unix", "Write")
	require.NoError(t, err)
	assert.Equal(t, []string{"main.go:6", "main.go:7", "main.go:8"}, where)
}

func TestImportsOf(t *testing.T) {
	dir := writeSource(t, "package main\n\nimport (\n\t\"net\"\n\t\"net/netip\"\n)\n\nvar _ net.Conn\nvar _ netip.Addr\n")
	found, err := importsOf(dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"net": "main.go", "net/netip": "main.go"}, found)
}

func TestUnbufferedNotify(t *testing.T) {
	dir := writeSource(t, `package main

import (
	"os"
	"os/signal"
)

func main() {
	a := make(chan os.Signal)
	signal.Notify(a, os.Interrupt)
	b := make(chan os.Signal, 1)
	signal.Notify(b, os.Interrupt)
	var c = make(chan os.Signal, 0)
	signal.Notify(c)
	signal.Notify(make(chan os.Signal), os.Interrupt)
	signal.Notify(make(chan os.Signal, 2), os.Interrupt)
}
`)
	where, err := unbufferedNotify(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"main.go:10", "main.go:14", "main.go:15"}, where)
}

func TestCallsTo(t *testing.T) {
	dir := writeSource(t, `package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	signal.Ignore(os.Interrupt)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-ctx.Done()
}
`)
	where, err := callsTo(dir, []string{"signal.Notify", "signal.NotifyContext"})
	require.NoError(t, err)
	assert.Equal(t, []string{"main.go:11"}, where)
	where, err = callsTo(dir, []string{"signal.Notify"})
	require.NoError(t, err)
	assert.Empty(t, where)
}
