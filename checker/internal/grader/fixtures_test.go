package grader

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// gradeFixture grades a misbehaving fixture program against some of lesson
// 02's checks.
func gradeFixture(t *testing.T, name string, checks ...string) results.Result {
	t.Helper()
	l, ok := catalog.Find("02")
	require.True(t, ok)
	res, err := Grade(context.Background(), Options{
		Lesson: l, Dir: filepath.Join("testdata", "fixtures", name), CacheDir: cache, Checks: checks,
	})
	require.NoError(t, err)
	return res
}

func onlyCheck(t *testing.T, r results.Result) results.Check {
	t.Helper()
	require.Len(t, r.Checks, 1, describe(r))
	return r.Checks[0]
}

func TestFixtureNeverReady(t *testing.T) {
	t.Parallel()
	c := onlyCheck(t, gradeFixture(t, "never-ready", "echo_hello"))
	assert.Equal(t, results.Failed, c.Outcome)
	require.NotNil(t, c.Failure)
	assert.Contains(t, c.Failure.What, `did not print "listening on HOST:PORT" within`)
	assert.Contains(t, c.Failure.Output, "it printed nothing")
}

func TestFixtureCrash(t *testing.T) {
	t.Parallel()
	c := onlyCheck(t, gradeFixture(t, "crash", "echo_hello"))
	assert.Equal(t, results.Failed, c.Outcome)
	require.NotNil(t, c.Failure)
	assert.Contains(t, c.Failure.Output, "the server is no longer running (exit status 2)")
	assert.Contains(t, c.Failure.Output, "assignment to entry in nil map")
}

func TestFixtureLatePanicFailsAPassingCheck(t *testing.T) {
	t.Parallel()
	// Every step of echo_hello passes: the panic begins after the last
	// one and finishes after the script ends.
	c := onlyCheck(t, gradeFixture(t, "late-panic", "echo_hello"))
	assert.Equal(t, results.Failed, c.Outcome)
	require.NotNil(t, c.Failure)
	assert.Equal(t, results.Crashed, c.Failure.Kind)
	assert.Contains(t, c.Message, "crashed during the check")
	assert.Contains(t, c.Failure.Output, "the client left")
}

func TestFixtureFloodIsBoundedAndStillGraded(t *testing.T) {
	t.Parallel()
	res := gradeFixture(t, "flood", "echo_hello", "echo_sizes", "server_signals")
	for _, c := range res.Checks {
		if c.Name == "server_signals" {
			// It exits 3 on SIGINT: a failure, and the report keeps a
			// bounded excerpt of the flood.
			assert.Equal(t, results.Failed, c.Outcome)
			require.NotNil(t, c.Failure)
			assert.Less(t, len(c.Failure.Output), 20_000)
			assert.Regexp(t, `the last lines of [0-9]+ bytes`, c.Failure.Output, "the excerpt is the end of the flood, and says how much there was")
			continue
		}
		assert.Equal(t, results.Passed, c.Outcome, describe(res))
	}
}

func TestFixtureIgnoresSigterm(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := onlyCheck(t, gradeFixture(t, "ignore-sigterm", "server_signals"))
	assert.Equal(t, results.Failed, c.Outcome)
	require.NotNil(t, c.Failure)
	assert.Contains(t, c.Failure.What, "still running")
	assert.Less(t, time.Since(start), ScriptTimeout)
}

func TestFixtureCompileError(t *testing.T) {
	t.Parallel()
	res := gradeFixture(t, "compile-error")
	assert.Equal(t, results.BuildFailed, res.Outcome)
	assert.Contains(t, res.BuildOutput, "main.go:5:2: declared and not used: x")
	assert.Empty(t, res.Checks)
}

func TestFixturePortZero(t *testing.T) {
	t.Parallel()
	c := onlyCheck(t, gradeFixture(t, "port-zero", "server_ready"))
	require.NotNil(t, c.Failure)
	assert.Contains(t, c.Failure.What, `"127.0.0.1:0", which is not an address a client can connect to`)
}

// TestFixtureLeavesNothingBehind: a child the program started in its
// process group dies with it.
func TestFixtureLeavesNothingBehind(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("FIXTURE_PIDFILE", pidfile)
	gradeFixture(t, "leaves-child", "echo_hello")
	data, err := os.ReadFile(pidfile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	// The child may linger for a moment as a zombie of init; a signal 0
	// then still succeeds, so look at its state.
	assert.Eventually(t, func() bool {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 5*time.Second, 20*time.Millisecond, "the child %d is still running", pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

func TestUnknownCheck(t *testing.T) {
	l, _ := catalog.Find("02")
	_, err := Grade(context.Background(), Options{Lesson: l, Dir: filepath.Join(root, "solutions", l.Dir()), CacheDir: cache, Checks: []string{"nope"}})
	assert.ErrorContains(t, err, "none of the checks nope")
}

// TestIsolatedLessonRunsInItsOwnNamespace grades lesson 02's solution as if
// it were a raw-socket lesson: in a worker in a new network namespace.
func TestIsolatedLessonRunsInItsOwnNamespace(t *testing.T) {
	l, ok := catalog.Find("02")
	require.True(t, ok)
	l.Isolated = true
	res, err := Grade(context.Background(), Options{Lesson: l, Dir: filepath.Join(root, "solutions", l.Dir()), CacheDir: cache,
		Checks: []string{"echo_hello"}})
	require.NoError(t, err)
	if res.Outcome == results.Skipped {
		t.Skip(res.Error)
	}
	assert.Equal(t, results.Passed, res.Outcome, describe(res))
}
