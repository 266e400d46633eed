package scriptcmd

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventLoopInteropTools: socat and netcat talk to lesson 21's solution
// as its README shows, and the README's c10k measuring tool runs against
// it.
func TestEventLoopInteropTools(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build lesson 21's solution")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "event-loop")
	out, err := exec.Command(goTool, "build", "-o", bin, "../../../solutions/21-event-loop").CombinedOutput()
	require.NoError(t, err, "%s", out)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))

	run := func(input []byte, name string, args ...string) []byte {
		t.Helper()
		c := exec.CommandContext(ctx, name, args...)
		c.Stdin = bytes.NewReader(input)
		out, err := c.Output()
		require.NoError(t, err, "%s %v", name, args)
		return out
	}
	t.Run("socat", func(t *testing.T) {
		socat, err := exec.LookPath("socat")
		if err != nil {
			t.Skip("socat is not installed (Debian package socat)")
		}
		// 3 MB through one connection: socat writes while it reads, and
		// closes its sending side at the end of its input.
		data := pattern(3<<20, 21)
		got := run(data, socat, "-b", "65536", "-", "TCP:"+addr)
		assert.True(t, bytes.Equal(data, got), "socat got %d of %d bytes back, or other bytes", len(got), len(data))
	})
	t.Run("nc", func(t *testing.T) {
		nc, err := exec.LookPath("nc")
		if err != nil {
			t.Skip("nc is not installed (Debian package netcat-openbsd)")
		}
		if help, _ := exec.Command(nc, "-h").CombinedOutput(); !strings.Contains(string(help), "OpenBSD") {
			t.Skip("nc is not OpenBSD netcat (Debian package netcat-openbsd), whose -N this test uses")
		}
		host, port, _ := strings.Cut(addr, ":")
		assert.Equal(t, "hello\n", string(run([]byte("hello\n"), nc, "-N", host, port)))
	})
	t.Run("c10k", func(t *testing.T) {
		// The README's comparison tool, on a few hundred connections.
		c := exec.CommandContext(ctx, goTool, "run", "./lessons/21-event-loop/c10k", "-n", "300", "./solutions/21-event-loop")
		c.Dir = "../../.."
		out, err := c.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Regexp(t, `(?m)^\./solutions/21-event-loop\s+300\s+\d+\s+\d+ kB`, string(out))
	})
}
