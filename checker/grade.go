//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/socketlings/socketlings/checker/internal/build"
	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/classroom"
	"github.com/socketlings/socketlings/checker/internal/netns"
	"github.com/socketlings/socketlings/checker/internal/proc"
)

// runGrade grades a class: go run ./checker grade [flags] SUBMISSION...
func runGrade(ctx context.Context, cfg config, args []string) error {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(cfg, args[1:])
	}
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	lessons := fs.String("lessons", "all", "grade only these `LESSONS`, e.g. 1-4,11")
	jobs := fs.Int("jobs", runtime.NumCPU(), "grade `N` submissions at once")
	out := fs.String("out", "report", "write the reports into `DIR`")
	timeout := fs.Duration("timeout", 2*time.Minute, "time limit of each lesson of each submission")
	resume := fs.Bool("resume", false, "keep the results already in --out from an interrupted run")
	format := fs.String("format", "", "also write `FORMAT`, for one submission: gradescope (results.json) or classroom (classroom.json, GitHub Classroom's reporter payload)")
	rubricPath := fs.String("rubric", "", "weights and hidden checks from `FILE` (JSON)")
	rosterPath := fs.String("roster", "", "the class list from `FILE` (CSV: submission,student_id,email): id columns in grades.csv, and who has no submission")
	seed := fs.Uint64("seed", 0, "seed of injected faults (default: a new one, recorded in the reports)")
	shardSpec := fs.String("shard", "", "grade only part `K/N` of the class (needs --seed; join the parts with grade merge)")
	fs.Usage = func() {
		fmt.Fprint(cfg.stderr, "usage: go run ./checker grade [flags] SUBMISSION...\n       go run ./checker grade merge [--out DIR] SHARD-REPORT-DIR...\n\nA SUBMISSION is a folder (a copy of the course, or its lessons folder), a .zip,\na .tar.gz, or a folder of such submissions.\n\nflags:\n")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return usageError{"grade: " + err.Error()}
	}
	if len(pos) == 0 {
		return usageError{"grade: name at least one submission (a folder, a .zip or a .tar.gz)"}
	}
	nums, err := parseLessons(*lessons)
	if err != nil {
		return usageError{"grade: " + err.Error()}
	}
	if *jobs < 1 || *timeout <= 0 {
		return usageError{"grade: --jobs and --timeout must be positive"}
	}
	if *format != "" && *format != "gradescope" && *format != "classroom" {
		return usageError{fmt.Sprintf("grade: unknown --format %q (want gradescope or classroom)", *format)}
	}
	var rubric classroom.Rubric
	if *rubricPath != "" {
		if rubric, err = classroom.LoadRubric(*rubricPath); err != nil {
			return usageError{"grade: " + err.Error()}
		}
	}
	var roster classroom.Roster
	if *rosterPath != "" {
		if roster, err = classroom.LoadRoster(*rosterPath); err != nil {
			return usageError{"grade: " + err.Error()}
		}
	}
	subs, err := classroom.Discover(pos)
	if err != nil {
		return usageError{"grade: " + err.Error()}
	}
	seedGiven := false
	fs.Visit(func(f *flag.Flag) { seedGiven = seedGiven || f.Name == "seed" })
	shardName := ""
	if *shardSpec != "" {
		shard, err := classroom.ParseShard(*shardSpec)
		if err != nil {
			return usageError{"grade: " + err.Error()}
		}
		if !seedGiven {
			return usageError{"grade: --shard needs --seed N, the same for every shard, so that their reports can be merged"}
		}
		all := len(subs)
		subs = shard.Select(subs)
		shardName = *shardSpec
		fmt.Fprintf(cfg.stderr, "shard %d of %d: %d of the class's %d submissions\n", shard.K, shard.N, len(subs), all)
	}
	if *format != "" && len(subs) != 1 {
		return usageError{fmt.Sprintf("grade: --format %s grades one submission, not %d", *format, len(subs))}
	}
	course, err := courseRoot()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the checker's own program: %w", err)
	}
	if *resume && !seedGiven {
		// Resuming means the same grading: the same faults, so the seed
		// the interrupted run recorded.
		if recorded, ok := classroom.RecordedSeed(*out); ok {
			*seed = recorded
			fmt.Fprintf(cfg.stderr, "resuming with the seed recorded in %s: %d\n", *out, recorded)
		}
	}
	if *seed == 0 {
		*seed = cfg.seed // the run's own seed, never 0
	}

	goEnv, err := toolchainEnv(ctx)
	if err != nil {
		return err
	}
	hide := []string{course, "/root", "/home"}
	for _, p := range append([]string{*out}, pos...) {
		if abs, err := filepath.Abs(p); err == nil {
			hide = append(hide, abs)
		}
	}

	bar := newProgressBar(cfg.stderr)
	start := time.Now()
	class, err := classroom.Run(ctx, classroom.Options{
		Submissions: subs, Lessons: nums, Jobs: *jobs, Out: *out, LessonTimeout: *timeout,
		Resume: *resume, Seed: *seed, Rubric: rubric, Course: course, Roster: roster, Shard: shardName,
		Worker: []string{self, "grade-worker"}, Version: version(),
		WorkerEnv: workerEnv(goEnv),
		Lockdown:  classroom.Lockdown{Hide: hide, Keep: []string{goEnv["GOCACHE"], goEnv["GOMODCACHE"], goEnv["GOROOT"]}},
		Progress: func(done, total int, r classroom.Result) {
			bar.update(done, total, r.Submission.Name, time.Since(start))
		},
	})
	bar.finish()
	if *format == "gradescope" && len(class.Results) == 1 {
		if werr := writeGradescope(filepath.Join(*out, "results.json"), class); werr != nil && err == nil {
			err = werr
		}
	}
	if *format == "classroom" && len(class.Results) == 1 {
		if werr := classroom.WriteClassroom(filepath.Join(*out, "classroom.json"), class.Classroom(class.Results[0])); werr != nil && err == nil {
			err = werr
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(cfg.stdout, "interrupted: %d of %d submissions graded; reports in %s are complete for those (rerun with --resume to finish)\n",
			len(class.Results), len(subs), *out)
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.stdout, "graded %d submissions in %s (seed %d); reports in %s:\n", len(class.Results),
		time.Since(start).Round(time.Second), *seed, *out)
	for _, r := range class.Results {
		note := ""
		if r.Error != "" {
			note = "  (" + r.Error + ")"
		}
		fmt.Fprintf(cfg.stdout, "  %-24s %6s / %s%s\n", r.Submission.Name, strconv.FormatFloat(class.Total(r), 'f', -1, 64),
			strconv.FormatFloat(class.MaxTotal(), 'f', -1, 64), note)
	}
	if absent := class.Absent(); len(absent) > 0 {
		var names []string
		for _, e := range absent {
			names = append(names, classroom.Printable(e.Submission))
		}
		fmt.Fprintf(cfg.stdout, "no submission from %d on the roster: %s\n", len(absent), strings.Join(names, ", "))
	}
	return nil
}

