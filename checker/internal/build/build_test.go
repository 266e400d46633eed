package build

import (
	"context"
	"fmt"
	"os"
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
