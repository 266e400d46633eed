package classroom

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/socketlings/socketlings/checker/internal/build"
	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/grader"
	"github.com/socketlings/socketlings/checker/internal/proc"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// WorkerOptions says what one worker grades: the lesson folders in Dir.
type WorkerOptions struct {
	Dir           string // the workspace's lessons folder
	Lessons       []int
	Seed          uint64
	LessonTimeout time.Duration
	CacheDir      string
	Confine       func(pid int) // see ConfineTo
	User          *proc.User    // who learner programs run as, if not the worker's user
	BuildAs       *build.User   // who the go command runs as, if not the worker's user
}

// GradeLessons grades each lesson in turn, each within its time limit.
// It never fails because of the submission: a lesson that runs out of time
// is a result, "timed-out".
func GradeLessons(ctx context.Context, o WorkerOptions) ([]results.Result, error) {
	var out []results.Result
	for _, n := range o.Lessons {
		l, ok := findLesson(n)
		if !ok {
			return nil, fmt.Errorf("no lesson %d", n)
		}
		dir := filepath.Join(o.Dir, l.Dir())
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			out = append(out, results.Result{Lesson: l.Dir(), Outcome: results.Missing,
				Error: fmt.Sprintf("the submission has no folder lessons/%s", l.Dir())})
			continue
		}
		if l.IsStub(dir) {
			// Checks that any program passes (a usage error, say) must
			// not earn points for work not started.
			out = append(out, results.Result{Lesson: l.Dir(), Outcome: results.Unstarted,
				Error: "the lesson folder holds the untouched stub: not graded, 0 points"})
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, o.LessonTimeout)
		res, err := grader.Grade(lctx, grader.Options{
			Lesson: l, Dir: dir, CacheDir: o.CacheDir, Seed: o.Seed, Jobs: 2, Confine: o.Confine, User: o.User, BuildAs: o.BuildAs,
		})
		timedOut := errors.Is(lctx.Err(), context.DeadlineExceeded)
		cancel()
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if err != nil {
			return nil, err
		}
		if timedOut {
			res.Outcome = results.TimedOut
			res.Error = fmt.Sprintf("the lesson did not finish within its limit of %s", o.LessonTimeout)
		}
		out = append(out, res)
	}
	return out, nil
}

// provenance describes this checker.
func provenance(version, goVersion string, seed uint64, lessons []int) Provenance {
	return Provenance{Checker: version, GoVersion: goVersion, SuitesSHA256: catalog.SuitesSum(), Seed: seed, Lessons: lessons}
}
