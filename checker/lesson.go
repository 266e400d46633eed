//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/grader"
	"github.com/socketlings/socketlings/checker/internal/report"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// runLessons grades the lessons named on the command line.
func runLessons(ctx context.Context, cfg config, names []string) error {
	var todo []catalog.Lesson
	for _, n := range names {
		l, ok := catalog.Find(n)
		if !ok {
			return usageError{fmt.Sprintf("there is no lesson %q; the lessons are:\n%s", n, lessonList())}
		}
		todo = append(todo, l)
	}
	return gradeAll(ctx, cfg, todo, true)
}

// runAll grades every lesson.
func runAll(ctx context.Context, cfg config) error {
	return gradeAll(ctx, cfg, catalog.Lessons(), false)
}

func gradeAll(ctx context.Context, cfg config, todo []catalog.Lesson, hintNext bool) error {
	if err := checkDir(cfg.dir); err != nil {
		return err
	}
	failed := 0
	st := report.Style{Color: cfg.color, Verbose: cfg.verbose}
	enc := json.NewEncoder(cfg.stdout)
	graded := gradeAhead(ctx, cfg, todo)
	for i, l := range todo {
		if i > 0 && !cfg.json {
			fmt.Fprintln(cfg.stdout)
		}
		g := <-graded[i]
		res, err := g.res, g.err
		if err != nil {
			return err
		}
		if cfg.json {
			if err := enc.Encode(lessonJSON{Number: l.Number, Title: l.Title, Result: res}); err != nil {
				return err
			}
		} else {
			report.Lesson(cfg.stdout, l, res, st)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !res.Done() {
			failed++
			if hintNext && len(todo) == 1 && !cfg.json {
				fmt.Fprintf(cfg.stdout, "Fix the first failure, then run `go run ./checker %s` again (stuck? `go run ./checker hint %s`).\n", l.Name(), l.Name())
			}
		} else if hintNext && len(todo) == 1 && !cfg.json && len(cfg.checks) == 0 && res.Outcome == results.Passed {
			fmt.Fprintf(cfg.stdout, "Lesson %02d passes. Compare with the reference: `go run ./checker solution %s`.\n", l.Number, l.Name())
		}
	}
	if len(todo) > 1 && !cfg.json {
		fmt.Fprintf(cfg.stdout, "\n%d of %d lessons passed.\n", len(todo)-failed, len(todo))
	}
	if failed > 0 {
		return errFailed
	}
	return nil
}

// lessonsAtOnce is how many lessons `all` grades at the same time: a
// lesson's checks mostly wait on the network and on timers, so two lessons
// (four checks at a time with the default --jobs) keep two cores busy
// without starving the checks that time what they see.
const lessonsAtOnce = 2

type graded struct {
	res results.Result
	err error
}

// gradeAhead grades the lessons, lessonsAtOnce at a time, in order; the
// result of lesson i arrives on the i-th channel, so that the reports are
// printed in the lessons' order as soon as each is ready.
func gradeAhead(ctx context.Context, cfg config, todo []catalog.Lesson) []chan graded {
	out := make([]chan graded, len(todo))
	for i := range out {
		out[i] = make(chan graded, 1)
	}
	sem := make(chan struct{}, lessonsAtOnce)
	go func() {
		for i, l := range todo {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				// Interrupted: what is left is graded as interrupted,
				// at once, holding no slot.
				res, err := gradeLesson(ctx, cfg, l)
				out[i] <- graded{res, err}
				continue
			}
			go func() {
				defer func() { <-sem }()
				res, err := gradeLesson(ctx, cfg, l)
				out[i] <- graded{res, err}
			}()
		}
	}()
	return out
}

// gradeLesson grades one lesson of cfg.dir and keeps its result for the
// progress view.
func gradeLesson(ctx context.Context, cfg config, l catalog.Lesson) (results.Result, error) {
	res, err := grader.Grade(ctx, grader.Options{
		Lesson:       l,
		Dir:          filepath.Join(cfg.dir, l.Dir()),
		CacheDir:     cacheDir(),
		Verbose:      cfg.verbose,
		Jobs:         cfg.jobs,
		Checks:       cfg.checks,
		Seed:         cfg.seed,
		RaceOptional: true,
		Notify:       func(msg string) { fmt.Fprintf(cfg.stderr, "checker: %s\n", msg) },
	})
	if err != nil && len(cfg.checks) > 0 {
		return res, usageError{err.Error()}
	}
	if err != nil {
		return res, err
	}
	if len(cfg.checks) == 0 && cfg.checker != "" {
		// Best effort: the progress view then says "not checked yet".
		_ = cfg.store().Save(l, filepath.Join(cfg.dir, l.Dir()), res)
	}
	return res, nil
}

// lessonJSON is what --json prints for a lesson: its result, with the
// lesson's number and title.
type lessonJSON struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	results.Result
}

func lessonList() string {
	var b strings.Builder
	for _, l := range catalog.Lessons() {
		fmt.Fprintf(&b, "  %-9s %-28s %s\n", l.Name(), l.Dir(), l.Title)
	}
	return strings.TrimRight(b.String(), "\n")
}
