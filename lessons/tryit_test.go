//go:build unix

// Package lessons_test runs each lesson's "Try it by hand" recipes: the
// commands of the README, kept in the lesson's tryit.sh, against the
// reference solution, with the real tools (nc, socat, dig, ping, tcpdump,
// tshark...), so that a recipe that hangs or prints something else than the
// README says fails here first.
package lessons_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	// The recipes mostly wait (on timeouts, on tools starting): four at
	// a time on any machine, unless -parallel says.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(max(4, runtime.NumCPU())))
	}
	os.Exit(m.Run())
}

// lessonDirs lists the lesson folders, in order.
func lessonDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("[0-9][0-9]-*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	return dirs
}

// readmeCommands returns the commands that the README's "Try it by hand"
// section gives the learner: the "$ " lines of console blocks, and the
// lines of sh and bash blocks that are not comments, without an aligned
// trailing comment. Output samples (text blocks, console lines with no
// prompt) are not commands.
func readmeCommands(readme string) []string {
	var cmds []string
	in, lang := false, ""
	section := false
	trailing := regexp.MustCompile(`\s{2,}#.*$`)
	sc := bufio.NewScanner(strings.NewReader(readme))
	for sc.Scan() {
		line := sc.Text()
		if !in && strings.HasPrefix(line, "## ") {
			section = strings.HasPrefix(line, "## Try it by hand")
			continue
		}
		if !section {
			continue
		}
		if fence, ok := strings.CutPrefix(strings.TrimSpace(line), "```"); ok {
			if in {
				in = false
			} else {
				in, lang = true, strings.Fields(fence + " x")[0]
			}
			continue
		}
		if !in {
			continue
		}
		switch lang {
		case "console":
			if c, ok := strings.CutPrefix(line, "$ "); ok {
				cmds = append(cmds, strings.TrimSpace(c))
			}
		case "sh", "bash", "shell":
			c := strings.TrimSpace(trailing.ReplaceAllString(line, ""))
			if c != "" && !strings.HasPrefix(c, "#") {
				cmds = append(cmds, c)
			}
		}
	}
	return cmds
}

// substitutions reads a script's "# readme: OLD => NEW" lines: what the
// README shows as an example (a port it printed, a /tmp path) and what the
// script uses in its place.
func substitutions(script string) *strings.Replacer {
	var pairs []string
	for _, line := range strings.Split(script, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "# readme: "); ok {
			if old, new, ok := strings.Cut(rest, " => "); ok {
				pairs = append(pairs, old, new)
			}
		}
	}
	return strings.NewReplacer(pairs...)
}

// runnable is the text of a script where a README command may be found:
// every line but comments, and the "# by hand only: COMMAND (why)" lines
// that name a command a script cannot run (one that waits for typing, a
// capture that never ends).
func runnable(script string) string {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# by hand only: ") {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// TestTryItCoversReadme: every command that a README's "Try it by hand"
// gives is in its lesson's tryit.sh, run there or named as done by hand
// only, so the README and the script cannot drift apart.
func TestTryItCoversReadme(t *testing.T) {
	for _, dir := range lessonDirs(t) {
		t.Run(dir, func(t *testing.T) {
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			require.NoError(t, err)
			cmds := readmeCommands(string(readme))
			require.NotEmpty(t, cmds, "the README's \"Try it by hand\" gives no command")
			script, err := os.ReadFile(filepath.Join(dir, "tryit.sh"))
			require.NoError(t, err, "every lesson keeps its README's recipes in tryit.sh")
			sub := substitutions(string(script))
			text := runnable(string(script))
			for _, c := range cmds {
				c = strings.TrimPrefix(sub.Replace(c), "sudo ")
				if !strings.Contains(text, c) {
					t.Errorf("tryit.sh neither runs this command of the README nor names it in a \"# by hand only: \" line:\n\t%s", c)
				}
			}
		})
	}
}

// TestTryIt runs every lesson's tryit.sh against the reference solution.
// A script that needs what the machine lacks (a tool, root) is skipped
// with the package or the privilege it needs.
func TestTryIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every lesson's recipes")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("needs bash")
	}
	lib, err := filepath.Abs("tryit.bash")
	require.NoError(t, err)
	for _, dir := range lessonDirs(t) {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			script, err := filepath.Abs(filepath.Join(dir, "tryit.sh"))
			require.NoError(t, err)
			if _, err := os.Stat(script); err != nil {
				t.Skip("no tryit.sh yet")
			}
			mod := solutionModule(t, dir)
			scratch := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// -x: a failure shows the commands that led to it.
			cmd := exec.CommandContext(ctx, bash, "-x", script)
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), "TRYIT_LIB="+lib, "TRYIT_TMP="+scratch, "TMPDIR="+scratch, "NO_COLOR=1")
			// A session of its own, killed whole when the script ends:
			// the servers it left in the background go with it, even
			// those a script put in process groups of their own (set -m).
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			cmd.Cancel = func() error { killSession(cmd.Process.Pid); return nil }
			// A file, not a pipe: the servers left in the background
			// hold their copy of it open until they are killed.
			logf, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
			require.NoError(t, err)
			defer logf.Close()
			cmd.Stdout, cmd.Stderr = logf, logf
			require.NoError(t, cmd.Start())
			err = cmd.Wait()
			killSession(cmd.Process.Pid)
			data, _ := os.ReadFile(logf.Name())
			out := bytes.NewBuffer(tail(data, 80))
			var exit *exec.ExitError
			switch {
			case errors.As(err, &exit) && exit.ExitCode() == 77:
				t.Skip(skipReason(out.String()))
			case ctx.Err() != nil:
				t.Fatalf("tryit.sh did not end within a minute: a recipe hangs\n%s", out.String())
			case err != nil:
				t.Fatalf("tryit.sh: %v\n%s", err, out.String())
			}
		})
	}
}

// killSession kills every process of the session sid, as /proc lists
// them (Linux; elsewhere only the script's own process group).
func killSession(sid int) {
	syscall.Kill(-sid, syscall.SIGKILL)
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session ...: comm may hold spaces.
		fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(fields) > 3 && fields[3] == strconv.Itoa(sid) {
			if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	return bytes.Join(lines[max(0, len(lines)-n):], nil)
}

// skipReason is the line that skip printed ("skip: needs dig (Debian
// package dnsutils)"); the trace of -x comes after it.
func skipReason(out string) string {
	lines := strings.Split(out, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "skip: ") {
			return lines[i]
		}
	}
	return "skipped (exit status 77)"
}

// solutionModule makes a copy of the module with lesson dir's folder holding
// the reference solution, as a learner's clone looks once the lesson is
// done, and returns its root.
func solutionModule(t *testing.T, dir string) string {
	t.Helper()
	mod := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join("..", f), filepath.Join(mod, f))
	}
	dst := filepath.Join(mod, "lessons", dir)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		copyFile(t, path, filepath.Join(dst, rel))
		return nil
	})
	require.NoError(t, err)
	sols, err := filepath.Glob(filepath.Join("..", "solutions", dir, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, sols)
	for _, s := range sols {
		copyFile(t, s, filepath.Join(dst, filepath.Base(s)))
	}
	return mod
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	info, err := os.Stat(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, data, info.Mode().Perm()))
}
