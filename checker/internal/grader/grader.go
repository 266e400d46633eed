// Package grader grades one lesson folder: it builds the program once, runs
// each of the lesson's checks against it and returns typed results (package
// results). It never prints; package report does.
package grader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/build"
	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/proc"
	"github.com/socketlings/socketlings/checker/internal/results"
	"github.com/socketlings/socketlings/checker/internal/scriptcmd"
)

// capNetRaw is CAP_NET_RAW, the one capability a raw-socket lesson's
// program keeps when class grading runs it as another user.
const capNetRaw = 13

// ScriptTimeout is each check's own deadline.
const ScriptTimeout = 30 * time.Second

// Options says what to grade and how.
type Options struct {
	Lesson   catalog.Lesson
	Dir      string // the lesson folder to grade
	CacheDir string // build cache
	Verbose  bool   // keep testscript's full log
	Jobs     int    // checks run at once; 0 means 2
	// Checks, if not empty, limits grading to the checks named.
	Checks []string
	// Seed seeds the faults that checks inject (a lossy proxy), so that a
	// run can be replayed exactly.
	Seed uint64
	// Confine, if set, puts every learner program under limits as soon as
	// it starts (the instructor's grade command uses a cgroup).
	Confine func(pid int)
	// User, if set, is who learner programs run as (the grade command, as
	// root). For an isolated lesson it keeps CAP_NET_RAW and nothing else.
	User *proc.User
	// BuildAs, if set, is who the go command runs as (see build.User).
	BuildAs *build.User
	// RaceOptional grades a -race lesson without the race detector where
	// it cannot be had (no C compiler), with a note, rather than calling
	// the program unbuildable. Class grading leaves it off: a grade
	// never silently skips a check.
	RaceOptional bool

	inNamespace bool // a lesson worker, already in the lesson's namespace
	// namespace makes the attributes that start a worker in a network
	// namespace of its own; nil means netns.ProcAttr.
	namespace func() *syscall.SysProcAttr
	// Notify, if set, receives short notices meant for the learner while
	// grading runs, such as a slow first -race build.
	Notify func(string)
}

