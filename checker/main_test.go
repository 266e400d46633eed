//go:build !windows

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/grader"
)

func runChecker(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestMain(m *testing.M) {
	grader.RunWorkerIfAsked()
	// Keep the checker's cache of built programs away from the user's, but
	// not Go's own build cache, which XDG_CACHE_HOME would move too: a cold
	// one compiles the standard library again for every build.
	if os.Getenv("GOCACHE") == "" {
		out, err := exec.Command("go", "env", "GOCACHE").Output()
		if err != nil {
			panic(err)
		}
		os.Setenv("GOCACHE", strings.TrimSpace(string(out)))
	}
	dir, err := os.MkdirTemp("", "socketlings-cli-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestUnknownLessonListsLessons(t *testing.T) {
	code, stdout, stderr := runChecker(t, "--dir", "../lessons", "lesson99")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `there is no lesson "lesson99"`)
	assert.Contains(t, stderr, "lesson01  01-socket-lifecycle")
	assert.Contains(t, stderr, "lesson04  04-concurrent-server")
}

func TestUsageErrors(t *testing.T) {
	code, _, stderr := runChecker(t, "--nope")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "flag provided but not defined: -nope")

	code, _, stderr = runChecker(t, "--dir", "no-such-folder", "lesson02")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `no folder "no-such-folder" here`)

	code, stdout, _ := runChecker(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "go run ./checker [flags] LESSON...")
}

func TestSolutionPassesStubFails(t *testing.T) {
	code, stdout, _ := runChecker(t, "--dir", "../solutions", "tcp-echo-server")
	assert.Equal(t, exitOK, code, stdout)
	assert.Regexp(t, `\n(\d+) of (\d+) checks passed\.\nLesson 02 passes\. Compare with the reference: .go run \./checker solution lesson02.\.\n$`, stdout)
	assert.NotContains(t, stdout, "✗")
	assert.NotContains(t, stdout, "\x1b[", "no colour when stdout is not a terminal")

	code, stdout, _ = runChecker(t, "--dir", "../lessons", "2")
	assert.Equal(t, exitFailed, code, stdout)
	// The stub fails every check of its lesson's own; only shared ones that
	// any program that exits with an error keeps (a usage error) may pass.
	assert.Regexp(t, `\n[0-2] of \d+ checks passed\.\n`, stdout)
	assert.Contains(t, stdout, "hint:")
	assert.Contains(t, stdout, "Fix the first failure, then run `go run ./checker lesson02` again (stuck? `go run ./checker hint lesson02`).")
	assert.NotContains(t, stdout, "goroutine ", "no Go stack traces for the learner")
}

func TestCheckFlag(t *testing.T) {
	code, stdout, _ := runChecker(t, "--dir", "../solutions", "lesson02", "--check", "echo_hello")
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "1 of 1 checks passed.")
}

// TestProgressOnFreshTree: on untouched stubs, no lesson is run, and the
// first lesson is next.
func TestProgressOnFreshTree(t *testing.T) {
	start := time.Now()
	code, stdout, _ := runChecker(t, "--dir", "../lessons")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, fmt.Sprintf("0 of %d lessons done", len(catalog.Lessons())))
	assert.Contains(t, stdout, "· 01 socket-lifecycle")
	assert.Contains(t, stdout, "not started")
	assert.Contains(t, stdout, "Next: lesson 01")
	assert.Contains(t, stdout, "go run ./checker lesson01")
	assert.Less(t, time.Since(start), 2*time.Second, "stubs are recognised, not graded")
}

// TestProgressMixed: a tree with two lessons done shows them done, once
// they have been checked, and points at the third; an edit since makes a
// lesson "changed".
func TestProgressMixed(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("../lessons")))
	for _, l := range []string{"01-socket-lifecycle", "02-tcp-echo-server"} {
		require.NoError(t, os.RemoveAll(filepath.Join(dir, l)))
		require.NoError(t, os.CopyFS(filepath.Join(dir, l), os.DirFS(filepath.Join("../solutions", l))))
	}
	// Keep the copy inside the module, so x/sys resolves.
	inside, err := os.MkdirTemp("testdata", "progress-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(inside) })
	require.NoError(t, os.CopyFS(inside, os.DirFS(dir)))

	// The progress view runs nothing: lessons not checked yet say so.
	code, stdout, _ := runChecker(t, "--dir", inside)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "~ 01 socket-lifecycle         started, not checked yet")
	assert.Contains(t, stdout, "Next: lesson 01")

	code, _, _ = runChecker(t, "--dir", inside, "1", "2")
	require.Equal(t, exitOK, code)
	code, stdout, _ = runChecker(t, "--dir", inside)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, fmt.Sprintf("2 of %d lessons done", len(catalog.Lessons())))
	assert.Contains(t, stdout, "✓ 01 socket-lifecycle")
	assert.Contains(t, stdout, "✓ 02 tcp-echo-server")
	assert.Contains(t, stdout, "Next: lesson 03")

	main := filepath.Join(inside, "02-tcp-echo-server", "main.go")
	f, err := os.OpenFile(main, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("\n// an edit\n")
	require.NoError(t, errors.Join(err, f.Close()))
	_, stdout, _ = runChecker(t, "--dir", inside)
	assert.Contains(t, stdout, "~ 02 tcp-echo-server          changed since it was last checked")
	assert.Contains(t, stdout, "Next: lesson 02")
}

// TestInterruptLeavesNothing: Ctrl-C while a check runs stops the checker
// with status 130, and every process the learner's program started dies.
func TestInterruptLeavesNothing(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "checker")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))

	pidfile := filepath.Join(t.TempDir(), "pid")
	cmd := exec.Command(bin, "--dir", "testdata/interrupt", "lesson02", "--check", "echo_hello")
	cmd.Env = append(os.Environ(), "FIXTURE_PIDFILE="+pidfile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var pid int
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(pidfile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil && pid > 0
	}, 60*time.Second, 10*time.Millisecond, "the fixture never became ready")

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the checker did not stop after SIGINT")
	}
	assert.Equal(t, exitInterrupted, cmd.ProcessState.ExitCode(), stderr.String())
	assert.Contains(t, stderr.String(), "interrupted")
	assert.Eventually(t, func() bool {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 5*time.Second, 20*time.Millisecond, "the learner program's child %d outlived the checker", pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}
