// Package build compiles a lesson's program and keeps the binary in a cache
// keyed by everything that decides its content, so an unchanged program is
// never built twice.
package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Request says what to build.
type Request struct {
	Dir      string // the lesson folder, inside a Go module
	Race     bool   // build with -race
	CacheDir string // where binaries are kept
	// Slow, if set, is called once, early, when a -race build finds the
	// race detector's standard library not yet compiled, so the learner
	// knows why they wait.
	Slow func()
	// RaceOptional builds without -race where the race detector cannot be
	// had (no C compiler), saying so in the Result, instead of failing.
	RaceOptional bool
	// As, if set, runs the go command as another user (class grading, as
	// root, never builds a learner's code with its own privileges).
	As *User
}

// User is who the go command runs as, with the folders it may write:
// neither the caller's Go cache nor the program cache are among them.
type User struct {
	UID, GID uint32
	GOCACHE  string // a Go build cache the user may write
	TmpDir   string // a folder the user owns, for the build's output and temporary files
}

// Error is a build failure: the compiler's own words, with paths made
// relative to the lesson folder.
type Error struct {
	Output string
	Err    error
}

func (e *Error) Error() string { return "the program does not build: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Result is a built program.
type Result struct {
	Path   string
	Cached bool
	// NoRace says why the program was built without the race detector
	// that the Request asked for, or is "".
	NoRace string
}

// NoCompiler is Result.NoRace on a machine with no C compiler.
const NoCompiler = "the race detector needs a C compiler, and this machine has none: install gcc (on Debian or Ubuntu, sudo apt install gcc) or, on macOS, the Xcode command-line tools (xcode-select --install)"

// Timeout bounds one build, the first -race build included.
const Timeout = 5 * time.Minute

// Program builds the program in r.Dir, or finds it in the cache.
func Program(ctx context.Context, r Request) (Result, error) {
	res, err := program(ctx, r)
	var berr *Error
	if r.Race && r.RaceOptional && errors.As(err, &berr) && strings.Contains(berr.Output, "-race requires cgo") {
		r.Race = false
		res, err = program(ctx, r)
		res.NoRace = NoCompiler
	}
	return res, err
}

func program(ctx context.Context, r Request) (Result, error) {
	key, err := cacheKey(r)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(r.CacheDir, 0o755); err != nil {
		return Result{}, fmt.Errorf("create build cache: %w", err)
	}
	if err := noCgo(r.Dir); err != nil {
		return Result{}, err
	}
	out := filepath.Join(r.CacheDir, key)
	if _, err := os.Stat(out); err == nil {
		now := time.Now()
		_ = os.Chtimes(out, now, now) // most recently used: pruned last
		return Result{Path: out, Cached: true}, nil
	}

	tmp, err := os.CreateTemp(r.CacheDir, "build-*.tmp")
	if err != nil {
		return Result{}, fmt.Errorf("create build output: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	built := tmp.Name()
	if r.As != nil {
		// The go command writes where its user may; the program is copied
		// from there into the cache, which only the caller may change.
		built = filepath.Join(r.As.TmpDir, key)
		defer os.Remove(built)
	}

	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(buildArgs(r.Race, built), ".")...)
	cmd.Dir = r.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = buildEnv()
	if u := r.As; u != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: []uint32{}}
		// Later entries win: the user's own cache, temporary folder and
		// home, and no go env file of the caller's.
		cmd.Env = append(cmd.Env, "GOCACHE="+u.GOCACHE, "GOTMPDIR="+u.TmpDir, "TMPDIR="+u.TmpDir,
			"HOME="+u.TmpDir, "GOENV=off")
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if r.Race && r.Slow != nil {
		// Asked alongside the build, which it does not delay; never
		// after Program returns.
		done := make(chan struct{})
		go func() {
			defer close(done)
			if raceCold(ctx, r.Dir, cmd.Env) {
				r.Slow()
			}
		}()
		defer func() { <-done }()
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("go build in %s: %w", r.Dir, ctx.Err())
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return Result{}, &Error{Output: tidy(output.String()), Err: err}
		}
		return Result{}, fmt.Errorf("run go build in %s: %w", r.Dir, err)
	}
	if r.As != nil {
		if err := copyFile(tmp.Name(), built); err != nil {
			return Result{}, fmt.Errorf("store built program: %w", err)
		}
	}
	// Runnable by whoever runs the learner's programs (class grading runs
	// them as another user).
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return Result{}, fmt.Errorf("store built program: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return Result{}, fmt.Errorf("store built program: %w", err)
	}
	prune(r.CacheDir, keep)
	return Result{Path: out}, nil
}

// raceCold reports whether the race detector's build of the standard
// library is not in Go's cache yet, so that a -race build will compile it
// (a minute or two) rather than take a second or two.
func raceCold(ctx context.Context, dir string, env []string) bool {
	cmd := exec.CommandContext(ctx, "go", "list", "-race", "-trimpath", "-f", "{{.Stale}}", "runtime", "net")
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.Output()
	return err == nil && strings.Contains(string(out), "true")
}

// copyFile copies the regular file src over dst, never following a link.
func copyFile(dst, src string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	if fi, err := in.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", filepath.Base(src))
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// keep is how many built programs the cache holds: every edit makes a new
// one, and a learner edits hundreds of times.
const keep = 64

// prune removes all but the n most recently used programs in dir, sparing
// those used in the last quarter hour. It is best effort: a file it cannot
// remove stays.
func prune(dir string, n int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		name string
		used time.Time
	}
	var files []file
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		files = append(files, file{e.Name(), info.ModTime()})
	}
	if len(files) <= n {
		return
	}
	slices.SortFunc(files, func(a, b file) int { return b.used.Compare(a.used) })
	for _, f := range files[n:] {
		if time.Since(f.used) < inUse {
			continue // another grading (a class worker) may be running it
		}
		os.Remove(filepath.Join(dir, f.name))
	}
}

