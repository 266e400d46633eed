package classroom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socketlings/socketlings/checker/internal/build"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// Options says what to grade and how.
type Options struct {
	Submissions   []Submission
	Lessons       []int
	Jobs          int
	Out           string // report folder; results/NAME.json are kept there as they finish
	LessonTimeout time.Duration
	Resume        bool
	Seed          uint64
	Rubric        Rubric
	Course        string   // the course's module folder (go.mod, go.sum)
	Worker        []string // the command line that starts a worker, without its flags
	// Lockdown is what workers hide from learner programs, as root; each
	// also keeps its own workspace.
	Lockdown Lockdown
	// WorkerEnv is the workers' whole environment: nothing else of the
	// grade command's reaches them.
	WorkerEnv []string
	Version   string // the checker's version, for provenance
	Roster    Roster // the class list, for grades.csv's id columns and absent learners
	Shard     string // "K/N" when the submissions are a part of a class
	// Progress, if set, is called after each submission.
	Progress func(done, total int, r Result)

	buildCache string // as root, the Go cache builds use where no overlay can be made
}

// Run grades every submission and writes the reports. It returns the class
// even when interrupted: what finished is complete, the rest is listed as
// not graded. The error is ctx's, or the checker failing its job.
func Run(ctx context.Context, o Options) (Class, error) {
	prov := provenance(o.Version, runtime.Version(), o.Seed, o.Lessons)
	class := Class{Version: FormatVersion, Provenance: prov, Rubric: o.Rubric, Roster: o.Roster, Shard: o.Shard}
	resultsDir := filepath.Join(o.Out, "results")
	if err := os.MkdirAll(resultsDir, 0o755); err != nil {
		return class, fmt.Errorf("create report folder: %w", err)
	}
	scratch, err := os.MkdirTemp("", "socketlings-grade-")
	if err != nil {
		return class, fmt.Errorf("create scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	// One build cache for the run: a program is named by the SHA-256 of its
	// sources, so submissions with the same lesson (the stub, a shared
	// solution) are built once. Workers build as root; learner programs
	// may run a binary whose name they know, and list nothing.
	if err := os.Chmod(scratch, 0o711); err != nil {
		return class, fmt.Errorf("create scratch folder: %w", err)
	}
	cache := filepath.Join(scratch, "cache")
	if err := os.Mkdir(cache, 0o711); err != nil {
		return class, fmt.Errorf("create build cache: %w", err)
	}
	o.Lockdown.Keep = append(slices.Clone(o.Lockdown.Keep), cache)
	if os.Geteuid() == 0 {
		// Workers build as builderUID with a Go cache that reads through
		// to the instructor's: warm that first, with the course's own code.
		WarmGoCache(ctx, o.Course, o.Lessons, filepath.Join(scratch, "warm"))
		o.buildCache = filepath.Join(scratch, "gocache")
		if err := ownedDir(o.buildCache); err != nil {
			return class, fmt.Errorf("create the builds' Go cache: %w", err)
		}
		o.Lockdown.Keep = append(o.Lockdown.Keep, o.buildCache)
	}

	results := make([]*Result, len(o.Submissions))
	var mu sync.Mutex
	done := 0
	finish := func(i int, r Result) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = &r
		done++
		if o.Progress != nil {
			o.Progress(done, len(o.Submissions), r)
		}
	}

	var fatal error
	var fatalOnce sync.Once
	sem := make(chan struct{}, max(1, o.Jobs))
	var wg sync.WaitGroup
	for i, sub := range o.Submissions {
		path := filepath.Join(resultsDir, sub.Name+".json")
		if o.Resume {
			if r, err := readResult(path); err == nil && r.Version == FormatVersion && sameRun(r.Provenance, prov) && r.Submission == sub {
				finish(i, r)
				continue
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r := gradeOne(ctx, o, sub, prov, filepath.Join(scratch, strconv.Itoa(i)), cache)
			if ctx.Err() != nil {
				return // interrupted: not a result
			}
			if err := writeJSON(path, r); err != nil {
				fatalOnce.Do(func() { fatal = err })
			}
			finish(i, r)
		})
	}
	wg.Wait()
	for i, r := range results {
		if r != nil {
			class.Results = append(class.Results, *r)
		} else {
			class.Missing = append(class.Missing, o.Submissions[i].Name)
		}
	}
	sortResults(class.Results)
	if err := class.WriteAll(o.Out); err != nil {
		return class, err
	}
	if fatal != nil {
		return class, fatal
	}
	return class, ctx.Err()
}

// WarmGoCache builds the course's solutions of lessons (or its stubs, where
// it has no solutions) with the flags a learner's program is built with, so
// the Go cache holds every package those programs import. It is best
// effort: what it does not build, the first worker does.
func WarmGoCache(ctx context.Context, course string, lessons []int, dir string) {
	var reqs []build.Request
	for _, n := range lessons {
		l, ok := findLesson(n)
		if !ok {
			continue
		}
		src := filepath.Join(course, "solutions", l.Dir())
		if _, err := os.Stat(src); err != nil {
			src = filepath.Join(course, "lessons", l.Dir())
		}
		reqs = append(reqs, build.Request{Dir: src, Race: l.Race, CacheDir: dir})
	}
	build.Programs(ctx, reqs)
	os.RemoveAll(dir)
}

// sameRun tells whether a kept result was graded the way this run grades.
func sameRun(a, b Provenance) bool {
	return a.SuitesSHA256 == b.SuitesSHA256 && a.Seed == b.Seed && slices.Equal(a.Lessons, b.Lessons) && a.GoVersion == b.GoVersion
}

// gradeOne prepares a submission's workspace and grades it in a worker.
func gradeOne(ctx context.Context, o Options, sub Submission, prov Provenance, work, cache string) (r Result) {
	start := time.Now()
	r = Result{Version: FormatVersion, Submission: sub, Provenance: prov}
	defer func() { r.Duration = time.Since(start) }()
	defer os.RemoveAll(work)
	ws, unpacked := filepath.Join(work, "ws"), filepath.Join(work, "unpacked")
	for _, d := range []string{ws, unpacked} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			r.Error = "checker: " + err.Error()
			return r
		}
	}
	if err := Prepare(sub, o.Course, ws, unpacked); err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) {
			r.Error = refused.Error()
		} else {
			// The reason, without the grader's scratch paths.
			r.Error = "could not read the submission: " + strings.ReplaceAll(err.Error(), work+string(os.PathSeparator), "")
		}
		return r
	}
	lessons, err := runWorker(ctx, o, filepath.Join(ws, "lessons"), work, cache)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Lessons = lessons
	return r
}

