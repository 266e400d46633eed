//go:build !windows

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/grader"
	"github.com/socketlings/socketlings/checker/internal/report"
)

// runProgress shows every lesson's state and the next one to work on. An
// untouched stub is reported without being run; every other lesson is graded.
func runProgress(ctx context.Context, cfg config) error {
	if err := checkDir(cfg.dir); err != nil {
		return err
	}
	var all []report.Status
	for _, l := range catalog.Lessons() {
		dir := filepath.Join(cfg.dir, l.Dir())
		s := report.Status{Lesson: l}
		switch {
		case !isDir(dir):
			s.Missing = true
		case l.IsStub(dir):
			s.Stub = true
		default:
			res, err := grader.Grade(ctx, grader.Options{Lesson: l, Dir: dir, CacheDir: cacheDir(), Jobs: cfg.jobs, Seed: cfg.seed,
				Notify: func(msg string) { fmt.Fprintf(cfg.stderr, "checker: %s\n", msg) }})
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.Result = res
		}
		all = append(all, s)
	}
	report.Progress(cfg.stdout, cfg.dir, all, report.Style{Color: cfg.color})
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// checkDir explains a missing lessons folder instead of failing every lesson.
func checkDir(dir string) error {
	if !isDir(dir) {
		return usageError{fmt.Sprintf("no folder %q here; run the checker from the course's top folder, or name the folder with --dir", dir)}
	}
	return nil
}
