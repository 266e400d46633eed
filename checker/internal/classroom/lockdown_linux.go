package classroom

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// Lockdown is what a grading worker hides from the learner's programs, and
// what it keeps for itself. The worker applies it as root, first thing, in
// the mount and PID namespaces of its own that the grade command started it
// in; nothing it mounts is seen outside.
type Lockdown struct {
	// Hide are folders replaced by empty ones (the course with its
	// solutions, the class's submissions, the report folder, home folders).
	Hide []string `json:"hide"`
	// Keep are paths the worker needs at the same place although a hidden
	// folder or the private /tmp covers them: its workspace, Go's caches
	// and toolchain.
	Keep []string `json:"keep"`
}

// privateDirs get an empty tmpfs each, so that what a program writes there
// stays in this worker and goes with it.
var privateDirs = []string{"/tmp", "/var/tmp", "/dev/shm"}

// Apply hides and keeps as l says, and mounts the proc file system of the
// worker's PID namespace.
func (l Lockdown) Apply() error {
	// Nothing mounted from here on may reach the grade command's mounts.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("lockdown: make mounts private: %w", err)
	}
	// /proc as this PID namespace sees it: the checker reads its programs'
	// descriptors and memory there, by the pids it knows them by. With
	// hidepid, a learner's program sees only its own user's processes: not
	// the worker's command line, descriptors or environment.
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "hidepid=2"); err != nil {
		return fmt.Errorf("lockdown: mount /proc: %w", err)
	}
	type kept struct {
		path string
		fd   int
		dir  bool
	}
	var keep []kept
	for _, p := range l.Keep {
		fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return fmt.Errorf("lockdown: keep %s: %w", p, err)
		}
		defer unix.Close(fd)
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fmt.Errorf("lockdown: keep %s: %w", p, err)
		}
		keep = append(keep, kept{p, fd, st.Mode&unix.S_IFMT == unix.S_IFDIR})
	}
	hide := append(slices.Clone(privateDirs), l.Hide...)
	// Outer folders first: an inner one is gone once its parent is hidden.
	slices.SortFunc(hide, func(a, b string) int { return len(a) - len(b) })
	for _, p := range hide {
		fi, err := os.Stat(p)
		if err != nil {
			continue // already hidden, or never there
		}
		if !fi.IsDir() {
			// A file (an archive of the class): the empty file /dev/null
			// takes its place.
			if err := unix.Mount("/dev/null", p, "", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("lockdown: hide %s: %w", p, err)
			}
			continue
		}
		opts := "mode=0755,size=16m"
		if slices.Contains(privateDirs, p) {
			opts = "mode=1777,size=1g"
		}
		if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
			return fmt.Errorf("lockdown: hide %s: %w", p, err)
		}
	}
	for _, k := range keep {
		if k.dir {
			if err := os.MkdirAll(k.path, 0o755); err != nil {
				return fmt.Errorf("lockdown: keep %s: %w", k.path, err)
			}
		} else {
			if err := os.MkdirAll(filepath.Dir(k.path), 0o755); err != nil {
				return fmt.Errorf("lockdown: keep %s: %w", k.path, err)
			}
			if f, err := os.OpenFile(k.path, os.O_CREATE|os.O_RDONLY, 0o644); err == nil {
				f.Close()
			}
		}
		src := "/proc/self/fd/" + strconv.Itoa(k.fd)
		if err := unix.Mount(src, k.path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("lockdown: keep %s: %w", k.path, err)
		}
	}
	return nil
}

// NoNewPrivs makes sure that this process, and everything it starts, can
// never gain privileges by running a set-user-ID program. The flag belongs
// to a thread and is inherited by the threads and processes it creates, so
// the process sets it on one thread and runs itself again from there; the
// new image's only thread has it, and so has every thread after it. It
// returns only when the flag is set, or with an error.
func NoNewPrivs() error {
	if v, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); err == nil && v == 1 {
		return nil
	}
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	if err := unix.Exec("/proc/self/exe", os.Args, os.Environ()); err != nil {
		return fmt.Errorf("run the worker again with no_new_privs: %w", err)
	}
	return nil // not reached
}
