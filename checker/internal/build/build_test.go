package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPruneKeepsMostRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i := range 5 {
		p := filepath.Join(dir, fmt.Sprintf("bin%d", i))
		require.NoError(t, os.WriteFile(p, nil, 0o755))
		at := base.Add(time.Duration(i) * time.Minute)
		require.NoError(t, os.Chtimes(p, at, at))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "build-1.tmp"), nil, 0o644))
	prune(dir, 2)
	left, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		filepath.Join(dir, "bin3"), filepath.Join(dir, "bin4"), filepath.Join(dir, "build-1.tmp"),
	}, left)
}

// TestProgramCachesAndReportsErrors builds a fixture twice (the second time
// from the cache) and a broken one once.
func TestProgramCachesAndReportsErrors(t *testing.T) {
	cache := t.TempDir()
	src, err := os.MkdirTemp("testdata", "prog-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(src) })
	require.NoError(t, os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644))

	first, err := Program(context.Background(), Request{Dir: src, CacheDir: cache})
	require.NoError(t, err)
	assert.False(t, first.Cached)
	second, err := Program(context.Background(), Request{Dir: src, CacheDir: cache})
	require.NoError(t, err)
	assert.True(t, second.Cached)
	assert.Equal(t, first.Path, second.Path)

	require.NoError(t, os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() { x := 1 }\n"), 0o644))
	_, err = Program(context.Background(), Request{Dir: src, CacheDir: cache})
	var berr *Error
	require.ErrorAs(t, err, &berr)
	assert.Contains(t, berr.Output, "declared and not used: x")
	assert.NotContains(t, berr.Output, "# ", "go build's package header is dropped")
}

// TestRaceOptionalWithoutCompiler: where the race detector cannot be had
// (cgo off, as with no C compiler), a build that may go without it does,
// and says why; one that may not fails with the go command's words.
func TestRaceOptionalWithoutCompiler(t *testing.T) {
	t.Setenv("CGO_ENABLED", "0")
	cache := t.TempDir()
	src, err := os.MkdirTemp("testdata", "race-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(src) })
	require.NoError(t, os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644))

	res, err := Program(context.Background(), Request{Dir: src, Race: true, RaceOptional: true, CacheDir: cache})
	require.NoError(t, err)
	assert.Equal(t, NoCompiler, res.NoRace)
	assert.FileExists(t, res.Path)

	_, err = Program(context.Background(), Request{Dir: src, Race: true, CacheDir: cache})
	var berr *Error
	require.ErrorAs(t, err, &berr)
	assert.Contains(t, berr.Output, "-race requires cgo")
}

// TestTogetherRunsEachProgramAsItself: programs built as one binary each
// run as themselves, with their own flags and exit status; those that do
// not qualify (a Main of their own, a package-level flag) are built alone,
// and one that does not compile leaves the others of its group to be
// built one by one.
func TestTogetherRunsEachProgramAsItself(t *testing.T) {
	cache := t.TempDir()
	write := func(src string) string {
		dir, err := os.MkdirTemp("testdata", "prog-")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
		return dir
	}
	prog := func(word string, code int) string {
		return fmt.Sprintf("package main\n\nimport (\n\t\"flag\"\n\t\"fmt\"\n\t\"os\"\n)\n\n"+
			"func main() {\n\tname := flag.String(\"name\", %q, \"\")\n\tflag.Parse()\n\tfmt.Println(*name)\n\tos.Exit(%d)\n}\n", word, code)
	}
	a, b := write(prog("alpha", 3)), write(prog("beta", 4))
	odd := write("package main\n\nfunc Main() {}\n\nfunc main() { Main() }\n")
	global := write("package main\n\nimport \"flag\"\n\nvar name = flag.String(\"name\", \"\", \"\")\n\nfunc main() { flag.Parse() }\n")
	reqs := []Request{{Dir: a, CacheDir: cache}, {Dir: b, CacheDir: cache}, {Dir: odd, CacheDir: cache}, {Dir: global, CacheDir: cache}}
	Together(context.Background(), reqs)

	run := func(dir string, args ...string) (string, int, bool) {
		r, err := Program(context.Background(), Request{Dir: dir, CacheDir: cache})
		require.NoError(t, err)
		cmd := exec.Command(r.Path, args...)
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return string(out), code, r.Cached
	}
	out, code, cached := run(a)
	assert.Equal(t, "alpha\n", out)
	assert.Equal(t, 3, code)
	assert.True(t, cached, "built ahead")
	out, code, cached = run(b, "-name", "gamma")
	assert.Equal(t, "gamma\n", out)
	assert.Equal(t, 4, code)
	assert.True(t, cached, "built ahead")
	ra, err := os.Stat(filepath.Join(cache, mustKey(t, a)))
	require.NoError(t, err)
	rb, err := os.Stat(filepath.Join(cache, mustKey(t, b)))
	require.NoError(t, err)
	assert.True(t, os.SameFile(ra, rb), "one binary")
	for _, dir := range []string{odd, global} {
		_, code, cached = run(dir)
		assert.Equal(t, 0, code)
		assert.True(t, cached, "built alone, ahead")
		ri, err := os.Stat(filepath.Join(cache, mustKey(t, dir)))
		require.NoError(t, err)
		assert.False(t, os.SameFile(ra, ri), "built alone")
	}

	broken := write("package main\n\nfunc main() { x := 1 }\n")
	c := write(prog("gamma", 0))
	Together(context.Background(), []Request{{Dir: broken, CacheDir: cache}, {Dir: c, CacheDir: cache}})
	out, _, cached = run(c)
	assert.Equal(t, "gamma\n", out)
	assert.True(t, cached, "built ahead, alone")
}

func mustKey(t *testing.T, dir string) string {
	t.Helper()
	k, err := cacheKey(Request{Dir: dir})
	require.NoError(t, err)
	return k
}
