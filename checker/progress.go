//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/grader"
	"github.com/socketlings/socketlings/checker/internal/lastrun"
	"github.com/socketlings/socketlings/checker/internal/report"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// runProgress shows every lesson's state and the next one to work on. It
// runs nothing: an untouched stub is recognised by its sources, and every
// other lesson shows the result it got when it was last graded, if its
// sources and the checker are the same since.
func runProgress(ctx context.Context, cfg config) error {
	if err := checkDir(cfg.dir); err != nil {
		return err
	}
	store := cfg.store()
	var all []report.Status
	for _, l := range catalog.Lessons() {
		dir := filepath.Join(cfg.dir, l.Dir())
		s := report.Status{Lesson: l}
		switch {
		case !isDir(dir):
			s.Missing = true
		case l.NeedsLinux() && runtime.GOOS != "linux":
			s.Result = results.Result{Lesson: l.Dir(), Outcome: results.Skipped, Error: grader.NotLinux(l)}
		case l.IsStub(dir):
			s.Stub = true
		default:
			res, state := store.Load(l, dir)
			switch state {
			case lastrun.Fresh:
				s.Result = res
			case lastrun.Changed:
				s.Changed = true
			default:
				s.Unchecked = true
			}
		}
		all = append(all, s)
	}
	if cfg.json {
		enc := json.NewEncoder(cfg.stdout)
		for _, s := range all {
			if err := enc.Encode(progressJSON(s)); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	report.Progress(cfg.stdout, cfg.dir, all, report.Style{Color: cfg.color})
	return ctx.Err()
}

// progressLine is what --json prints for a lesson in the progress view.
type progressLine struct {
	Number int    `json:"number"`
	Lesson string `json:"lesson"`
	// State is one of missing, not-started, unchecked, changed, or the
	// outcome of its last grading (passed, failed, build-failed, skipped).
	State  string `json:"state"`
	Passed int    `json:"passed,omitempty"`
	Checks int    `json:"checks,omitempty"`
}

func progressJSON(s report.Status) progressLine {
	p := progressLine{Number: s.Lesson.Number, Lesson: s.Lesson.Dir()}
	switch {
	case s.Missing:
		p.State = "missing"
	case s.Stub:
		p.State = "not-started"
	case s.Unchecked:
		p.State = "unchecked"
	case s.Changed:
		p.State = "changed"
	default:
		p.State = string(s.Result.Outcome)
		p.Passed, p.Checks = s.Result.Passed(), len(s.Result.Checks)
	}
	return p
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
