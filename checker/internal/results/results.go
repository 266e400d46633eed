// Package results is what grading produces and everything else reads: a
// lesson's result, each check's result and, for a failed check, what went
// wrong and of what kind. The runner (package grader) fills them in; the
// learner's report, --json, the progress cache and class grading consume
// them. Their JSON form is versioned: a field is never renamed.
package results

import "time"

// Outcome is how a lesson or a check ended.
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

// Kind says what went wrong in a failed check, whatever the check is
// about: it picks the hint when the failure is not the check's own subject
// (a server that never became ready fails every check that needs it).
type Kind string

// Kinds of failure. A failure of no particular kind has the empty Kind.
const (
	// NotReady: the server exited before its readiness line, or never
	// printed it.
	NotReady Kind = "not-ready"
	// Crashed: the program panicked or died of a fatal runtime error.
	Crashed Kind = "crashed"
	// Race: the race detector reported a data race.
	Race Kind = "race"
	// Exited: the server ended while the check was using it.
	Exited Kind = "exited"
	// NoReply: nothing, or not all, came back in time.
	NoReply Kind = "no-reply"
	// WrongBytes: bytes came back, not the expected ones.
	WrongBytes Kind = "wrong-bytes"
	// Reset: the connection was reset (RST) where it should have been
	// closed (FIN), or refused.
	Reset Kind = "reset"
	// ExitStatus: the program ended with another status, or by a signal,
	// or did not end in time.
	ExitStatus Kind = "exit-status"
	// Output: stdout or stderr hold other lines than the contract says.
	Output Kind = "output"
	// Checker: the checker itself could not run the check.
	Checker Kind = "checker"
)

// Result is the grade of one lesson folder.
type Result struct {
	Lesson      string        `json:"lesson"` // e.g. 03-tcp-echo-client
	Outcome     Outcome       `json:"outcome"`
	BuildOutput string        `json:"build_output,omitempty"`
	Error       string        `json:"error,omitempty"` // why grading could not run
	Notes       []string      `json:"notes,omitempty"` // what the learner should know about how it was graded
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

// Done reports whether the lesson is finished: every check passed, or it
// was skipped on this machine.
func (r Result) Done() bool { return r.Outcome == Passed || r.Outcome == Skipped }

// Check is the result of one script.
type Check struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Outcome Outcome  `json:"outcome"`
	Line    int      `json:"line,omitempty"`  // the failing line
	Phase   string   `json:"phase,omitempty"` // the # comment above it
	Command string   `json:"command,omitempty"`
	Message string   `json:"message,omitempty"`
	Failure *Failure `json:"failure,omitempty"`
	Output  string   `json:"output,omitempty"` // the program's output, when no Failure says it
	Hint    string   `json:"hint,omitempty"`
	// Seed seeded the faults this check injected; 0 when it injected none.
	Seed     uint64        `json:"seed,omitempty"`
	Log      string        `json:"log,omitempty"` // testscript's log, for -v
	Duration time.Duration `json:"duration_ns"`
}

// Kind is the kind of the check's failure, or "".
func (c Check) Kind() Kind {
	if c.Failure == nil {
		return ""
	}
	return c.Failure.Kind
}

// Failure is what a check found wrong, in the terms a learner needs: what
// happened, what was sent, what came back and what was expected.
type Failure struct {
	Kind   Kind   `json:"kind,omitempty"`
	What   string `json:"what"`             // one sentence
	Sent   string `json:"sent,omitempty"`   // rendered readably, or a description
	Got    string `json:"got,omitempty"`    //
	Want   string `json:"want,omitempty"`   //
	Output string `json:"output,omitempty"` // the program's own output, when it explains the failure
}