// runMerge joins the report folders of a sharded class into one.
func runMerge(cfg config, args []string) error {
	fs := flag.NewFlagSet("grade merge", flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	out := fs.String("out", "report", "write the merged reports into `DIR`")
	dirs, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return usageError{"grade merge: " + err.Error()}
	}
	class, err := classroom.Merge(dirs)
	if err != nil {
		return usageError{"grade " + err.Error()}
	}
	if err := class.WriteMerged(*out); err != nil {
		return err
	}
	fmt.Fprintf(cfg.stdout, "merged %d report folders: %d submissions (seed %d); reports in %s\n", len(dirs), len(class.Results), class.Provenance.Seed, *out)
	return nil
}

// toolchainEnv asks the go command where its caches and root are, so that
// workers keep them when they hide the rest.
func toolchainEnv(ctx context.Context) (map[string]string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "-json", "GOCACHE", "GOMODCACHE", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("ask go env where its caches are: %w", err)
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("read go env: %w", err)
	}
	return env, nil
}

// workerEnv is a grading worker's whole environment: the toolchain's
// settings and nothing else of the instructor's, so no secret of theirs
// reaches a build or a learner's program. Builds use only the course's
// go.mod and the modules already downloaded.
func workerEnv(goEnv map[string]string) []string {
	env := []string{
		// The toolchain go env described comes first, whatever PATH says.
		"PATH=" + filepath.Join(goEnv["GOROOT"], "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8",
		"GOCACHE=" + goEnv["GOCACHE"], "GOMODCACHE=" + goEnv["GOMODCACHE"],
		"GOPROXY=off", "GOFLAGS=-mod=readonly", "GOTOOLCHAIN=local", "GOWORK=off", "GOTELEMETRY=off",
	}
	for _, k := range []string{"CGO_ENABLED", "CC"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func writeGradescope(path string, class classroom.Class) error {
	return classroom.WriteGradescope(path, class.Gradescope(class.Results[0]))
}

// parseLessons reads "all" or a list such as "1-4,11".
func parseLessons(spec string) ([]int, error) {
	var all []int
	for _, l := range catalog.Lessons() {
		all = append(all, l.Number)
	}
	if spec == "all" || spec == "" {
		return all, nil
	}
	seen := map[int]bool{}
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := lessonNumber(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = lessonNumber(hi); err != nil {
				return nil, err
			}
		}
		if b < a {
			return nil, fmt.Errorf("--lessons: %q is an empty range", part)
		}
		for n := a; n <= b; n++ {
			seen[n] = true
		}
	}
	var out []int
	for _, n := range all {
		if seen[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func lessonNumber(s string) (int, error) {
	l, ok := catalog.Find(s)
	if !ok {
		return 0, fmt.Errorf("--lessons: there is no lesson %q", s)
	}
	return l.Number, nil
}

// courseRoot is the course's module folder: the checker grades against its
// go.mod and go.sum, never a submission's.
func courseRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/socketlings/socketlings\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", usageError{"grade: run it from the course's folder (where its go.mod is)"}
		}
		dir = parent
	}
}

// version is the checker's VCS revision when the build recorded one.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "+modified"
			}
			return rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "devel"
}

