package classroom

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/grader"
)

// WorkerOptions says what one worker grades: the lesson folders in Dir.
type WorkerOptions struct {
	Dir           string // the workspace's lessons folder
	Lessons       []int
	Seed          uint64
	LessonTimeout time.Duration
	CacheDir      string
	Confine       func(pid int) // see ConfineTo
}

// GradeLessons grades each lesson in turn, each within its time limit.
// It never fails because of the submission: a lesson that runs out of time
// is a result, "timed-out".
func GradeLessons(ctx context.Context, o WorkerOptions) ([]grader.Result, error) {
	var out []grader.Result
	for _, n := range o.Lessons {
		l, ok := findLesson(n)
		if !ok {
			return nil, fmt.Errorf("no lesson %d", n)
		}
		lctx, cancel := context.WithTimeout(ctx, o.LessonTimeout)
		res, err := grader.Grade(lctx, grader.Options{
			Lesson: l, Dir: filepath.Join(o.Dir, l.Dir()), CacheDir: o.CacheDir, Seed: o.Seed, Jobs: 2, Confine: o.Confine,
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
			res.Outcome = grader.TimedOut
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