// runWorker grades a workspace in a worker process: its own process group,
// and, as root, its own network namespace and a cgroup bounding its
// processes and memory. Whatever the submission does, the worker and
// everything it started are gone when this returns.
func runWorker(ctx context.Context, o Options, lessonsDir, work, cache string) ([]results.Result, error) {
	// The worker reports on a pipe that only it holds (its descriptor 3,
	// closed on exec for everything it starts): nothing the learner's
	// program writes, anywhere, can pass for a result.
	resultR, resultW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("checker: make the worker's result pipe: %w", err)
	}
	defer resultR.Close()
	var lessons []string
	for _, n := range o.Lessons {
		lessons = append(lessons, strconv.Itoa(n))
	}
	args := append(slices.Clone(o.Worker[1:]),
		"--dir", lessonsDir, "--lessons", strings.Join(lessons, ","), "--seed", strconv.FormatUint(o.Seed, 10),
		"--timeout", o.LessonTimeout.String(), "--result-fd", "3", "--cache", cache)
	sb := newSandbox()
	if err := sb.prepare(); err == nil && len(sb.programs) > 0 {
		args = append(args, "--confine", strings.Join(sb.programs, ","))
	}
	if sb.root {
		ld := o.Lockdown
		ld.Keep = append(slices.Clone(ld.Keep), work)
		spec, err := json.Marshal(ld)
		if err != nil {
			return nil, err
		}
		args = append(args, "--lockdown", string(spec), "--user", strconv.Itoa(programUID), "--gocache", o.buildCache)
		// The learner's programs run as programUID: they may pass through
		// the workspace to what is theirs, and list nothing.
		if err := os.Chmod(work, 0o711); err != nil {
			return nil, fmt.Errorf("checker: open the workspace to the programs: %w", err)
		}
	}
	// Everything the worker writes goes under work, which goes when the
	// submission is done, even if the worker is killed first.
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o711); err != nil {
		return nil, fmt.Errorf("checker: make the worker's temporary folder: %w", err)
	}
	cmd := exec.Command(o.Worker[0], args...)
	cmd.Dir = work
	cmd.Env = append(slices.Clone(o.WorkerEnv), "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 16 << 10}
	cmd.SysProcAttr = sb.procAttr()
	cmd.ExtraFiles = []*os.File{resultW}
	err = cmd.Start()
	resultW.Close() // the worker holds its own copy
	if err != nil {
		return nil, fmt.Errorf("checker: start a grading worker: %w", err)
	}
	result := make(chan []byte, 1)
	go func() {
		data, _ := io.ReadAll(io.LimitReader(resultR, maxResultBytes+1))
		result <- data
	}()
	sb.adopt(cmd.Process.Pid)
	defer sb.destroy(cmd.Process.Pid)

	limit := time.Duration(len(o.Lessons))*o.LessonTimeout + time.Minute
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-waited:
	case <-ctx.Done():
		sb.destroy(cmd.Process.Pid)
		<-waited
		return nil, ctx.Err()
	case <-time.After(limit):
		sb.destroy(cmd.Process.Pid)
		<-waited
		return nil, fmt.Errorf("grading did not finish within %s and was stopped", limit)
	}
	// The worker and everything it started are gone (or, past the limit,
	// killed): the pipe's other end is closed, so the read ends.
	sb.destroy(cmd.Process.Pid)
	data := <-result
	if werr != nil {
		// A worker that failed or was killed gives no grade, whatever it
		// wrote: an infrastructure error for this submission. The first
		// line of its stderr says why; the rest would be a stack dump.
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return nil, fmt.Errorf("checker: the grading worker failed (%v): %s", werr, msg)
	}
	if len(data) > maxResultBytes {
		return nil, fmt.Errorf("checker: the grading worker's result is larger than %d bytes", maxResultBytes)
	}
	var res []results.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("checker: the grading worker's result is unreadable: %w", err)
	}
	if len(res) != len(o.Lessons) {
		return nil, fmt.Errorf("checker: the grading worker graded %d lessons, not %d", len(res), len(o.Lessons))
	}
	return res, nil
}

// maxResultBytes bounds a worker's result: every lesson's checks, with
// outputs already cut short.
const maxResultBytes = 64 << 20

type limitedWriter struct {
	w interface{ WriteString(string) (int, error) }
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.WriteString(string(p[:k]))
		l.n -= k
	}
	return len(p), nil
}
