package classroom

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/socketlings/socketlings/checker/internal/build"
)

// builderUID is who the go command runs as when grading as root. It is not
// programUID: the learner's programs, which run as that, can then neither
// write the build's Go cache nor read or change what it builds.
const builderUID = 65533

// Builder readies, in the worker's own mount namespace, what the go command
// needs to build as builderUID: a folder of its own for output and
// temporary files, and a Go cache it may write. That cache reads through to
// the instructor's (gocache, never written: an overlay whose upper layer is
// a tmpfs that goes with the worker), so grading stays as fast as a warm
// cache makes it. Where no overlay can be mounted, the build uses fallback,
// a cache the grade command made for builderUID and shares across the run.
func Builder(work, gocache, fallback string) (*build.User, error) {
	tmp := filepath.Join(work, "build")
	if err := ownedDir(tmp); err != nil {
		return nil, fmt.Errorf("builder: %w", err)
	}
	u := &build.User{UID: builderUID, GID: builderUID, TmpDir: tmp}
	merged, err := overlayCache(work, gocache)
	if err == nil {
		u.GOCACHE = merged
		return u, nil
	}
	if fallback == "" {
		return nil, fmt.Errorf("builder: %w", err)
	}
	u.GOCACHE = fallback
	return u, nil
}

// overlayCache mounts gocache, read only, under a writable tmpfs layer at
// work/gocache, and gives it to builderUID.
func overlayCache(work, gocache string) (string, error) {
	if gocache == "" || strings.ContainsAny(gocache, ",:") {
		return "", errors.New("no Go cache an overlay can name")
	}
	if fi, err := os.Stat(gocache); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("no Go cache at %s", gocache)
	}
	layer := filepath.Join(work, "gocache-layer")
	merged := filepath.Join(work, "gocache")
	for _, d := range []string{layer, merged} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return "", err
		}
	}
	if err := unix.Mount("tmpfs", layer, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0700,size=2g"); err != nil {
		return "", fmt.Errorf("mount the cache's layer: %w", err)
	}
	upper, wd := filepath.Join(layer, "upper"), filepath.Join(layer, "work")
	for _, d := range []string{upper, wd} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return "", err
		}
	}
	opts := "lowerdir=" + gocache + ",upperdir=" + upper + ",workdir=" + wd
	if err := unix.Mount("overlay", merged, "overlay", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return "", fmt.Errorf("mount the cache's overlay: %w", err)
	}
	// The go command writes new entries into the cache's 256 folders; the
	// change of owner lands in the upper layer only.
	entries, err := os.ReadDir(merged)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if err := os.Lchown(filepath.Join(merged, e.Name()), builderUID, builderUID); err != nil {
			return "", fmt.Errorf("give the cache to the builder: %w", err)
		}
	}
	if err := ownedDir(merged); err != nil {
		return "", err
	}
	return merged, nil
}

// ownedDir makes dir, if it is not there, and gives it to builderUID alone.
func ownedDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := os.Lchown(dir, builderUID, builderUID); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}
