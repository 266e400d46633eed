// Package report turns grading results into text for a learner. Everything
// here is a pure function over an io.Writer.
package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// Style decides how text looks.
type Style struct {
	Color   bool // ANSI colour, only for a terminal without NO_COLOR
	Verbose bool // show testscript's log of each failed check
}

func (s Style) paint(code, text string) string {
	if !s.Color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s Style) green(t string) string { return s.paint("32", t) }
func (s Style) red(t string) string   { return s.paint("31", t) }
func (s Style) dim(t string) string   { return s.paint("2", t) }
func (s Style) bold(t string) string  { return s.paint("1", t) }

// Bold and Dim style text for the checker's other views.
func (s Style) Bold(t string) string { return s.bold(t) }
func (s Style) Dim(t string) string  { return s.dim(t) }

func (s Style) mark(o results.Outcome) string {
	switch o {
	case results.Passed:
		return s.green("✓")
	case results.Skipped:
		return s.dim("-")
	default:
		return s.red("✗")
	}
}

// Lesson writes one lesson's result: a line per check, and the details of
// each failed one.
func Lesson(w io.Writer, l catalog.Lesson, r results.Result, st Style) {
	fmt.Fprintf(w, "%s %s\n", (st.bold(fmt.Sprintf("lesson %02d · %s", l.Number, l.Slug))), st.dim("— "+l.Title))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  %s %s\n", st.dim("!"), n)
	}
	switch r.Outcome {
	case results.Missing, results.Unstarted:
		fmt.Fprintf(w, "  %s %s\n", st.red("✗"), r.Error)
		return
	case results.Skipped:
		fmt.Fprintf(w, "  %s skipped: %s\n", st.dim("-"), r.Error)
		return
	case results.BuildFailed:
		fmt.Fprintf(w, "  %s the program does not build:\n", st.red("✗"))
		for _, line := range strings.Split(r.BuildOutput, "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
		fmt.Fprintf(w, "  %s\n", st.dim("fix the compile errors above, then run the checker again"))
		return
	}
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	seen := map[string]string{} // a problem already shown, to the check that showed it
	notReady := ""              // the check that showed the program never got ready
	for _, c := range r.Checks {
		fmt.Fprintf(w, "  %s %-*s  %s %s\n", st.mark(c.Outcome), width, c.Name, c.Title, st.dim(dur(c.Duration)))
		if c.Outcome == results.Skipped && c.Message != "" {
			// Why it did not run here (a missing capability, a limit).
			fmt.Fprintf(w, "      %-9s %s\n", "skipped:", st.dim(c.Message))
		}
		if c.Outcome == results.Passed || c.Outcome == results.Skipped {
			continue
		}
		if c.Failure != nil && !st.Verbose {
			if c.Kind() == results.NotReady && notReady != "" {
				// Once is enough: the program is the same in every check.
				fmt.Fprintf(w, "      %-9s could not run: the program never got ready (see %s, above)\n", "problem:", notReady)
				continue
			}
			if c.Kind() == results.NotReady && strings.HasPrefix(c.Failure.What, "could not run") {
				fmt.Fprintf(w, "      %-9s %s\n", "problem:", c.Failure.What)
				continue
			}
			key := c.Failure.What + "\x00" + c.Failure.Got + "\x00" + c.Failure.Output
			if first, ok := seen[key]; ok {
				fmt.Fprintf(w, "      %-9s the same as %s, above\n", "problem:", first)
				continue
			}
			seen[key] = c.Name
			if c.Kind() == results.NotReady {
				notReady = c.Name
			}
		}
		details(w, c, st)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%d of %d checks passed", r.Passed(), len(r.Checks))
	if r.Outcome == results.Interrupted {
		fmt.Fprint(w, " before the checker was interrupted")
	}
	fmt.Fprintln(w, ".")
}

func details(w io.Writer, c results.Check, st Style) {
	field := func(name, value string) {
		if value == "" {
			return
		}
		lines := strings.Split(strings.TrimRight(value, "\n"), "\n")
		fmt.Fprintf(w, "      %-9s %s\n", name+":", lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "      %-9s %s\n", "", l)
		}
	}
	switch c.Outcome {
	case results.TimedOut:
		field("problem", c.Message)
	case results.Interrupted:
		field("problem", "interrupted")
		return
	}
	if c.Phase != "" {
		field("step", c.Phase)
	}
	if f := c.Failure; f != nil {
		field("problem", f.What)
		field("sent", f.Sent)
		field("got", f.Got)
		field("expected", f.Want)
		field("program", f.Output)
	} else {
		field("problem", c.Message)
		if c.Command != "" {
			field("check", c.Command)
		}
		field("program", c.Output)
	}
	field("hint", c.Hint)
	if c.Seed != 0 {
		field("seed", fmt.Sprintf("%d (replay exactly this run: add --seed %d)", c.Seed, c.Seed))
	}
	if st.Verbose && c.Log != "" {
		field("log", c.Log)
	}
}

func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// Status is one line of the progress table.
type Status struct {
	Lesson    catalog.Lesson
	Stub      bool // still the untouched stub
	Result    results.Result
	Missing   bool
	Changed   bool // edited since it was last checked
	Unchecked bool // started, never checked
}

// Progress writes where the learner stands and what to do next.
func Progress(w io.Writer, dir string, all []Status, st Style) {
	done := 0
	for _, s := range all {
		if !s.Stub && s.Result.Outcome == results.Passed {
			done++
		}
	}
	fmt.Fprintf(w, "%s: %d of %d lessons done\n\n", st.bold("socketlings"), done, len(all))
	var next *Status
	for i, s := range all {
		var mark, what string
		switch {
		case s.Missing:
			mark, what = st.red("?"), "folder missing"
		case s.Stub:
			mark, what = st.dim("·"), "not started"
		case s.Changed:
			mark, what = st.dim("~"), "changed since it was last checked"
		case s.Unchecked:
			mark, what = st.dim("~"), "started, not checked yet"
		case s.Result.Outcome == results.Passed:
			mark, what = st.green("✓"), "passed"
		case s.Result.Outcome == results.Skipped:
			mark, what = st.dim("-"), "skipped: "+firstSentence(s.Result.Error)
		case s.Result.Outcome == results.BuildFailed:
			mark, what = st.red("✗"), "does not build"
		default:
			mark, what = st.red("✗"), fmt.Sprintf("%d of %d checks pass", s.Result.Passed(), len(s.Result.Checks))
		}
		fmt.Fprintf(w, "  %s %02d %-24s %s\n", mark, s.Lesson.Number, s.Lesson.Slug, st.dim(what))
		if next == nil && (s.Stub || s.Changed || s.Unchecked || !s.Result.Done()) {
			next = &all[i]
		}
	}
	fmt.Fprintln(w)
	if next == nil {
		fmt.Fprintln(w, "Every lesson passes. Well done.")
		return
	}
	l := next.Lesson
	fmt.Fprintf(w, "Next: lesson %02d, %s.\n", l.Number, l.Title)
	fmt.Fprintf(w, "  read  %s/%s/README.md\n", dir, l.Dir())
	fmt.Fprintf(w, "  run   go run ./checker %s\n", l.Name())
}

// firstSentence is the text up to its first ". ", for a one-line status.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i]
	}
	return strings.TrimSuffix(s, ".")
}