// Grade builds the lesson's program and runs its checks. Problems with the
// learner's program are results, never errors; the error is for the checker
// failing to do its job (no suites, no temporary folder).
func Grade(ctx context.Context, o Options) (res results.Result, err error) {
	start := time.Now()
	res = results.Result{Lesson: o.Lesson.Dir()}
	defer func() { res.Duration = time.Since(start) }()

	if fi, err := os.Stat(o.Dir); err != nil || !fi.IsDir() {
		res.Outcome = results.Missing
		res.Error = fmt.Sprintf("there is no folder %s", o.Dir)
		return res, nil
	}
	scripts, err := o.Lesson.Scripts()
	if err != nil {
		return res, err
	}
	if len(o.Checks) > 0 {
		scripts = slices.DeleteFunc(scripts, func(s catalog.Script) bool { return !slices.Contains(o.Checks, s.Name) })
		if len(scripts) == 0 {
			return res, fmt.Errorf("%s has none of the checks %s", o.Lesson.Name(), strings.Join(o.Checks, ", "))
		}
	}

	if o.Lesson.NeedsLinux() && runtime.GOOS != "linux" {
		res.Outcome = results.Skipped
		res.Error = NotLinux(o.Lesson)
		return res, nil
	}

	req := build.Request{Dir: o.Dir, Race: o.Lesson.Race, CacheDir: o.CacheDir, As: o.BuildAs, RaceOptional: o.RaceOptional}
	if o.Notify != nil && o.Lesson.Race {
		req.Slow = func() {
			o.Notify("building with the race detector (-race) for the first time on this machine: it compiles the standard library again, which can take a minute or two")
		}
	}
	bin, err := build.Program(ctx, req)
	if bin.NoRace != "" {
		res.Notes = append(res.Notes, "no data race was looked for: "+bin.NoRace+"; every other check ran")
	}
	var berr *build.Error
	switch {
	case ctx.Err() != nil:
		res.Outcome = results.Interrupted
		return res, nil
	case errors.As(err, &berr):
		res.Outcome = results.BuildFailed
		res.BuildOutput = berr.Output
		return res, nil
	case err != nil:
		return res, err
	}

	jobs := o.Jobs
	if jobs <= 0 {
		jobs = 2
	}
	res.Checks = make([]results.Check, len(scripts))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	if o.Lesson.Isolated && !o.inNamespace {
		// Each check in a worker in a network namespace of its own, so that
		// two checks never see each other's packets.
		reasons := make([]string, len(scripts))
		errs := make([]error, len(scripts))
		var unready unready
		for i, s := range scripts {
			sem <- struct{}{} // in teaching order
			wg.Go(func() {
				defer func() { <-sem }()
				if c, ok := unready.blocks(o.Lesson, s); ok {
					res.Checks[i] = c
					return
				}
				res.Checks[i], reasons[i], errs[i] = isolatedCheck(ctx, o, s)
				unready.note(res.Checks[i])
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return res, err
		}
		for _, why := range reasons {
			if why != "" {
				res.Checks = nil
				return skipped(res, why), nil
			}
		}
	} else {
		work, err := os.MkdirTemp("", "socketlings-")
		if err != nil {
			return res, fmt.Errorf("create work folder: %w", err)
		}
		defer os.RemoveAll(work)
		if o.User != nil {
			// The program may pass through to its own $WORK, not list the
			// others.
			if err := os.Chmod(work, 0o711); err != nil {
				return res, fmt.Errorf("open the work folder to the program: %w", err)
			}
		}
		var unready unready
		for i, s := range scripts {
			sem <- struct{}{} // in teaching order
			wg.Go(func() {
				defer func() { <-sem }()
				if c, ok := unready.blocks(o.Lesson, s); ok {
					res.Checks[i] = c
					return
				}
				res.Checks[i] = runScript(ctx, o, s, bin.Path, work)
				unready.note(res.Checks[i])
			})
		}
		wg.Wait()
	}

	couldNotRun(o.Lesson, res.Checks)
	res.Outcome = results.Passed
	for _, c := range res.Checks {
		switch {
		case c.Outcome == results.Interrupted || ctx.Err() != nil:
			res.Outcome = results.Interrupted
		case c.Outcome != results.Passed && c.Outcome != results.Skipped && res.Outcome == results.Passed:
			res.Outcome = results.Failed
		}
	}
	return res, nil
}

// NotLinux says why a lesson that needs Linux is skipped elsewhere.
func NotLinux(l catalog.Lesson) string {
	return fmt.Sprintf("lesson %02d needs Linux (its system calls are Linux's); on %s, work it in a Linux VM or container, or WSL 2 on Windows", l.Number, runtime.GOOS)
}

// unready remembers the script line that started the program when it never
// got ready, so that the checks still to run that start it the very same
// way are not run only to wait as long: they could not run, and say so.
type unready struct {
	mu      sync.Mutex
	command string // the line, such as "serve -addr 127.0.0.1:0"
	check   string // the check that found it
}

func (u *unready) note(c results.Check) {
	if c.Kind() != results.NotReady {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.command == "" && c.Command != "" {
		u.command, u.check = c.Command, c.Name
	}
}

// blocks returns the result of s when s would start the program as the
// check that found it unready did.
func (u *unready) blocks(l catalog.Lesson, s catalog.Script) (results.Check, bool) {
	u.mu.Lock()
	command, check := u.command, u.check
	u.mu.Unlock()
	if command == "" || !usesCommand(s.Data, command) {
		return results.Check{}, false
	}
	return results.Check{Name: s.Name, Title: s.Title, Outcome: results.Failed, Command: command,
		Failure: &results.Failure{Kind: results.NotReady,
			What: fmt.Sprintf("could not run: the program never got ready (see %s)", check)},
		Hint: l.HintFor(s.Name, results.NotReady)}, true
}

// couldNotRun makes the not-ready failures of checks the same whichever
// check happened to finish first: the first in teaching order that found
// the program never ready shows the failure (taking it from the check that
// met it, when that one ran first and this one was only blocked), and
// every later one that started it the same way "could not run". Two
// gradings of one program then give one report.
func couldNotRun(l catalog.Lesson, checks []results.Check) {
	blocked := func(c results.Check) bool { return strings.HasPrefix(c.Failure.What, "could not run") }
	first := -1
	for i, c := range checks {
		if c.Kind() == results.NotReady && c.Command != "" {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	if blocked(checks[first]) {
		for _, c := range checks {
			if c.Kind() == results.NotReady && c.Command == checks[first].Command && !blocked(c) {
				f := *c.Failure
				checks[first].Failure = &f
				checks[first].Hint = l.HintFor(checks[first].Name, results.NotReady)
				break
			}
		}
	}
	for i, c := range checks[first+1:] {
		if c.Kind() != results.NotReady || c.Command == "" {
			continue
		}
		if c.Command == checks[first].Command || blocked(c) {
			checks[first+1+i] = results.Check{Name: c.Name, Title: c.Title, Outcome: results.Failed, Command: c.Command, Duration: c.Duration,
				Failure: &results.Failure{Kind: results.NotReady,
					What: fmt.Sprintf("could not run: the program never got ready (see %s)", checks[first].Name)},
				Hint: l.HintFor(c.Name, results.NotReady)}
		}
	}
}

// usesCommand reports whether a line of the script (before its archive) is
// command.
func usesCommand(script []byte, command string) bool {
	for _, line := range strings.Split(string(script), "\n") {
		if strings.HasPrefix(line, "-- ") {
			return false
		}
		if strings.TrimSpace(line) == command {
			return true
		}
	}
	return false
}

func runScript(ctx context.Context, o Options, s catalog.Script, program, work string) (c results.Check) {
	start := time.Now()
	c = results.Check{Name: s.Name, Title: s.Title, Hint: o.Lesson.Hint(s.Name)}
	defer func() { c.Duration = time.Since(start) }()

	dir := filepath.Join(work, s.Name)
	file := filepath.Join(dir, s.Name+".txtar")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.Outcome, c.Message = results.Failed, "checker: "+err.Error()
		return c
	}
	if err := os.WriteFile(file, s.Data, 0o644); err != nil {
		c.Outcome, c.Message = results.Failed, "checker: "+err.Error()
		return c
	}

	deadline := time.Now().Add(ScriptTimeout)
	sctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	st := scriptcmd.NewState(sctx, program, o.Dir)
	st.Seed = o.Seed
	st.Confine = o.Confine
	st.User = o.User
	if st.User != nil && o.Lesson.Isolated {
		u := *st.User
		u.Caps = []uintptr{capNetRaw}
		st.User = &u
	}
	defer func() {
		if st.SeedUsed() {
			c.Seed = o.Seed
		}
	}()
	t := &scriptT{verbose: o.Verbose}
	testscript.RunT(t, testscript.Params{
		Files:               []string{file},
		WorkdirRoot:         dir,
		Setup:               scriptcmd.Setup(st),
		Cmds:                scriptcmd.Commands(),
		Condition:           scriptcmd.Condition,
		Deadline:            deadline,
		RequireExplicitExec: true,
	})

	log := t.log.String()
	if o.Verbose {
		c.Log = log
	}
	switch {
	case t.panic != nil:
		c.Outcome = results.Failed
		c.Message = fmt.Sprintf("the checker itself failed (please report this): %v", t.panic)
		return c
	case t.skipped:
		c.Outcome = results.Skipped
		c.Message = lastLine(log)
		return c
	case !t.failed:
		if c.Failure = st.EndFailure(); c.Failure == nil {
			c.Outcome = results.Passed
			return c
		}
		c.Outcome, c.Message = results.Failed, c.Failure.What
		c.Hint = o.Lesson.HintFor(s.Name, c.Kind())
		return c
	}
	c.Outcome = results.Failed
	if ctx.Err() != nil {
		c.Outcome = results.Interrupted
	} else if sctx.Err() != nil {
		c.Outcome = results.TimedOut
	}
	c.Line, c.Message = failLine(log)
	if c.Outcome == results.TimedOut {
		c.Message = fmt.Sprintf("the check did not finish within its %s deadline", ScriptTimeout)
	}
	c.Phase, c.Command = phaseOf(string(s.Data), c.Line)
	c.Failure = st.Failure()
	if c.Failure == nil && c.Outcome == results.Failed {
		if c.Failure = builtinFailure(c.Command, s.Data, st.Streams()); c.Failure != nil {
			c.Message = c.Failure.What // not testscript's words
		}
	}
	c.Hint = o.Lesson.HintFor(s.Name, c.Kind())
	if c.Failure == nil {
		c.Output = st.Output()
		if strings.HasPrefix(c.Command, "cmp") {
			// The diff says what was expected; the program's output alone
			// does not.
			c.Output = cmpDiff(log) + c.Output
		}
	}
	return c
}

// cmpDiff returns the diff that testscript logged for a failed cmp, cut to
// a readable size.
func cmpDiff(log string) string {
	i := strings.LastIndex(log, "\n> cmp")
	if i < 0 {
		return ""
	}
	block := log[i+1:]
	if j := strings.Index(block, "\nFAIL: "); j >= 0 {
		block = block[:j]
	}
	lines := strings.Split(block, "\n")[1:] // the command itself is shown already
	if len(lines) > 40 {
		lines = append(lines[:40], fmt.Sprintf("… (%d more lines)", len(lines)-40))
	}
	for i, l := range lines {
		if len(l) > 160 {
			lines[i] = l[:160] + " …"
		}
	}
	return "the difference (- what came, + what was expected):\n" + strings.Join(lines, "\n") + "\n"
}

var failRE = regexp.MustCompile(`(?m)^FAIL: .*?:(\d+): (.*)$`)

// failLine finds testscript's FAIL line: the script line and the message.
func failLine(log string) (int, string) {
	m := failRE.FindStringSubmatch(log)
	if m == nil {
		return 0, lastLine(log)
	}
	n, _ := strconv.Atoi(m[1])
	return n, m[2]
}

// phaseOf returns the # comment that opens the phase holding line, and the
// command on that line.
func phaseOf(script string, line int) (phase, command string) {
	lines := strings.Split(script, "\n")
	if line < 1 || line > len(lines) {
		return "", ""
	}
	command = strings.TrimSpace(lines[line-1])
	for i := line - 2; i > 0; i-- { // line 1 is the script's title
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "#") {
			return strings.TrimSpace(strings.TrimPrefix(l, "#")), command
		}
	}
	return "", command
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
