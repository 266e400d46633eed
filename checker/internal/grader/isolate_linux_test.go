package grader

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// TestIsolatedLessonSkippedWithoutNamespaces: where no namespace can be
// made, a raw-socket lesson is skipped with the reason and what to do,
// never passed or failed.
func TestIsolatedLessonSkippedWithoutNamespaces(t *testing.T) {
	l, ok := catalog.Find("15")
	require.True(t, ok)
	res, err := Grade(context.Background(), Options{Lesson: l, Dir: filepath.Join(root, "solutions", l.Dir()), CacheDir: cache,
		// Flags the kernel refuses, as it refuses user namespaces where
		// they are turned off.
		namespace: func() *syscall.SysProcAttr { return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_THREAD} }})
	require.NoError(t, err)
	assert.Equal(t, results.Skipped, res.Outcome)
	assert.Empty(t, res.Checks)
	assert.Contains(t, res.Error, "network namespace of its own, and making one failed")
	assert.Contains(t, res.Error, "sudo -E go run ./checker")
}
