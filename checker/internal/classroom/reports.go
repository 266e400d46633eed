package classroom

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/report"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// Class is everything a grading run produced.
type Class struct {
	Version    int        `json:"version"`
	Provenance Provenance `json:"provenance"`
	Results    []Result   `json:"submissions"`
	Rubric     Rubric     `json:"rubric"`
	Missing    []string   `json:"not_graded,omitempty"` // submissions an interrupted run did not reach
	Roster     Roster     `json:"roster,omitempty"`
	// Shard is "K/N" for a part of a class (grade --shard): its roster's
	// other learners are in other parts, not absent.
	Shard string `json:"shard,omitempty"`
}

// Absent lists the roster's learners with no submission in a whole class.
func (c Class) Absent() []RosterEntry {
	if c.Shard != "" {
		return nil
	}
	return c.Roster.absent(c.Results)
}

func (c Class) lessons() []catalog.Lesson {
	var ls []catalog.Lesson
	for _, n := range c.Provenance.Lessons {
		if l, ok := findLesson(n); ok {
			ls = append(ls, l)
		}
	}
	return ls
}

// Total is a submission's total points.
func (c Class) Total(r Result) float64 {
	var t float64
	for _, l := range c.lessons() {
		lr, ok := r.Lesson(l.Number)
		t += c.Rubric.Score(l, lr, ok)
	}
	return round2(t)
}

// MaxTotal is the points a perfect submission gets.
func (c Class) MaxTotal() float64 {
	var t float64
	for _, l := range c.lessons() {
		t += c.Rubric.Points(l)
	}
	return t
}

// hiddenPoints is what the checks the rubric hides are worth, together.
func (c Class) hiddenPoints() float64 {
	var t float64
	for _, l := range c.lessons() {
		scripts, _ := l.Scripts()
		points := c.Rubric.CheckPoints(l)
		for _, s := range scripts {
			if c.Rubric.Hidden(l, s.Name) {
				t += points[s.Name]
			}
		}
	}
	return round2(t)
}

// anyHidden reports whether the rubric hides a check of the graded lessons.
func (c Class) anyHidden() bool {
	for _, l := range c.lessons() {
		scripts, _ := l.Scripts()
		for _, s := range scripts {
			if c.Rubric.Hidden(l, s.Name) {
				return true
			}
		}
	}
	return false
}

// WriteAll writes grades.csv, report.json, junit.xml and one transcript a
// submission into dir.
func (c Class) WriteAll(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "transcripts"), 0o755); err != nil {
		return fmt.Errorf("create report folder: %w", err)
	}
	var csvBuf bytes.Buffer
	if err := c.WriteCSV(&csvBuf); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "grades.csv"), csvBuf.Bytes()); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "report.json"), c); err != nil {
		return err
	}
	junit, err := c.JUnit()
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "junit.xml"), junit); err != nil {
		return err
	}
	for _, r := range c.Results {
		var b bytes.Buffer
		c.Transcript(&b, r)
		if err := writeAtomic(filepath.Join(dir, "transcripts", r.Submission.Name+".txt"), []byte(Printable(b.String()))); err != nil {
			return err
		}
	}
	return nil
}