// runGradeWorker grades one prepared workspace; the grade command starts it.
func runGradeWorker(ctx context.Context, cfg config, args []string) error {
	fs := flag.NewFlagSet("grade-worker", flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	dir := fs.String("dir", "", "lessons folder")
	lessons := fs.String("lessons", "", "lessons")
	seed := fs.Uint64("seed", 1, "seed")
	timeout := fs.Duration("timeout", 2*time.Minute, "per lesson")
	resultFD := fs.Int("result-fd", -1, "descriptor to write the result to")
	cache := fs.String("cache", "", "build cache")
	confine := fs.String("confine", "", "cgroup folders for learner programs")
	lockdown := fs.String("lockdown", "", "what to hide and keep (JSON), as root")
	user := fs.Int("user", -1, "run learner programs as this uid (and gid), as root")
	gocache := fs.String("gocache", "", "the Go cache to build with where no overlay of the instructor's can be made, as root")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	// First, before anything can start a process: neither this worker nor
	// anything it starts ever gains privileges through a set-user-ID
	// program. (This runs the worker again, with the same arguments.)
	if err := classroom.NoNewPrivs(); err != nil {
		return err
	}
	if *resultFD < 3 {
		return usageError{"grade-worker: --result-fd is the descriptor the grade command gave it"}
	}
	// Nothing this worker starts may inherit the result's descriptor.
	syscall.CloseOnExec(*resultFD)
	result := os.NewFile(uintptr(*resultFD), "result")
	defer result.Close()
	var runAs *proc.User
	var buildAs *build.User
	if os.Geteuid() == 0 {
		// The grade command started this worker in new network, PID and
		// mount namespaces.
		if err := netns.LoopbackUp(); err != nil {
			return err
		}
		if *lockdown != "" {
			var ld classroom.Lockdown
			if err := json.Unmarshal([]byte(*lockdown), &ld); err != nil {
				return usageError{"grade-worker: --lockdown: " + err.Error()}
			}
			if err := ld.Apply(); err != nil {
				return err
			}
		}
		if *user >= 0 {
			runAs = &proc.User{UID: uint32(*user), GID: uint32(*user)}
			work, err := os.Getwd()
			if err != nil {
				return fmt.Errorf("grade-worker: %w", err)
			}
			if buildAs, err = classroom.Builder(work, os.Getenv("GOCACHE"), *gocache); err != nil {
				return err
			}
		}
	}
	nums, err := parseLessons(*lessons)
	if err != nil {
		return usageError{err.Error()}
	}
	o := classroom.WorkerOptions{Dir: *dir, Lessons: nums, Seed: *seed, LessonTimeout: *timeout, CacheDir: *cache, User: runAs, BuildAs: buildAs}
	if *confine != "" {
		o.Confine = classroom.ConfineTo(strings.Split(*confine, ","))
	}
	res, err := classroom.GradeLessons(ctx, o)
	if err != nil {
		return err
	}
	return classroom.WriteResults(result, res)
}

// progressBar shows grading progress: a bar on a terminal, lines otherwise.
type progressBar struct {
	w     io.Writer
	tty   bool
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, tty: ok && isTerminal(f)}
}

func (p *progressBar) update(done, total int, last string, elapsed time.Duration) {
	left := ""
	if done > 0 && done < total {
		left = fmt.Sprintf(", about %s left", (elapsed / time.Duration(done) * time.Duration(total-done)).Round(time.Second))
	}
	if !p.tty {
		fmt.Fprintf(p.w, "graded %s (%d of %d)%s\n", last, done, total, left)
		return
	}
	const width = 30
	fill := width * done / max(total, 1)
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d%s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, left)
	p.drawn = true
}

func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
