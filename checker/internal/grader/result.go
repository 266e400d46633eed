// Package grader grades one lesson folder: it builds the program once, runs
// each of the lesson's checks against it and returns typed results. It never
// prints; package report does.
package grader

import (
	"time"

	"github.com/socketlings/socketlings/checker/internal/scriptcmd"
)

// Outcome is how a lesson or a check ended. Its string form is part of the
// versioned JSON results.
type Outcome string

// Outcomes of a lesson and of its checks.
const (
	Passed      Outcome = "passed"
	Failed      Outcome = "failed"
	BuildFailed Outcome = "build-failed" // lesson only
	TimedOut    Outcome = "timed-out"    // check only: the script's deadline passed
	Skipped     Outcome = "skipped"
	Interrupted Outcome = "interrupted" // the checker was stopped (Ctrl-C)
	Missing     Outcome = "missing"     // lesson only: no such folder
	// Unstarted is a lesson folder that still holds the untouched stub:
	// class grading does not run it, and it scores 0.
	Unstarted Outcome = "unstarted" // lesson only
)

// Result is the grade of one lesson folder.
type Result struct {
	Lesson      string        `json:"lesson"` // e.g. 03-tcp-echo-client
	Outcome     Outcome       `json:"outcome"`
	BuildOutput string        `json:"build_output,omitempty"`
	Error       string        `json:"error,omitempty"` // why grading could not run
	Checks      []Check       `json:"checks,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
}

// Passed counts the passed checks.
func (r Result) Passed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Outcome == Passed {
			n++
		}
	}
	return n
}

// Check is the result of one script.
type Check struct {
	Name    string             `json:"name"`
	Title   string             `json:"title"`
	Outcome Outcome            `json:"outcome"`
	Line    int                `json:"line,omitempty"`  // the failing line
	Phase   string             `json:"phase,omitempty"` // the # comment above it
	Command string             `json:"command,omitempty"`
	Message string             `json:"message,omitempty"`
	Failure *scriptcmd.Failure `json:"failure,omitempty"`
	Output  string             `json:"output,omitempty"` // the program's output, when no Failure says it
	Hint    string             `json:"hint,omitempty"`
	// Seed seeded the faults this check injected; 0 when it injected none.
	Seed     uint64        `json:"seed,omitempty"`
	Log      string        `json:"log,omitempty"` // testscript's log, for -v
	Duration time.Duration `json:"duration_ns"`
}