// inUse is how long after its last use a program is never pruned: longer
// than any lesson's grading, so a cache shared by several graders never
// loses a program one of them still runs.
const inUse = 15 * time.Minute

// tidy drops the "# package" header lines that go build prints.
func tidy(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.HasPrefix(l, "# ") {
			continue
		}
		keep = append(keep, strings.TrimPrefix(l, "./"))
	}
	return strings.Join(keep, "\n")
}

// cacheKey hashes what decides the binary: the Go version, the race flag,
// the lesson's files and the module's go.mod and go.sum.
func cacheKey(r Request) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s/%s race=%v\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, r.Race)
	entries, err := os.ReadDir(r.Dir)
	if err != nil {
		return "", fmt.Errorf("read lesson folder: %w", err)
	}
	files := []string{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(r.Dir, e.Name()))
		}
	}
	pkg := absOrSame(r.Dir)
	if mod := findModule(r.Dir); mod != "" {
		files = append(files, filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"))
		// Built with -trimpath, a program holds its package's path in the
		// module, not where the module is: the same lesson of two
		// submissions, each in a workspace of its own, is one program.
		if rel, err := filepath.Rel(mod, pkg); err == nil {
			pkg = rel
		}
	}
	for _, f := range files {
		if err := hashFile(h, f); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(h, "package %s\n", filepath.ToSlash(pkg))
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

func hashFile(h io.Writer, name string) error {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("hash %s: %w", name, err)
	}
	defer f.Close()
	fmt.Fprintf(h, "file %s\n", filepath.Base(name))
	_, err = io.Copy(h, f)
	return err
}

func findModule(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

func absOrSame(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// noCgo refuses a program that imports "C". No lesson needs cgo, and cgo
// would run the C compiler on the learner's behalf at build time, where an
// #include can quote any file the build may read.
func noCgo(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, f := range files {
		parsed, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			continue // go build reports it, in its own words
		}
		for _, imp := range parsed.Imports {
			if imp.Path.Value == `"C"` {
				return &Error{Output: fmt.Sprintf("%s: import \"C\" (cgo) is not allowed: the lessons use Go only\n", filepath.Base(f)),
					Err: errors.New("cgo is not allowed")}
			}
		}
	}
	return nil
}

// Programs builds, ahead of time, the programs of reqs that r.CacheDir
// lacks, with one go command for all those that share a module, a cache
// and a race setting: far cheaper than a go command each, when a test
// grades hundreds of variants. It is best effort: a program it could not
// build (a compile error, two folders of the same name) is left to
// Program, which reports it.
func Programs(ctx context.Context, reqs []Request) {
	type group struct {
		mod, cache string
		race       bool
	}
	todo := map[group]map[string]string{} // folder name -> cache key
	dirs := map[group][]string{}
	for _, r := range reqs {
		key, err := cacheKey(r)
		if err != nil || noCgo(r.Dir) != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(r.CacheDir, key)); err == nil {
			continue
		}
		g := group{findModule(r.Dir), r.CacheDir, r.Race}
		if todo[g] == nil {
			todo[g] = map[string]string{}
		}
		base := filepath.Base(r.Dir)
		if _, twice := todo[g][base]; twice || g.mod == "" {
			continue
		}
		todo[g][base] = key
		dirs[g] = append(dirs[g], absOrSame(r.Dir))
	}
	for g, keys := range todo {
		if err := os.MkdirAll(g.cache, 0o755); err != nil {
			continue
		}
		out, err := os.MkdirTemp(g.cache, "batch-*.tmp")
		if err != nil {
			continue
		}
		bctx, cancel := context.WithTimeout(ctx, Timeout)
		cmd := exec.CommandContext(bctx, "go", append(buildArgs(g.race, out+string(filepath.Separator)), dirs[g]...)...)
		cmd.Dir = g.mod
		cmd.Env = buildEnv()
		cmd.Run() // a failure leaves its programs to Program
		cancel()
		for base, key := range keys {
			bin := filepath.Join(out, base)
			if os.Chmod(bin, 0o755) == nil {
				os.Rename(bin, filepath.Join(g.cache, key))
			}
		}
		os.RemoveAll(out)
	}
}

// buildEnv is the go command's environment for a build: the caller's, with
// the garbage collector of the compiler and linker held back (GOGC=off)
// until a process holds 512 MiB (two at a time stay well inside
// a grading worker's 3 GiB), unless the caller set GOGC. Linking a
// learner's program, most of a rebuild, allocates a few tens of MB and
// spends a fifth of its CPU collecting them; measured on 20 builds of
// lesson 14, 8.7s of CPU became 6.6s, at the same peak memory.
func buildEnv() []string {
	env := os.Environ()
	if _, set := os.LookupEnv("GOGC"); !set {
		env = append(env, "GOGC=off", "GOMEMLIMIT=512MiB")
	}
	return env
}

// buildArgs are the go command's arguments that build a learner's program
// into out. -buildvcs=false: an instructor grades copies they may not own,
// where asking git about the folder fails; and version stamps are not
// needed. -ldflags=-s -w: no symbol table and no DWARF, which nobody
// debugs here, makes linking (most of a rebuild) about a third faster;
// stack traces and race reports still name functions and lines.
// -trimpath: those name files by their path in the module, never by where
// the course (or a submission's workspace) happens to be.
func buildArgs(race bool, out string) []string {
	args := []string{"build", "-buildvcs=false", "-trimpath", "-ldflags=-s -w", "-o", out}
	if race {
		args = append(args, "-race")
	}
	return args
}
