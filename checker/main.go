//go:build !windows

// Command checker grades socketlings lessons.
//
//	go run ./checker                 where you stand, and the next lesson
//	go run ./checker lesson03        grade one lesson (also 3, 03, tcp-echo-client...)
//	go run ./checker all             grade every lesson
//
// See docs/checker.md for every flag and exit code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/socketlings/socketlings/checker/internal/grader"
	"github.com/socketlings/socketlings/checker/internal/lastrun"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1   // a check failed
	exitUsage       = 2   // the command line was wrong
	exitInternal    = 3   // the checker could not do its job
	exitInterrupted = 130 // Ctrl-C
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errFailed means grading ran and something did not pass.
var errFailed = errors.New("some checks failed")

// config is what the flags say.
type config struct {
	dir     string
	verbose bool
	jobs    int
	checks  []string
	seed    uint64
	stdout  io.Writer
	stderr  io.Writer
	color   bool
	json    bool   // one JSON object a lesson on stdout instead of the report
	checker string // identifies this checker for kept results (see lastrun.Checker)
}

// store is where each lesson's last result is kept.
func (c config) store() lastrun.Store {
	return lastrun.Store{Dir: filepath.Join(filepath.Dir(cacheDir()), "results"), Checker: c.checker}
}

func main() {
	// A raw-socket lesson is graded by this same program, started again
	// inside a network namespace of its own.
	grader.RunWorkerIfAsked()
	// The checker reports through its own report; a library that a check
	// uses (net/http's client, facing a buggy server) must not write to
	// stderr through the standard logger in the middle of it.
	log.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := config{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("checker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.dir, "dir", "lessons", "grade the lesson folders in `DIR`")
	fs.BoolVar(&cfg.verbose, "v", false, "show each failed check's full testscript log")
	fs.IntVar(&cfg.jobs, "jobs", 2, "run `N` checks at once")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object per lesson instead of the report (see docs/checker.md)")
	fs.Uint64Var(&cfg.seed, "seed", 0, "seed the faults that checks inject with `N`, to replay a run (default: a new seed each run)")
	fs.Func("check", "run only the checks `NAME[,NAME...]` of the lesson", func(v string) error {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				cfg.checks = append(cfg.checks, n)
			}
		}
		return nil
	})
	fs.Usage = func() { usage(stderr, fs) }
	// Flags before the first word apply to everything; grade and its
	// worker have flags of their own after theirs.
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	var sub string
	var pos []string
	if rest := fs.Args(); len(rest) > 0 && slices.Contains([]string{"grade", "grade-worker", "hint", "reset", "solution", "watch", "autograder"}, rest[0]) {
		sub, pos = rest[0], rest[1:]
	} else {
		p, err := parseInterspersed(fs, rest)
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		if err != nil {
			return exitUsage
		}
		pos = p
	}
	cfg.color = colorWanted(stdout)
	if id, err := lastrun.Checker(); err == nil {
		cfg.checker = id
	}
	for cfg.seed == 0 {
		cfg.seed = rand.Uint64() % 1_000_000_000
	}

	var err error
	switch {
	case sub == "grade":
		err = runGrade(ctx, cfg, pos)
	case sub == "grade-worker":
		err = runGradeWorker(ctx, cfg, pos)
	case sub == "autograder":
		err = runAutograder(ctx, cfg, pos)
	case sub == "hint":
		err = runHint(cfg, pos)
	case sub == "reset":
		err = runReset(cfg, pos)
	case sub == "solution":
		err = runSolution(cfg, pos)
	case sub == "watch":
		err = runWatch(ctx, cfg, pos)
	case len(pos) == 0:
		err = runProgress(ctx, cfg)
	case pos[0] == "help":
		usage(stdout, fs)
		return exitOK
	case pos[0] == "all" && len(pos) == 1:
		err = runAll(ctx, cfg)
	default:
		err = runLessons(ctx, cfg, pos)
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "checker: interrupted; every program it started has been stopped")
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "checker: %s\n", ue.msg)
		return exitUsage
	case errors.Is(err, errFailed):
		return exitFailed
	default:
		fmt.Fprintf(stderr, "checker: %v\n", err)
		return exitInternal
	}
}

// parseInterspersed lets flags come before or after lesson names.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `usage:
  go run ./checker [flags]            show your progress and the next lesson
  go run ./checker [flags] LESSON...  grade lessons (lesson03, 3, 03, tcp-echo-client, 03-tcp-echo-client)
  go run ./checker [flags] all        grade every lesson
  go run ./checker watch [LESSON]     grade on every save; on to the next lesson when it passes
  go run ./checker hint LESSON        one more hint: the idea, then the Go API, then the shape of the code
  go run ./checker reset LESSON       put the stub back (your files go to a backup folder)
  go run ./checker solution LESSON    the reference solution, once the lesson passes (--force: before)
  go run ./checker grade [flags] SUBMISSION...
                                      grade a class (see go run ./checker grade -h)
  go run ./checker autograder gradescope [--lessons L] [--rubric FILE] [--out FILE.zip]
                                      write a Gradescope autograder (see docs/instructors.md)

flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, `
exit status: 0 all passed, 1 a check failed (solution: not passed yet), 2 usage error, 3 checker error, 130 interrupted
`)
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// colorWanted is true for a terminal, unless NO_COLOR is set.
func colorWanted(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// cacheDir is where built programs are kept between runs.
func cacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "socketlings", "bin")
}
