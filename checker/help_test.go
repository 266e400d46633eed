package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lessonsCopy copies lessons into a folder inside the module (so that they
// build), with the solution in place of the stub for those in solved.
func lessonsCopy(t *testing.T, lessons, solved []string) string {
	t.Helper()
	dir, err := os.MkdirTemp("testdata", "lessons-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, l := range lessons {
		require.NoError(t, os.CopyFS(filepath.Join(dir, l), os.DirFS(filepath.Join("..", "lessons", l))))
	}
	for _, l := range solved {
		sol, err := os.ReadFile(filepath.Join("..", "solutions", l, "main.go"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, l, "main.go"), sol, 0o644))
	}
	return dir
}

// TestHintOneLevelAtATime: each hint shows one level more, and remembers.
func TestHintOneLevelAtATime(t *testing.T) {
	dir := lessonsCopy(t, []string{"03-tcp-echo-client"}, nil)
	for level, want := range []string{"hint 1 of 3", "hint 2 of 3", "hint 3 of 3", "hint 3 of 3"} {
		code, stdout, _ := runChecker(t, "hint", "--dir", dir, "03")
		assert.Equal(t, exitOK, code)
		assert.Contains(t, stdout, want, "asked %d times", level+1)
		assert.Equal(t, level >= 1, contains(stdout, "2. the Go API"))
		assert.Equal(t, level >= 2, contains(stdout, "3. the shape of the code"))
	}
	code, _, stderr := runChecker(t, "hint", "--dir", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "hint takes one lesson")
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestResetKeepsABackup: reset puts the stub back and the learner's files
// in a backup it names; a second reset has nothing to do.
func TestResetKeepsABackup(t *testing.T) {
	dir := lessonsCopy(t, []string{"02-tcp-echo-server"}, []string{"02-tcp-echo-server"})
	lesson := filepath.Join(dir, "02-tcp-echo-server")
	require.NoError(t, os.WriteFile(filepath.Join(lesson, "extra.go"), []byte("package main\n"), 0o644))

	code, stdout, _ := runChecker(t, "reset", "--dir", dir, "lesson02")
	require.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "holds the lesson's stub again")
	stub, err := os.ReadFile(filepath.Join("..", "lessons", "02-tcp-echo-server", "main.go"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(lesson, "main.go"))
	require.NoError(t, err)
	assert.Equal(t, string(stub), string(got))
	assert.NoFileExists(t, filepath.Join(lesson, "extra.go"), "files the stub does not have go to the backup too")

	backups, err := filepath.Glob(filepath.Join(dir, ".backup", "02-tcp-echo-server-*"))
	require.NoError(t, err)
	require.Len(t, backups, 1)
	assert.Contains(t, stdout, backups[0])
	assert.FileExists(t, filepath.Join(backups[0], "extra.go"))
	mine, err := os.ReadFile(filepath.Join(backups[0], "main.go"))
	require.NoError(t, err)
	sol, err := os.ReadFile(filepath.Join("..", "solutions", "02-tcp-echo-server", "main.go"))
	require.NoError(t, err)
	assert.Equal(t, string(sol), string(mine))

	code, stdout, _ = runChecker(t, "reset", "--dir", dir, "lesson02")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "already holds the untouched stub")
}

// TestSolutionOnlyOncePassed: the reference is refused (exit 1) until the
// lesson passes, or with --force; then it is a diff against the program.
func TestSolutionOnlyOncePassed(t *testing.T) {
	dir := lessonsCopy(t, []string{"01-socket-lifecycle"}, nil)
	code, stdout, _ := runChecker(t, "solution", "--dir", dir, "01")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stdout, "opens once your program passes")

	code, stdout, _ = runChecker(t, "solution", "--dir", dir, "01", "--force")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "--- yours/main.go")
	assert.Contains(t, stdout, "+++ reference/main.go")

	sol, err := os.ReadFile(filepath.Join("..", "solutions", "01-socket-lifecycle", "main.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "01-socket-lifecycle", "main.go"), sol, 0o644))
	code, _, _ = runChecker(t, "--dir", dir, "01")
	require.Equal(t, exitOK, code)
	code, stdout, _ = runChecker(t, "solution", "--dir", dir, "01")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "Lesson 01 passes")
	assert.Contains(t, stdout, "Your program is the reference, byte for byte.")
}
