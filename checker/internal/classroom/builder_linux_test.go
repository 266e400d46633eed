package classroom

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/build"
)

// builderChild is set in the environment of the test's own process run
// again in a mount namespace of its own, where it plays the worker.
const builderChild = "SOCKETLINGS_TEST_BUILDER_CHILD"

// TestBuilderBuildsAsAnotherUser: as root, a worker's build runs as
// builderUID, writes only to its own layer over the instructor's Go cache,
// and leaves a program in the cache that builderUID does not own.
func TestBuilderBuildsAsAnotherUser(t *testing.T) {
	if os.Getenv(builderChild) != "" {
		builderChildMain(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("builds as another user only as root")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBuilderBuildsAsAnotherUser$", "-test.v")
	cmd.Env = append(os.Environ(), builderChild+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS")
}

func builderChildMain(t *testing.T) {
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	require.NoError(t, err)
	// Nothing mounted here reaches the test's own mounts.
	require.NoError(t, syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""))

	// Not t.TempDir, whose parent the builder may not pass through.
	work, err := os.MkdirTemp("", "socketlings-builder-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(work) })
	require.NoError(t, os.Chmod(work, 0o711))
	mod := filepath.Join(work, "mod")
	require.NoError(t, os.MkdirAll(filepath.Join(mod, "prog"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/m\n\ngo 1.21\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "prog", "main.go"),
		[]byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"built\") }\n"), 0o644))
	cache := filepath.Join(work, "cache")
	require.NoError(t, os.Mkdir(cache, 0o711))

	u, err := Builder(work, strings.TrimSpace(string(gocache)), "")
	require.NoError(t, err, "the overlay over the Go cache")
	t.Cleanup(func() {
		// Unmounted first: removing the overlay's files would only
		// whiteout the instructor's cache, entry by entry.
		syscall.Unmount(filepath.Join(work, "gocache"), syscall.MNT_DETACH)
		syscall.Unmount(filepath.Join(work, "gocache-layer"), syscall.MNT_DETACH)
	})
	assert.Equal(t, filepath.Join(work, "gocache"), u.GOCACHE)

	res, err := build.Program(context.Background(), build.Request{Dir: filepath.Join(mod, "prog"), CacheDir: cache, As: u})
	require.NoError(t, err)
	out, err := exec.Command(res.Path).Output()
	require.NoError(t, err)
	assert.Equal(t, "built\n", string(out))

	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(res.Path, &st))
	assert.EqualValues(t, 0, st.Uid, "the cached program belongs to the worker, not the builder")
	// What the build wrote to the Go cache is in the worker's layer, and
	// it was the builder that wrote it.
	written := 0
	require.NoError(t, filepath.Walk(filepath.Join(work, "gocache-layer", "upper"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && fi.Sys().(*syscall.Stat_t).Uid == builderUID {
			written++
		}
		return err
	}))
	assert.Positive(t, written, "cache entries written by uid %d", builderUID)
}