// WriteCSV writes one row per submission, one column per lesson, a total.
func (c Class) WriteCSV(w *bytes.Buffer) error {
	cw := csv.NewWriter(w)
	head := []string{"submission", "name"}
	ids := len(c.Roster) > 0
	if ids {
		head = append(head, "student_id", "email")
	}
	for _, l := range c.lessons() {
		head = append(head, l.Name())
	}
	head = append(head, "total", "max", "note")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range c.Results {
		row := []string{r.Submission.Name, Printable(r.Submission.Original)}
		if ids {
			e, _ := c.Roster.find(r.Submission)
			row = append(row, Printable(e.StudentID), Printable(e.Email))
		}
		for _, l := range c.lessons() {
			lr, ok := r.Lesson(l.Number)
			row = append(row, fmtPoints(c.Rubric.Score(l, lr, ok)))
		}
		row = append(row, fmtPoints(c.Total(r)), fmtPoints(c.MaxTotal()), Printable(r.Error))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	blank := len(c.lessons()) + 3
	if ids {
		blank += 2
	}
	for _, name := range c.Missing {
		if err := cw.Write(append([]string{name, ""}, make([]string, blank)...)); err != nil {
			return err
		}
	}
	for _, e := range c.Absent() {
		row := []string{"", Printable(e.Submission), Printable(e.StudentID), Printable(e.Email)}
		for range c.lessons() {
			row = append(row, "0")
		}
		row = append(row, "0", fmtPoints(c.MaxTotal()), "no submission")
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtPoints(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Transcript is what the learner would have seen, for every lesson.
func (c Class) Transcript(w *bytes.Buffer, r Result) {
	fmt.Fprintf(w, "submission %s (%s)\n", r.Submission.Name, r.Submission.Original)
	fmt.Fprintf(w, "checker %s, %s, suites %s, seed %d\n", r.Provenance.Checker, r.Provenance.GoVersion,
		short(r.Provenance.SuitesSHA256), r.Provenance.Seed)
	fmt.Fprintf(w, "total %s of %s\n\n", fmtPoints(c.Total(r)), fmtPoints(c.MaxTotal()))
	if r.Error != "" {
		fmt.Fprintf(w, "not graded: %s\n", r.Error)
		return
	}
	for _, l := range c.lessons() {
		lr, ok := r.Lesson(l.Number)
		if !ok {
			fmt.Fprintf(w, "lesson %02d · %s: not graded\n\n", l.Number, l.Slug)
			continue
		}
		report.Lesson(w, l, lr, report.Style{})
		fmt.Fprintf(w, "score: %s of %s\n\n", fmtPoints(c.Rubric.Score(l, lr, true)), fmtPoints(c.Rubric.Points(l)))
	}
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// JUnit renders the class as JUnit XML: a test suite per submission and
// lesson, a test case per check.
func (c Class) JUnit() ([]byte, error) {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	type testsuite struct {
		Name       string     `xml:"name,attr"`
		Tests      int        `xml:"tests,attr"`
		Failures   int        `xml:"failures,attr"`
		Skipped    int        `xml:"skipped,attr"`
		Time       string     `xml:"time,attr"`
		Properties []property `xml:"properties>property,omitempty"`
		Cases      []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName xml.Name    `xml:"testsuites"`
		Suites  []testsuite `xml:"testsuite"`
	}
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
	var out testsuites
	for _, r := range c.Results {
		for _, l := range c.lessons() {
			lr, ok := r.Lesson(l.Number)
			ts := testsuite{Name: r.Submission.Name + "/" + l.Dir(), Time: secs(lr.Duration),
				Properties: []property{{"seed", strconv.FormatUint(r.Provenance.Seed, 10)}, {"suites_sha256", r.Provenance.SuitesSHA256}}}
			class := r.Submission.Name + "." + l.Dir()
			switch {
			case r.Error != "" || !ok || lr.Outcome == results.BuildFailed || lr.Outcome == results.Missing || lr.Outcome == results.Unstarted:
				msg := r.Error
				switch {
				case msg != "":
				case !ok:
					msg = "not graded"
				case lr.Outcome == results.BuildFailed:
					msg = "does not build"
				case lr.Outcome == results.Unstarted:
					msg = "the untouched stub"
				default:
					msg = "lesson folder missing"
				}
				ts.Cases = []testcase{{Name: "build", Classname: class, Time: "0",
					Failure: &failure{Message: msg, Type: string(lr.Outcome), Text: lr.BuildOutput + lr.Error}}}
				ts.Tests, ts.Failures = 1, 1
			default:
				for _, ch := range lr.Checks {
					tc := testcase{Name: ch.Name, Classname: class, Time: secs(ch.Duration)}
					ts.Tests++
					switch ch.Outcome {
					case results.Passed:
					case results.Skipped:
						tc.Skipped = &skipped{Message: ch.Message}
						ts.Skipped++
					default:
						var b bytes.Buffer
						report.Lesson(&b, l, results.Result{Outcome: lr.Outcome, Checks: []results.Check{ch}}, report.Style{})
						tc.Failure = &failure{Message: failureLine(ch), Type: string(ch.Outcome), Text: b.String()}
						ts.Failures++
					}
					ts.Cases = append(ts.Cases, tc)
				}
			}
			out.Suites = append(out.Suites, ts)
		}
	}
	data, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}

func failureLine(ch results.Check) string {
	if ch.Failure != nil {
		return ch.Failure.What
	}
	return ch.Message
}

// Gradescope is the results.json that a Gradescope autograder reads, for
// one submission.
type Gradescope struct {
	Score      float64 `json:"score"`
	MaxScore   float64 `json:"max_score"`
	Output     string  `json:"output"`
	Visibility string  `json:"visibility"`
	// ExecutionTime is how long grading the submission took, in seconds.
	ExecutionTime float64          `json:"execution_time"`
	Tests         []GradescopeTest `json:"tests"`
}

// GradescopeTest is one check, as Gradescope shows it.
type GradescopeTest struct {
	Name       string  `json:"name"`
	Score      float64 `json:"score"`
	MaxScore   float64 `json:"max_score"`
	Status     string  `json:"status"`
	Output     string  `json:"output"`
	Visibility string  `json:"visibility"`
	// ExecutionTime is how long the check ran, in seconds.
	ExecutionTime float64 `json:"execution_time,omitempty"`
}

// checkVerdict finds the result of check in a submission's lesson result
// lr (ok: the lesson was graded): whether it passed, or else why it has no
// report of its own ("" when it failed and has one).
func checkVerdict(r Result, lr results.Result, ok bool, name string) (check *results.Check, passed bool, why string) {
	for i := range lr.Checks {
		if lr.Checks[i].Name == name {
			check = &lr.Checks[i]
		}
	}
	switch {
	case !ok || r.Error != "":
		return check, false, "not graded"
	case lr.Outcome == results.BuildFailed:
		return check, false, "the program does not build:\n" + lr.BuildOutput
	case lr.Outcome == results.Missing:
		return check, false, "the lesson folder is missing"
	case lr.Outcome == results.Unstarted:
		return check, false, "the lesson folder holds the untouched stub"
	case check == nil:
		return nil, false, "not run"
	}
	return check, check.Outcome == results.Passed, ""
}

// checkReport is a failed check's report, as the learner's own run shows it.
func checkReport(l catalog.Lesson, lr results.Result, check *results.Check) string {
	var b bytes.Buffer
	report.Lesson(&b, l, results.Result{Outcome: lr.Outcome, Checks: []results.Check{*check}}, report.Style{})
	return strings.TrimSpace(b.String())
}

// Gradescope converts one submission's result.
func (c Class) Gradescope(r Result) Gradescope {
	g := Gradescope{Score: c.Total(r), MaxScore: c.MaxTotal(), Visibility: "visible", ExecutionTime: math.Round(r.Duration.Seconds())}
	g.Output = fmt.Sprintf("Graded by the socketlings checker %s (%s, suites %s, seed %d).",
		r.Provenance.Checker, r.Provenance.GoVersion, short(r.Provenance.SuitesSHA256), r.Provenance.Seed)
	if r.Error != "" {
		g.Output += "\nNot graded: " + Printable(r.Error)
	}
	if c.anyHidden() {
		// A test shown "after_published" hides the total too, Gradescope
		// says; the whole results say it as well, and every test that
		// is not hidden overrides it with "visible". So the score a
		// learner sees before publication says nothing of hidden checks.
		g.Visibility = "after_published"
		g.Output += "\nSome checks are hidden until grades are published, and so is the total score."
	}
	for _, l := range c.lessons() {
		lr, ok := r.Lesson(l.Number)
		scripts, _ := l.Scripts()
		points := c.Rubric.CheckPoints(l)
		for _, s := range scripts {
			max := points[s.Name]
			t := GradescopeTest{Name: l.Name() + " " + s.Name + ": " + s.Title, MaxScore: max, Status: "failed", Visibility: "visible"}
			if c.Rubric.Hidden(l, s.Name) {
				t.Visibility = "after_published"
			}
			check, passed, why := checkVerdict(r, lr, ok, s.Name)
			switch {
			case passed:
				t.Status, t.Score = "passed", max
				t.Output = fmt.Sprintf("passed in %.2fs", check.Duration.Seconds())
			case why != "":
				t.Output = why
			default:
				t.Output = checkReport(l, lr, check)
			}
			if check != nil {
				t.ExecutionTime = check.Duration.Seconds()
			}
			t.Output = Printable(t.Output)
			g.Tests = append(g.Tests, t)
		}
	}
	return g
}

// Printable shows text from a submission safely in a text report: control
// characters (a terminal escape could fake a score line when the report is
// printed), other non-printing runes and bytes that are not UTF-8 are
// written as \xNN or \u{NNNN}; newlines and tabs stay.
func Printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		case !unicode.IsPrint(r) && r != ' ':
			fmt.Fprintf(&b, "\\u{%04x}", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
