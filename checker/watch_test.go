//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// screen collects what a program writes to its terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen shows text after offset from, and returns
// where it ends.
func (s *screen) waitFor(t *testing.T, from int, text string) int {
	t.Helper()
	var at int
	require.Eventually(t, func() bool {
		out := s.String()
		i := strings.Index(out[min(from, len(out)):], text)
		at = from + i + len(text)
		return i >= 0
	}, 3*time.Minute, 20*time.Millisecond, "the screen never showed %q; it shows:\n%s", text, s.String())
	return at
}

// TestWatchSession drives watch mode in a terminal as a learner would: the
// stub fails, a save with the lesson done passes it and moves on to the
// next lesson, and Ctrl-C stops it with every program it started gone.
func TestWatchSession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the checker in a terminal")
	}
	bin := filepath.Join(t.TempDir(), "checker")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	// Inside the module, so that the lessons build.
	dir, err := os.MkdirTemp("testdata", "watch-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, l := range []string{"02-tcp-echo-server", "03-tcp-echo-client"} {
		require.NoError(t, os.CopyFS(filepath.Join(dir, l), os.DirFS(filepath.Join("..", "lessons", l))))
	}

	cmd := exec.Command(bin, "watch", "--dir", dir, "lesson02")
	cmd.Env = append(os.Environ(), "TERM=xterm", "NO_COLOR=")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 150})
	require.NoError(t, err)
	t.Cleanup(func() { tty.Close(); cmd.Process.Kill() })
	var scr screen
	go func() { _, _ = copyAll(&scr, tty) }()

	l02, ok := catalog.Find("lesson02")
	require.True(t, ok)
	scripts, err := l02.Scripts()
	require.NoError(t, err)
	checks := len(scripts)

	// The stub passes two: a failed bind, and an unknown flag.
	at := scr.waitFor(t, 0, fmt.Sprintf("2 of %d checks passed", checks))
	assert.Contains(t, scr.String(), "\x1b[H\x1b[2J", "on a terminal, each run starts on a clear screen")
	assert.Contains(t, scr.String(), "\x1b[31m✗", "on a terminal, colour")
	at = scr.waitFor(t, at, "save to check again")

	// The learner's save: the lesson done.
	sol, err := os.ReadFile(filepath.Join("..", "solutions", "02-tcp-echo-server", "main.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "02-tcp-echo-server", "main.go"), sol, 0o644))
	at = scr.waitFor(t, at, fmt.Sprintf("%d of %d checks passed", checks, checks))
	at = scr.waitFor(t, at, "On to lesson 03")

	// A save in the next lesson grades it.
	now := time.Now()
	require.NoError(t, os.Chtimes(filepath.Join(dir, "03-tcp-echo-client", "main.go"), now, now))
	at = scr.waitFor(t, at, "lesson 03 · tcp-echo-client")
	scr.waitFor(t, at, "save to check again")

	// Ctrl-C, as the terminal sends it.
	_, err = tty.Write([]byte{3})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("watch did not stop on Ctrl-C; the screen:\n%s", scr.String())
	}
	assert.Equal(t, exitInterrupted, cmd.ProcessState.ExitCode())
	assert.Empty(t, programsLeft(t), "every program the checker started is gone")
}

func copyAll(dst *screen, src *os.File) (int64, error) {
	buf := make([]byte, 4096)
	var n int64
	for {
		k, err := src.Read(buf)
		dst.Write(buf[:k])
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
}

// programsLeft lists the running processes whose program is one the checker
// built (they live in its cache, under XDG_CACHE_HOME).
func programsLeft(t *testing.T) []string {
	t.Helper()
	cache := os.Getenv("XDG_CACHE_HOME")
	require.NotEmpty(t, cache)
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.HasPrefix(exe, cache) {
			left = append(left, e.Name()+" "+exe)
		}
	}
	return left
}
